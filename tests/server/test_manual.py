"""Manually created resources: stored with source=manual, clash with SCIM, can be adopted."""

from __future__ import annotations

from serve_helpers import assert_aws_error, scim_client, user
from sqlalchemy import select

from scimguard.server.tables import MANUAL, groups, users
from scimguard.server.testing import running_emulator


def test_manual_user_and_group_clash_and_adoption(emu):
    tenant, token = emu.create_tenant()
    manual_user = emu.store.create_user(
        tenant, user("bob@example.com", externalId="ignored"), MANUAL
    )
    emu.store.create_group(tenant, {"displayName": "Admins", "externalId": "ignored"}, MANUAL)
    assert "externalId" not in manual_user
    with emu.db.read() as conn:
        assert conn.execute(select(users.c.source)).scalars().all() == ["manual"]
        assert conn.execute(select(groups.c.source)).scalars().all() == ["manual"]
    with scim_client(emu, tenant, token) as c:
        assert_aws_error(
            c.post("/Groups", json={"displayName": "admins", "externalId": "g-1"}),
            409,
            ["duplicate-group-name", "manually-sourced"],
        )
        r = c.post(
            "/Users",
            json=user("other@example.com", emails=[{"value": "BOB@example.com", "primary": True}]),
        )
        assert_aws_error(r, 409, ["duplicate-email", "manually-sourced"])
        # a SCIM-created user records source=scim
        assert c.post("/Users", json=user("carol@example.com")).status_code == 201
        # PUT with an externalId adopts the manual user (ssosync #166)
        r = c.put(
            f"/Users/{manual_user['id']}", json=user("bob@example.com", externalId="okta-bob")
        )
        assert r.status_code == 200, r.text
        assert r.json()["externalId"] == "okta-bob"
    with emu.db.read() as conn:
        rows = dict(conn.execute(select(users.c.user_name_key, users.c.source)).all())
    assert rows == {"bob@example.com": "scim", "carol@example.com": "scim"}


def test_strict_manual_switch(sqlite_url):
    with running_emulator(sqlite_url, quotas=False, strict_manual=True) as emu:
        tenant, token = emu.create_tenant()
        bob = emu.store.create_user(tenant, user("bob@example.com"), MANUAL)
        with scim_client(emu, tenant, token) as c:
            r = c.put(f"/Users/{bob['id']}", json=user("bob@example.com", externalId="x"))
            assert_aws_error(r, 400, ["manually-sourced"])
            r = c.post("/Users", json=user("bob@example.com"))
            assert_aws_error(r, 400, ["duplicate-username", "duplicate-email", "manually-sourced"])
