"""Helpers for the emulator tests (a module of its own: every test area has a conftest)."""

from __future__ import annotations

from typing import Any

import httpx

from scimguard.server.testing import RunningEmulator

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"


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
