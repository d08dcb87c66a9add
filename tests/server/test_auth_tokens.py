"""Tenants and tokens: 401 identical for every bad credential; two live tokens; hashes only."""

from __future__ import annotations

import hashlib
import time

import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from conftest import scim_client
from scimguard.cli import main
from scimguard.server.tables import tokens
from scimguard.server.tokens import (
    TokenLimitError,
    create_token,
    list_tokens,
    revoke_token,
)

TENANT_RE = r"^[A-Za-z0-9]{8,11}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}$"


def _401_shape(response):
    assert response.status_code == 401
    body = response.json()
    assert response.headers["X-Scimguard-Rule"] == "unauthorized"
    return {k: v for k, v in body.items() if k not in ("exceptionRequestId", "timeStamp")}


def test_every_bad_credential_gets_the_same_401(emu):
    tenant, token = emu.create_tenant()
    other_tenant, other_token = emu.create_tenant()
    expired = emu.create_token(tenant, days=1 / 86400 / 10)  # 0.1 s
    revoked_info, revoked = create_token(emu.db, other_tenant)
    assert revoke_token(emu.db, other_tenant, revoked_info.id)
    time.sleep(0.2)
    with scim_client(emu, tenant, token) as good:
        assert good.get("/Users").status_code == 200
        shapes = []
        for headers in (
            {"Authorization": ""},
            {"Authorization": "Bearer"},
            {"Authorization": f"Basic {token}"},
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": f"Bearer {expired}"},
            {"Authorization": f"Bearer {other_token}"},
        ):
            shapes.append(_401_shape(good.get("/Users", headers=headers)))
        no_header = good.get("/Users", headers={"Authorization": ""})
        shapes.append(_401_shape(no_header))
    with scim_client(emu, other_tenant, revoked) as bad:
        shapes.append(_401_shape(bad.get("/Groups")))
    with scim_client(emu, "0000000000-0000-0000-0000-000000000000", token) as wrong:
        shapes.append(_401_shape(wrong.get("/Users")))
        shapes.append(_401_shape(wrong.post("/Users", json={"userName": "x"})))
    assert all(shape == shapes[0] for shape in shapes), shapes


def test_at_most_two_live_tokens_and_revocation(emu):
    tenant, _token = emu.create_tenant()
    info2, second = create_token(emu.db, tenant)
    with pytest.raises(TokenLimitError):
        create_token(emu.db, tenant)
    assert revoke_token(emu.db, tenant, info2.id)
    with scim_client(emu, tenant, second) as c:
        assert c.get("/Users").status_code == 401
    _info3, third = create_token(emu.db, tenant)
    with scim_client(emu, tenant, third) as c:
        assert c.get("/Users").status_code == 200
    states = sorted(i.to_dict()["state"] for i in list_tokens(emu.db, tenant))
    assert states == ["live", "live", "revoked"]


def test_tokens_are_stored_as_sha256_only(emu):
    tenant, token = emu.create_tenant()
    with emu.db.read() as conn:
        rows = conn.execute(select(tokens).where(tokens.c.tenant_id == tenant)).all()
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(rows[0]._mapping)
    assert len(token) >= 500
    info = list_tokens(emu.db, tenant)[0]
    assert 364 * 86400 < info.expires - info.created <= 365 * 86400 + 1


def test_cli_tenant_and_token_commands(sqlite_url):
    runner = CliRunner()
    r = runner.invoke(main, ["tenant", "create", "--json", "--db", sqlite_url])
    assert r.exit_code == 0, r.output
    created = orjson.loads(r.stdout)
    assert set(created) == {"tenant_id", "scim_base_url", "token"}
    import re

    assert re.match(TENANT_RE, created["tenant_id"])
    assert created["scim_base_url"].endswith(f"/{created['tenant_id']}/scim/v2")
    tenant = created["tenant_id"]
    r = runner.invoke(main, ["token", "create", "--tenant", tenant, "--db", sqlite_url, "--json"])
    assert r.exit_code == 0
    second = orjson.loads(r.stdout)
    r = runner.invoke(main, ["token", "create", "--tenant", tenant, "--db", sqlite_url])
    assert r.exit_code != 0 and "two live tokens" in r.output
    r = runner.invoke(main, ["token", "list", "--tenant", tenant, "--db", sqlite_url, "--json"])
    listed = orjson.loads(r.stdout)
    assert len(listed) == 2 and all("token" not in t for t in listed)
    assert created["token"] not in r.stdout and second["token"] not in r.stdout
    r = runner.invoke(
        main, ["token", "revoke", "--tenant", tenant, second["id"], "--db", sqlite_url]
    )
    assert r.exit_code == 0
    r = runner.invoke(main, ["token", "list", "--tenant", tenant, "--db", sqlite_url, "--json"])
    assert sorted(t["state"] for t in orjson.loads(r.stdout)) == ["live", "revoked"]
    r = runner.invoke(main, ["token", "create", "--tenant", "nope", "--db", sqlite_url])
    assert r.exit_code != 0 and "no tenant" in r.output
    r = runner.invoke(main, ["db", "upgrade", "--db", sqlite_url])
    assert r.exit_code == 0 and "up to date" in r.output
