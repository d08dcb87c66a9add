"""An Okta provisioning cycle replayed over HTTP, and Okta's seed failures (issue 3)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from serve_helpers import assert_aws_error, scim_client

from scimguard.cli import main
from scimguard.server.testing import running_emulator

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GENERIC = "Request is unparsable, syntactically incorrect, or violates schema."
DUPLICATE = "Refused to create a new, duplicate resource."
HEADERS = {
    "Content-Type": "application/scim+json; charset=utf-8",
    "User-Agent": "Okta SCIM Client 1.0.0",
}


def okta_user(login: str, **overrides):
    """What Okta's AWS IAM Identity Center app sends on create."""
    body = {
        "schemas": [USER_URN],
        "userName": login,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "displayName": "Ada Lovelace",
        "emails": [{"primary": True, "value": login, "type": "work"}],
        "locale": "en-US",
        "externalId": "00u1ab2cd3EFGH4ij5k6",
        "active": True,
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def test_okta_provisioning_cycle(client):
    c = client
    c.headers.update(HEADERS)
    login = "ada@example.com"
    # 1. Okta looks the user up first, with startIndex and count
    r = c.get("/Users", params={"filter": f'userName eq "{login}"', "startIndex": 1, "count": 100})
    assert r.status_code == 200
    assert r.json()["totalResults"] == 0 and r.json()["Resources"] == []
    # 2. create
    r = c.post("/Users", json=okta_user(login))
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    # 3. read back
    r = c.get(f"/Users/{uid}")
    assert r.status_code == 200 and r.json()["userName"] == login
    # the lookup now finds it
    r = c.get("/Users", params={"filter": f'userName eq "{login}"', "startIndex": 1, "count": 100})
    assert [u["id"] for u in r.json()["Resources"]] == [uid]
    # 4. profile update with PUT
    update = okta_user(login, id=uid, title="Analyst", displayName="Ada King")
    r = c.put(f"/Users/{uid}", json=update)
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Analyst" and r.json()["displayName"] == "Ada King"
    # 5. deactivate with PATCH
    r = c.patch(
        f"/Users/{uid}",
        json={
            "schemas": [PATCH_URN],
            "Operations": [{"op": "replace", "value": {"active": False}}],
        },
    )
    assert r.status_code == 200 and r.json()["active"] is False
    # reactivate (Okta re-assign)
    r = c.patch(
        f"/Users/{uid}",
        json={"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"active": True}}]},
    )
    assert r.json()["active"] is True
    # 6. push a group: look up, create
    r = c.get(
        "/Groups", params={"filter": 'displayName eq "Analysts"', "startIndex": 1, "count": 100}
    )
    assert r.json()["totalResults"] == 0
    r = c.post("/Groups", json={"schemas": [GROUP_URN], "displayName": "Analysts", "members": []})
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    # 7. add and remove members. Okta's generic SCIM template sends `display` beside `value`;
    # AWS documents members[].display as not supported, and the profile's second edition refuses
    # it (rules.md: unsupported-attribute), so the member is sent with its value only.
    with_display = {"op": "add", "path": "members", "value": [{"value": uid, "display": login}]}
    r = c.patch(f"/Groups/{gid}", json={"schemas": [PATCH_URN], "Operations": [with_display]})
    assert_aws_error(r, 400, ["unsupported-attribute"])
    add = {"op": "add", "path": "members", "value": [{"value": uid}]}
    r = c.patch(f"/Groups/{gid}", json={"schemas": [PATCH_URN], "Operations": [add]})
    assert r.status_code == 204, r.text
    r = c.get("/Groups", params={"filter": f'id eq "{gid}" and members eq "{uid}"'})
    assert r.json()["totalResults"] == 1
    remove = {"op": "remove", "path": "members", "value": [{"value": uid}]}
    r = c.patch(f"/Groups/{gid}", json={"schemas": [PATCH_URN], "Operations": [remove]})
    assert r.status_code == 204
    r = c.get("/Groups", params={"filter": f'id eq "{gid}" and members eq "{uid}"'})
    assert r.json()["totalResults"] == 0
    # 8. rename: Okta's pathless replace carries the id and the new name
    rename = {"op": "replace", "value": {"id": gid, "displayName": "Data Analysts"}}
    r = c.patch(f"/Groups/{gid}", json={"schemas": [PATCH_URN], "Operations": [rename]})
    assert r.status_code == 204, r.text
    assert c.get(f"/Groups/{gid}").json()["displayName"] == "Data Analysts"


SEED_FAILURES = [
    ("missing last name", {"name": {"givenName": "Ada"}}, 400, ["missing-required"]),
    ("empty string", {"title": ""}, 400, ["empty-string"]),
    ("colon", {"displayName": "Ada: Lovelace"}, 400, ["forbidden-character"]),
    (
        "incomplete address",
        {"addresses": [{"type": "work", "locality": "London", "country": "GB"}]},
        400,
        ["incomplete-address"],
    ),
    (
        "zero-width space",
        {"name": {"givenName": "Ada\u200b", "familyName": "Lovelace"}},
        400,
        ["hidden-character"],
    ),
    (
        "two emails",
        {
            "emails": [
                {"primary": True, "value": "ada@example.com", "type": "work"},
                {"primary": False, "value": "ada@home.example", "type": "home"},
            ]
        },
        400,
        ["multiple-values", "email-not-primary"],
    ),
]


@pytest.mark.parametrize(
    "case,overrides,status,rules", SEED_FAILURES, ids=[c[0] for c in SEED_FAILURES]
)
def test_seed_failure(client, case, overrides, status, rules):
    r = client.post("/Users", json=okta_user("ada@example.com", **overrides), headers=HEADERS)
    body = assert_aws_error(r, status, rules)
    assert body["detail"] == GENERIC
    assert client.get("/Users").json()["totalResults"] == 0


def test_seed_duplicate_user_name(client):
    assert client.post("/Users", json=okta_user("ada@example.com")).status_code == 201
    again = okta_user("Ada@Example.com", externalId="00uOTHER", emails=None)
    body = assert_aws_error(client.post("/Users", json=again), 409, ["duplicate-username"])
    assert body["detail"] == DUPLICATE


def test_seed_user_created_by_hand(db_url):
    with running_emulator(db_url, quotas=False) as emu:
        tenant, token = emu.create_tenant()
        r = CliRunner().invoke(
            main,
            [
                "manual", "add-user", "--db", db_url, "--tenant", tenant,
                "--user-name", "ada@example.com", "--given-name", "Ada",
                "--family-name", "Lovelace", "--display-name", "Ada Lovelace",
                "--email", "ada@example.com",
            ],
        )  # fmt: skip
        assert r.exit_code == 0, r.output
        with scim_client(emu, tenant, token) as c:
            found = c.get("/Users", params={"filter": 'userName eq "ada@example.com"'}).json()
            assert found["totalResults"] == 1 and "externalId" not in found["Resources"][0]
            r = c.post("/Users", json=okta_user("ada@example.com"))
            body = assert_aws_error(
                r, 409, ["duplicate-username", "duplicate-email", "manually-sourced"]
            )
            assert body["detail"] == DUPLICATE


def test_specific_detail_mode(sqlite_url):
    with (
        running_emulator(sqlite_url, quotas=False, detail="specific") as emu,
        scim_client(emu) as c,
    ):
        r = c.post("/Users", json=okta_user("ada@example.com", name={"givenName": "Ada"}))
        body = assert_aws_error(r, 400, ["missing-required"])
        assert body["detail"] == (
            "2 validation errors detected: Value at 'name.familyName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r ]+; Value at 'name.familyName' failed to "
            "satisfy constraint: Member must have length greater than or equal to 1"
        )
        two = okta_user(
            "ada@example.com",
            emails=[{"value": "a@x.com", "primary": True}, {"value": "b@x.com", "primary": True}],
        )
        body = assert_aws_error(c.post("/Users", json=two), 400, ["multiple-values"])
        assert body["detail"] == "List attribute emails exceeds allowed limit of 1"
        r = c.post("/Users", json=okta_user("ada @example.com"))
        body = assert_aws_error(r, 400, ["whitespace-in-identifier"])
        assert body["detail"] == (
            "1 validation errors detected: Value at 'userName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"
        )
