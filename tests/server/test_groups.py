"""Groups: create, read without members, PATCH membership and rename, refusals (section 4)."""

from __future__ import annotations

import pytest

from conftest import assert_aws_error, user

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def ops(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


@pytest.fixture
def uids(client):
    return [client.post("/Users", json=user(f"u{i}@example.com")).json()["id"] for i in range(3)]


def members_of(client, gid):
    r = client.get("/Users", params={"filter": f'groups.value eq "{gid}"'})
    assert r.status_code == 200
    return sorted(u["id"] for u in r.json()["Resources"])


def test_post_201_without_members_and_get_never_returns_them(client, uids):
    r = client.post(
        "/Groups",
        json={"displayName": "Engineering", "externalId": "g-1", "members": [{"value": uids[0]}]},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert "members" not in body
    assert body["displayName"] == "Engineering" and body["externalId"] == "g-1"
    assert body["meta"]["resourceType"] == "Group"
    got = client.get(f"/Groups/{body['id']}").json()
    assert "members" not in got
    listed = client.get("/Groups").json()["Resources"]
    assert [g["members"] for g in listed] == [[]]
    assert members_of(client, body["id"]) == [uids[0]]


def test_patch_add_remove_members_is_204(client, uids):
    gid = client.post("/Groups", json={"displayName": "Eng"}).json()["id"]
    r = client.patch(
        f"/Groups/{gid}",
        json=ops({"op": "add", "path": "members", "value": [{"value": u} for u in uids]}),
    )
    assert r.status_code == 204 and r.content == b""
    assert members_of(client, gid) == sorted(uids)
    r = client.patch(
        f"/Groups/{gid}",
        json=ops({"op": "remove", "path": "members", "value": [{"value": uids[1]}]}),
    )
    assert r.status_code == 204
    assert members_of(client, gid) == sorted([uids[0], uids[2]])
    r = client.patch(
        f"/Groups/{gid}", json=ops({"op": "remove", "path": f'members[value eq "{uids[0]}"]'})
    )
    assert r.status_code == 204
    assert members_of(client, gid) == [uids[2]]


def test_adding_an_existing_member_is_a_no_op(client, uids):
    gid = client.post(
        "/Groups", json={"displayName": "Eng", "members": [{"value": uids[0]}]}
    ).json()["id"]
    r = client.patch(
        f"/Groups/{gid}", json=ops({"op": "add", "path": "members", "value": [{"value": uids[0]}]})
    )
    assert r.status_code == 204
    assert members_of(client, gid) == [uids[0]]


def test_rename_by_patch(client):
    gid = client.post("/Groups", json={"displayName": "Eng"}).json()["id"]
    r = client.patch(
        f"/Groups/{gid}", json=ops({"op": "replace", "path": "displayName", "value": "Platform"})
    )
    assert r.status_code == 204
    assert client.get(f"/Groups/{gid}").json()["displayName"] == "Platform"


def test_more_than_100_membership_changes_refused(client, uids):
    gid = client.post("/Groups", json={"displayName": "Eng"}).json()["id"]
    many = [{"value": uids[0]}] * 101
    r = client.patch(f"/Groups/{gid}", json=ops({"op": "add", "path": "members", "value": many}))
    assert_aws_error(r, 400, ["too-many-members"])
    r = client.post("/Groups", json={"displayName": "Big", "members": many})
    assert_aws_error(r, 400, ["too-many-members"])


def test_replace_members_and_remove_all_refused(client, uids):
    gid = client.post(
        "/Groups", json={"displayName": "Eng", "members": [{"value": uids[0]}]}
    ).json()["id"]
    r = client.patch(
        f"/Groups/{gid}",
        json=ops({"op": "replace", "path": "members", "value": [{"value": uids[1]}]}),
    )
    assert_aws_error(r, 400, ["invalid-patch"])
    r = client.patch(f"/Groups/{gid}", json=ops({"op": "remove", "path": "members"}))
    assert_aws_error(r, 400, ["invalid-patch"])
    assert members_of(client, gid) == [uids[0]]


def test_put_group_refused(client):
    gid = client.post("/Groups", json={"displayName": "Eng"}).json()["id"]
    r = client.put(f"/Groups/{gid}", json={"displayName": "New"})
    assert_aws_error(r, 400, ["unsupported-operation"])
    assert client.get(f"/Groups/{gid}").json()["displayName"] == "Eng"


def test_duplicate_group_name_case_insensitive_and_external_id(client):
    client.post("/Groups", json={"displayName": "Eng", "externalId": "g1"})
    assert_aws_error(
        client.post("/Groups", json={"displayName": "ENG"}), 409, ["duplicate-group-name"]
    )
    assert_aws_error(
        client.post("/Groups", json={"displayName": "Other", "externalId": "g1"}),
        409,
        ["duplicate-external-id"],
    )


def test_group_validation_uses_profile(client):
    assert_aws_error(
        client.post("/Groups", json={"displayName": "Ops: EU"}), 400, ["forbidden-character"]
    )
    assert_aws_error(client.post("/Groups", json={}), 400, ["missing-required"])
    assert_aws_error(
        client.post("/Groups", json={"displayName": "X", "description": "d"}),
        400,
        ["unsupported-attribute"],
    )


def test_unknown_and_nested_members(client, uids):
    gid = client.post("/Groups", json={"displayName": "Eng"}).json()["id"]
    other = client.post("/Groups", json={"displayName": "Other"}).json()["id"]
    r = client.patch(
        f"/Groups/{gid}",
        json=ops({"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}),
    )
    assert_aws_error(r, 404, ["unknown-member"])
    r = client.patch(
        f"/Groups/{gid}", json=ops({"op": "add", "path": "members", "value": [{"value": other}]})
    )
    assert_aws_error(r, 400, ["nested-group"])


def test_delete_group_and_user_drop_memberships(client, uids):
    gid = client.post(
        "/Groups", json={"displayName": "Eng", "members": [{"value": u} for u in uids]}
    ).json()["id"]
    assert client.delete(f"/Users/{uids[0]}").status_code == 204
    assert members_of(client, gid) == sorted(uids[1:])
    assert client.delete(f"/Groups/{gid}").status_code == 204
    assert_aws_error(client.get(f"/Groups/{gid}"), 404, ["not-found"])
    r = client.get("/Groups", params={"filter": f'members.value eq "{uids[1]}"'})
    assert r.json()["Resources"] == []
