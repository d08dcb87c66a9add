"""Issue 13, item 1: inputs that once answered 500, now AWS's 400, on SQLite and PostgreSQL.

Each test is a reproduction from the red-team report, and around it the class it stands for:
a missing `value`, a NUL, a number out of range or a forged cursor never reaches the store.
"""

from __future__ import annotations

import base64
import json

import pytest
from serve_helpers import assert_aws_error, scim_client, user

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def ops(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def _forged(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "members",
    [[{}], [{"value": None}], [{"value": 7}], ["x"], [None], {"value": "x"}, "x", [{"value": ""}]],
)
def test_group_member_without_a_string_value_is_400(client, members):
    r = client.post("/Groups", json={"displayName": "g", "members": members})
    assert_aws_error(r, 400)
    assert (
        client.get("/Groups", params={"filter": 'displayName eq "g"'}).json()["totalResults"] == 0
    )


def test_patch_add_to_a_value_filter_on_value_creates_the_element(client):
    uid = client.post("/Users", json=user("a@x.com", emails=None)).json()["id"]
    r = client.patch(
        f"/Users/{uid}",
        json=ops({"op": "add", "path": 'emails[value eq "zz@x.com"].primary', "value": True}),
    )
    assert r.status_code == 200, r.text
    assert r.json()["emails"] == [{"value": "zz@x.com", "primary": True}]


@pytest.mark.parametrize("seq", [2**63, 2**64 + 5, -(2**63) - 1, -1, 10**40, "1", 1.5, None, True])
def test_forged_cursor_is_400(client, seq):
    client.post("/Users", json=user("c@x.com"))
    first = client.get("/Users?cursor&count=1")
    assert first.status_code == 200
    forged = _forged({"s": seq, "f": "0" * 16})
    assert_aws_error(client.get("/Users", params={"cursor": forged}), 400, ["invalid-cursor"])


def test_a_cursor_signed_with_another_key_is_400(client):
    from scimguard.server.cursors import Cursors

    for i in range(2):
        client.post("/Users", json=user(f"k{i}@x.com"))
    for seq in (0, 2**63 - 1, 2**64 - 1):
        other = Cursors(b"another deployment's key").make(seq, "user", None)
        assert_aws_error(client.get("/Users", params={"cursor": other}), 400, ["invalid-cursor"])


def test_cursors_outlive_a_restart_and_are_shared_by_workers(db_url):
    """The key lives in the database: a second emulator on it reads the first one's cursors."""
    from scimguard.server.testing import running_emulator

    with running_emulator(db_url, quotas=False) as first:
        tenant, token = first.create_tenant()
        with scim_client(first, tenant, token) as c:
            for i in range(3):
                c.post("/Users", json=user(f"r{i}@x.com"))
            cursor = c.get("/Users?cursor&count=1").json()["nextCursor"]
    with running_emulator(db_url, quotas=False) as second, scim_client(second, tenant, token) as c:
        r = c.get("/Users", params={"cursor": cursor, "count": 5})
        assert r.status_code == 200, r.text
        assert [u["userName"] for u in r.json()["Resources"]] == ["r1@x.com", "r2@x.com"]


def test_a_real_cursor_altered_by_one_character_is_400(client):
    for i in range(3):
        client.post("/Users", json=user(f"p{i}@x.com"))
    cursor = client.get("/Users?cursor&count=1").json()["nextCursor"]
    assert client.get("/Users", params={"cursor": cursor, "count": 1}).status_code == 200
    for i in (0, len(cursor) // 2, len(cursor) - 1):
        swapped = "A" if cursor[i] != "A" else "B"
        bad = cursor[:i] + swapped + cursor[i + 1 :]
        assert_aws_error(client.get("/Users", params={"cursor": bad}), 400, ["invalid-cursor"])
    # the last character also carries two unused bits: every other spelling of it is refused
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for other in alphabet.replace(cursor[-1], ""):
        bad = cursor[:-1] + other
        assert_aws_error(client.get("/Users", params={"cursor": bad}), 400, ["invalid-cursor"])
    assert_aws_error(client.get("/Users", params={"cursor": "A" * 5000}), 400, ["invalid-cursor"])


@pytest.mark.parametrize(
    "flt",
    [
        'userName eq "a\\u0000b"',
        'userName eq "a\x00b"',
        'externalId eq "\\u0000"',
        'displayName eq "\\u0000"',
        'groups.value eq "\\u0000"',
    ],
)
def test_nul_in_a_filter_value_is_400(client, flt):
    resource = "/Groups" if flt.startswith("displayName") else "/Users"
    assert_aws_error(client.get(resource, params={"filter": flt}), 400)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("kind", ["Users", "Groups"])
def test_nul_in_a_path_id_is_400(client, method, kind):
    body = ops({"op": "replace", "path": "displayName", "value": "x"}) if method == "PATCH" else {}
    if method == "PUT":
        body = user()
    r = client.request(method, f"/{kind}/a%00b", json=body if method != "GET" else None)
    assert_aws_error(r, 400)


def test_nul_in_the_tenant_id_is_401_or_400(emu, client):
    import httpx

    r = httpx.get(
        f"{emu.url}/x%00y/scim/v2/Users",
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert r.status_code in (400, 401), r.text
    assert_aws_error(r, r.status_code)


def test_nul_in_a_member_path_or_value_is_400(client):
    gid = client.post("/Groups", json={"displayName": "nul"}).json()["id"]
    r = client.patch(
        f"/Groups/{gid}", json=ops({"op": "remove", "path": 'members[value eq "a\x00"]'})
    )
    assert_aws_error(r, 400)
    r = client.patch(
        f"/Groups/{gid}", json=ops({"op": "add", "path": "members", "value": [{"value": "\x00"}]})
    )
    assert_aws_error(r, 400)
    r = client.post("/Groups", json={"displayName": "g2", "members": [{"value": "u\x00"}]})
    assert_aws_error(r, 400)


def test_nul_anywhere_in_a_user_body_is_400(client):
    r = client.post("/Users", json=user("n@x.com", nickname="a\x00"))
    assert_aws_error(r, 400, ["hidden-character"])
    r = client.post("/Users", json=user("n@x.com", emails=[{"value": "n@x.com", "primary": True,
                                                             "x\x00": 1}]))  # fmt: skip
    assert_aws_error(r, 400)
    uid = client.post("/Users", json=user("m@x.com")).json()["id"]
    r = client.patch(f"/Users/{uid}", json=ops({"op": "replace", "path": "title", "value": "\x00"}))
    assert_aws_error(r, 400, ["hidden-character"])


@pytest.mark.parametrize("count", ["99999999999999999999999", "-99999999999999999999", "1e3", "٣"])
def test_count_out_of_range_or_not_a_number_is_400(client, count):
    assert_aws_error(client.get("/Users", params={"count": count}), 400, ["invalid-filter"])


@pytest.mark.parametrize(("count", "items"), [("-5", 0), ("0", 0), ("2", 2), ("100000", 3)])
def test_count_in_range_is_clamped(client, count, items):
    for i in range(3):
        client.post("/Users", json=user(f"n{i}@x.com"))
    r = client.get("/Users", params={"count": count})
    assert r.status_code == 200 and r.json()["itemsPerPage"] == items


def test_unexpected_exception_is_an_aws_500_not_a_traceback(emu, client):
    """The last line of defence: a database that breaks under the emulator is AWS's 500 body."""
    uid = client.post("/Users", json=user("gone@x.com")).json()["id"]
    with emu.db.write() as conn:
        conn.exec_driver_sql("ALTER TABLE sg_users RENAME TO sg_users_elsewhere")
    r = client.get(f"/Users/{uid}")
    body = assert_aws_error(r, 500)
    assert body["detail"] == "Service failed to process the request."
    assert "sg_users" not in r.text and "Traceback" not in r.text


CJK = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(1024))  # 3 bytes each in UTF-8


@pytest.mark.parametrize(
    "name", [CJK, "İ" * 1024, "a" * 1024], ids=["cjk-3-bytes", "dotted-I-lowers-to-2", "ascii"]
)
def test_a_long_valid_group_name_is_stored_unique_and_found(client, name):
    """1024 characters is AWS's limit; lower-cased it may outgrow a PostgreSQL index entry."""
    r = client.post("/Groups", json={"displayName": name})
    assert r.status_code == 201, r.text
    assert_aws_error(client.post("/Groups", json={"displayName": name.upper()}), 409)
    found = client.get("/Groups", params={"filter": f'displayName eq "{name.upper()}"'})
    assert found.status_code == 200, found.text
    assert [g["id"] for g in found.json()["Resources"]] == [r.json()["id"]]


def test_a_long_valid_email_is_stored_unique(client):
    email = CJK[:1000] + "@EXAMPLE.COM"  # 3006 bytes: more than a PostgreSQL index entry
    r = client.post("/Users", json=user("long@x.com", emails=[{"value": email, "primary": True}]))
    assert r.status_code == 201, r.text
    clash = user("other@x.com", emails=[{"value": email.lower(), "primary": True}])
    assert_aws_error(client.post("/Users", json=clash), 409, ["duplicate-email"])


def test_a_body_nested_too_deep_is_400(client):
    deep: list = []
    for _ in range(300):
        deep = [deep]
    body = user("deep@x.com", emails=[{"value": "deep@x.com", "primary": True, "x": deep}])
    assert_aws_error(client.post("/Users", json=body), 400, ["invalid-json"])
