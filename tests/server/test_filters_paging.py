"""Filters (exactly AWS's combinations) and paging (cursor and one-page), section 5."""

from __future__ import annotations

import pytest

from conftest import assert_aws_error, user

MANAGER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def world(client):
    users = []
    for i in range(5):
        extra = {"externalId": f"ext-{i}"}
        if i == 1:
            extra[MANAGER] = {"manager": {"value": "boss-1"}}
        users.append(client.post("/Users", json=user(f"user{i}@example.com", **extra)).json()["id"])
    g1 = client.post(
        "/Groups",
        json={
            "displayName": "Alpha",
            "externalId": "ga",
            "members": [{"value": users[0]}, {"value": users[1]}],
        },
    ).json()["id"]
    g2 = client.post(
        "/Groups", json={"displayName": "Beta", "members": [{"value": users[1]}]}
    ).json()["id"]
    return users, g1, g2


def ids(response):
    assert response.status_code == 200, response.text
    return sorted(r["id"] for r in response.json()["Resources"])


@pytest.mark.parametrize(
    "flt",
    [
        'userName eq "USER2@example.com"',
        'externalId eq "ext-2"',
        'id eq "{u2}"',
    ],
)
def test_user_filters_find_one(client, world, flt):
    users, _, _ = world
    r = client.get("/Users", params={"filter": flt.replace("{u2}", users[2])})
    assert ids(r) == [users[2]]
    assert r.json()["totalResults"] == 1


def test_group_membership_filters(client, world):
    users, g1, g2 = world
    assert ids(client.get("/Users", params={"filter": f'groups.value eq "{g1}"'})) == sorted(
        users[:2]
    )
    assert ids(
        client.get("/Groups", params={"filter": f'members.value eq "{users[1]}"'})
    ) == sorted([g1, g2])
    r = client.get("/Groups", params={"filter": f'id eq "{g2}" and members eq "{users[1]}"'})
    assert ids(r) == [g2]
    r = client.get("/Groups", params={"filter": f'members eq "{users[0]}" and id eq "{g2}"'})
    assert ids(r) == []
    assert ids(client.get("/Groups", params={"filter": 'displayName eq "alpha"'})) == [g1]
    assert ids(client.get("/Groups", params={"filter": 'externalId eq "ga"'})) == [g1]


def test_id_and_manager(client, world):
    users, _, _ = world
    r = client.get("/Users", params={"filter": f'id eq "{users[1]}" and manager eq "boss-1"'})
    assert ids(r) == [users[1]]
    r = client.get("/Users", params={"filter": f'manager eq "boss-2" and id eq "{users[1]}"'})
    assert ids(r) == []


def test_filter_on_missing_member_is_404(client, world):
    r = client.get("/Groups", params={"filter": 'members.value eq "nobody"'})
    assert_aws_error(r, 404, ["unknown-member"])


@pytest.mark.parametrize(
    "kind,flt",
    [
        ("Users", 'userName co "user"'),
        ("Users", 'userName eq "a" or userName eq "b"'),
        ("Users", 'displayName eq "Jane Doe"'),
        ("Users", "userName eq user1"),
        ("Users", 'userName eq "a" and externalId eq "b"'),
        ("Users", 'emails[type eq "work"].value eq "a"'),
        ("Groups", 'id eq "x"'),
        ("Groups", 'displayName sw "A"'),
        ("Groups", ""),
        ("Users", 'userName eq "a" and id eq "b" and manager eq "c"'),
    ],
)
def test_other_filters_are_invalid(client, world, kind, flt):
    body = assert_aws_error(client.get(f"/{kind}", params={"filter": flt}), 400, ["invalid-filter"])
    assert body["detail"] == "Invalid Filter format"


def test_empty_filter_value_is_a_bare_400(client, world):
    body = assert_aws_error(
        client.get("/Groups", params={"filter": 'members eq ""'}), 400, ["invalid-filter"]
    )
    assert body["detail"] == "Request is unparsable, syntactically incorrect, or violates schema."


def test_one_page_without_cursor_ignores_start_index(client, world):
    r = client.get("/Users", params={"count": 2, "startIndex": 3})
    body = r.json()
    assert body["totalResults"] == 5 and body["startIndex"] == 1
    assert body["itemsPerPage"] == 2 and len(body["Resources"]) == 2
    first = client.get("/Users", params={"count": 2}).json()["Resources"]
    assert body["Resources"] == first
    assert "nextCursor" not in body


def test_count_is_capped_at_100(client):
    for i in range(105):
        assert client.post("/Users", json=user(f"p{i}@example.com")).status_code == 201
    body = client.get("/Users", params={"count": 500}).json()
    assert body["totalResults"] == 105 and len(body["Resources"]) == 100


def test_cursor_paging_walks_everything(client, world):
    users, _, _ = world
    seen = []
    r = client.get("/Users?cursor&count=2")
    pages = 0
    while True:
        body = r.json()
        assert r.status_code == 200
        assert "totalResults" not in body and "startIndex" not in body
        assert body["itemsPerPage"] == len(body["Resources"])
        seen += [u["id"] for u in body["Resources"]]
        pages += 1
        if "nextCursor" not in body:
            break
        r = client.get("/Users", params={"cursor": body["nextCursor"], "count": 2})
    assert sorted(seen) == sorted(users) and len(seen) == 5 and pages == 3


def test_changing_the_filter_between_pages_is_400(client, world):
    _users, g1, _ = world
    r = client.get("/Users", params={"cursor": "", "count": 1, "filter": f'groups.value eq "{g1}"'})
    cursor = r.json()["nextCursor"]
    r2 = client.get(
        "/Users", params={"cursor": cursor, "count": 1, "filter": f'groups.value eq "{g1}"'}
    )
    assert r2.status_code == 200 and len(r2.json()["Resources"]) == 1
    r3 = client.get("/Users", params={"cursor": cursor, "count": 1})
    assert_aws_error(r3, 400, ["invalid-cursor"])
    assert_aws_error(client.get("/Users", params={"cursor": "garbage!"}), 400, ["invalid-cursor"])
