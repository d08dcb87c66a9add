"""Emulator fixtures: a live server over a real socket, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scimguard.server.testing import RunningEmulator, running_emulator

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'emulator.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'emulator.db'}"


@pytest.fixture
def emu(db_url: str) -> Iterator[RunningEmulator]:
    with running_emulator(db_url, quotas=False) as running:
        yield running


class Scim(httpx.Client):
    """An httpx client bound to one tenant's SCIM base URL."""

    tenant: str
    token: str


def scim_client(emu: RunningEmulator, tenant: str | None = None, token: str | None = None) -> Scim:
    if tenant is None:
        tenant, token = emu.create_tenant()
    client = Scim(
        base_url=emu.base_url(tenant),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    client.tenant, client.token = tenant, token or ""
    return client


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[Scim]:
    with scim_client(emu) as c:
        yield c


def user(user_name: str = "jane@example.com", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "displayName": "Jane Doe",
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
    }
    base.update(extra)
    return base


def assert_aws_error(response: httpx.Response, status: int, rules: list[str] | None = None) -> dict:
    """AWS's error shape (section 7.2) plus our rule header."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["schema"] == [ERROR_URN]
    assert body["schemas"] == [ERROR_URN]
    assert body["status"] == str(status)
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["exceptionRequestId"] == response.headers["x-amzn-RequestId"]
    assert len(body["timeStamp"]) == len("2023-01-03 11:50:22.856")
    assert response.headers["content-type"].startswith("application/json")
    if rules is not None:
        assert response.headers["X-Scimguard-Rule"].split(",") == rules
    return body
