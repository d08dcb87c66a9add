"""The OpenAPI document (`GET /openapi.json`), and a bounded schemathesis run against it.

Every operation of the document is fuzzed over a real socket, on SQLite and on PostgreSQL,
with data that fits the document (positive) and data that does not (negative), half of the
id-taking cases aimed at a user and a group that exist. Every answer must be no 5xx, a status
the document lists, the document's content type, body and headers. The seed is fixed, so a run
is repeatable; SCIMGUARD_SCHEMATHESIS_EXAMPLES sets the examples per operation (default 80:
160 per operation over the two databases, under two minutes on two cores). Besides what
schemathesis makes of the document, the write operations also get valid requests (random
names), so the run goes through the store, not only through the refusals.
"""

from __future__ import annotations

import os

import httpx
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from serve_helpers import user

from scimguard.server import openapi

EXAMPLES = int(os.environ.get("SCIMGUARD_SCHEMATHESIS_EXAMPLES", "80"))
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
names = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=12)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _valid(operation, existing: dict[str, str]):  # type: ignore[no-untyped-def]
    """Requests the emulator accepts, for the operations that write (None for the others)."""

    def case(body, **path):  # type: ignore[no-untyped-def]
        return operation.Case(
            body=body, path_parameters=path or None, media_type="application/json"
        )

    def patch(*ops):  # type: ignore[no-untyped-def]
        return {"schemas": [PATCH_URN], "Operations": list(ops)}

    label, uid, gid = operation.label, existing["Users"], existing["Groups"]
    if label == "POST /Users":
        return st.builds(lambda n, g: case(user(f"{n}@example.com", displayName=g)), names, names)
    if label == "PUT /Users/{id}":
        return st.builds(lambda d: case(user("seed@example.com", displayName=d), id=uid), names)
    if label == "PATCH /Users/{id}":
        path = st.sampled_from(["title", "displayName", "name.givenName", "nickName"])
        op = st.builds(lambda p, v: {"op": "replace", "path": p, "value": v}, path, names)
        return st.builds(lambda o: case(patch(o), id=uid), op)
    if label == "POST /Groups":
        member = existing["member"]
        return st.builds(lambda n: case({"displayName": n, "members": [{"value": member}]}), names)
    if label == "PATCH /Groups/{id}":
        member = {"path": "members", "value": [{"value": existing["member"]}]}
        ops = st.one_of(
            st.sampled_from([{"op": "add", **member}, {"op": "remove", **member}]),
            st.builds(lambda n: {"op": "replace", "path": "displayName", "value": n}, names),
        )
        return st.builds(lambda o: case(patch(o), id=gid), ops)
    return None


def test_the_document_is_served_without_a_token_and_names_every_route(emu):
    r = httpx.get(emu.url + openapi.PATH)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["openapi"].startswith("3.0")
    assert doc["servers"][0]["url"] == "/{tenantId}/scim/v2"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert set(doc["paths"]) == {
        "/Users", "/Users/{id}", "/Groups", "/Groups/{id}", "/ServiceProviderConfig",
        "/Schemas", "/Schemas/{id}", "/ResourceTypes", "/ResourceTypes/{id}",
    }  # fmt: skip
    assert set(doc["paths"]["/Groups/{id}"]["patch"]["responses"]) >= {"204", "400", "404"}
    labels = [op.ok().label for op in schemathesis.openapi.from_dict(doc).get_all_operations()]
    assert len(labels) == 17


def test_schemathesis_finds_no_5xx_and_nothing_that_breaks_the_document(emu):
    doc = httpx.get(emu.url + openapi.PATH).json()
    schema = schemathesis.openapi.from_dict(doc)
    tenant, token = emu.create_tenant()
    base = emu.base_url(tenant)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers) as c:
        existing = {
            "Users": c.post("/Users", json=user("seed@example.com")).json()["id"],
            "Groups": c.post("/Groups", json={"displayName": "Seed"}).json()["id"],
            "Schemas": "urn:ietf:params:scim:schemas:core:2.0:User",
            "ResourceTypes": "User",
            "member": c.post("/Users", json=user("member@example.com")).json()["id"],
        }
    session = requests.Session()
    calls: dict[str, int] = {}
    accepted: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
        if "{id}" in operation.path:
            real = {"id": existing[operation.path.split("/")[1]]}
            strategies += [
                operation.as_strategy(generation_mode=mode, path_parameters=real) for mode in modes
            ]

        valid = _valid(operation, existing)
        if valid is not None:
            strategies.append(valid)

        @seed(2026)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=st.one_of(strategies))
        def run(case):
            response = case.call(base_url=base, headers=headers, session=session)
            label = case.operation.label
            calls[label] = calls.get(label, 0) + 1
            if response.status_code < 300:
                accepted[label] = accepted.get(label, 0) + 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
    session.close()
    assert len(calls) == 17 and min(calls.values()) >= min(EXAMPLES, 20) // 2, calls
    # The run reached real resources, not only refusals: every read and the deletes succeeded.
    print("accepted:", accepted, "of", calls)
    assert {
        "GET /Users", "GET /Users/{id}", "GET /Groups", "GET /Groups/{id}", "DELETE /Users/{id}",
        "GET /ServiceProviderConfig", "GET /Schemas/{id}", "GET /ResourceTypes/{id}",
        "POST /Users", "PUT /Users/{id}", "PATCH /Users/{id}", "POST /Groups", "PATCH /Groups/{id}",
    } <= set(accepted), accepted  # fmt: skip
