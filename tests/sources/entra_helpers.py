"""Helpers of the Entra tests: a fake tenant trusted by this process, specs, a directory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fake_graph import FakeGraph, graph_user

DEPARTMENTS = ("Engineering", "Sales", "Finance", "Support", "Legal")


@contextmanager
def fake_tenant(workdir: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> Iterator[FakeGraph]:
    """A running fake whose certificate this process trusts, its secret in the environment."""
    with FakeGraph(workdir, **kw) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_path))  # httpx (Graph)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_path))  # msal's requests
        monkeypatch.setenv("ENTRA_CLIENT_SECRET", fake.secret)
        monkeypatch.delenv("ENTRA_CLIENT_CERTIFICATE", raising=False)
        yield fake


def entra_spec(fake: FakeGraph, **extra: Any) -> dict[str, Any]:
    return {
        "type": "entra",
        "tenant": fake.tenant,
        "client_id": fake.client_id,
        "graph_url": fake.graph_url,
        "authority_url": fake.url,
        "backoff": 0.01,
        **extra,
    }


def person(i: int) -> dict[str, Any]:
    """User number `i` of a directory, with the attributes AWS's Entra mapping sends."""
    return graph_user(
        f"u-{i:05d}",
        f"user{i}@contoso.example",
        f"Given{i}",
        f"Family{i}",
        jobTitle=f"Engineer {i % 7}",
        department=DEPARTMENTS[i % len(DEPARTMENTS)],
        employeeId=f"E{i:05d}",
        streetAddress=f"{i} Main Street",
        city="Springfield",
        state="IL",
        postalCode="62701",
        country="US",
        businessPhones=[f"+1 217 555 {i % 10000:04d}"],
    )


def fill(fake: FakeGraph, users: int, groups: int = 5) -> None:
    """`users` people; `groups` department groups, the first one nesting the second."""
    for i in range(users):
        fake.add_user(person(i))
    for g in range(groups):
        name = DEPARTMENTS[g % len(DEPARTMENTS)] + ("" if g < len(DEPARTMENTS) else f" {g}")
        ids = [f"u-{i:05d}" for i in range(users) if i % groups == g]
        fake.add_group(f"g-{g:03d}", name, ids)
    if groups > 1:
        fake.add_member("g-000", "g-001")  # nested: g-000 holds g-001's users too


def expected_user(i: int) -> dict[str, Any]:
    """The SCIM user AWS's Entra integration sends for `person(i)`, written out by hand."""
    ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    return {
        "externalId": f"u-{i:05d}",
        "userName": f"user{i}@contoso.example",
        "displayName": f"Given{i} Family{i}",
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "emails": [{"value": f"user{i}@contoso.example", "type": "work", "primary": True}],
        "title": f"Engineer {i % 7}",
        "addresses": [
            {
                "streetAddress": f"{i} Main Street",
                "locality": "Springfield",
                "region": "IL",
                "postalCode": "62701",
                "country": "US",
                "type": "work",
            }
        ],
        "phoneNumbers": [{"value": f"+1 217 555 {i % 10000:04d}", "type": "work"}],
        ext: {"employeeNumber": f"E{i:05d}", "department": DEPARTMENTS[i % len(DEPARTMENTS)]},
        "active": True,
    }
