"""PATCH /Users/{id} as AWS does it (section 6): 200 with the full user."""

from __future__ import annotations

import pytest

from conftest import assert_aws_error, user

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def ops(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


@pytest.fixture
def uid(client):
    r = client.post("/Users", json=user(externalId="e-1", title="Engineer"))
    assert r.status_code == 201
    return r.json()["id"]


def test_replace_returns_200_with_full_user(client, uid):
    r = client.patch(f"/Users/{uid}", json=ops({"op": "replace", "path": "title", "value": "Lead"}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["title"] == "Lead"
    assert body["userName"] == "jane@example.com" and body["id"] == uid
    assert client.get(f"/Users/{uid}").json()["title"] == "Lead"


def test_deactivate_with_string_false(client, uid):
    r = client.patch(
        f"/Users/{uid}", json=ops({"op": "Replace", "path": "active", "value": "false"})
    )
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False


def test_pathless_replace_of_one_attribute(client, uid):
    r = client.patch(f"/Users/{uid}", json=ops({"op": "replace", "value": {"active": False}}))
    assert r.status_code == 200
    assert r.json()["active"] is False


def test_pathless_replace_of_two_attributes_is_refused(client, uid):
    r = client.patch(
        f"/Users/{uid}",
        json=ops({"op": "replace", "value": {"active": False, "title": "x"}}),
    )
    body = assert_aws_error(r, 400, ["invalid-patch"])
    assert body["detail"].startswith('Current PATCH support allows omitting "path"')


def test_remove_needs_a_path(client, uid):
    r = client.patch(f"/Users/{uid}", json=ops({"op": "remove"}))
    assert_aws_error(r, 400, ["invalid-patch"])


def test_remove_of_user_name_or_active_is_refused(client, uid):
    for path in ("userName", "active"):
        r = client.patch(f"/Users/{uid}", json=ops({"op": "remove", "path": path}))
        assert_aws_error(r, 400, ["invalid-patch"])


def test_two_operations_on_user_name_are_refused(client, uid):
    r = client.patch(
        f"/Users/{uid}",
        json=ops(
            {"op": "replace", "path": "userName", "value": "a@example.com"},
            {"op": "replace", "path": "userName", "value": "b@example.com"},
        ),
    )
    assert_aws_error(r, 400, ["invalid-patch"])
    assert client.get(f"/Users/{uid}").json()["userName"] == "jane@example.com"


def test_remove_attribute(client, uid):
    r = client.patch(f"/Users/{uid}", json=ops({"op": "remove", "path": "title"}))
    assert r.status_code == 200
    assert "title" not in r.json()


def test_value_filter_path(client, uid):
    r = client.patch(
        f"/Users/{uid}",
        json=ops({"op": "replace", "path": 'emails[type eq "work"].value', "value": "j@ex.com"}),
    )
    assert r.status_code == 200, r.text
    assert r.json()["emails"] == [{"value": "j@ex.com", "type": "work", "primary": True}]


def test_value_filter_add_creates_a_primary_email(client):
    uid = client.post("/Users", json=user(emails=None)).json()["id"]
    r = client.patch(
        f"/Users/{uid}",
        json=ops({"op": "add", "path": 'emails[type eq "work"].value', "value": "n@ex.com"}),
    )
    assert r.status_code == 200, r.text
    assert r.json()["emails"] == [{"type": "work", "value": "n@ex.com", "primary": True}]


def test_sub_attribute_and_enterprise_paths(client, uid):
    r = client.patch(
        f"/Users/{uid}",
        json=ops(
            {"op": "replace", "path": "name.givenName", "value": "Janet"},
            {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Ops"},
        ),
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"]["givenName"] == "Janet"
    assert r.json()[ENTERPRISE] == {"department": "Ops"}


def test_patch_result_is_validated_by_the_profile(client, uid):
    r = client.patch(
        f"/Users/{uid}", json=ops({"op": "replace", "path": "name.familyName", "value": ""})
    )
    assert_aws_error(r, 400, ["empty-string"])
    r = client.patch(
        f"/Users/{uid}",
        json=ops(
            {
                "op": "replace",
                "path": "emails",
                "value": [{"value": "a@x.com", "primary": True}, {"value": "b@x.com"}],
            }
        ),
    )
    assert_aws_error(r, 400, ["multiple-values", "email-not-primary"])
    r = client.patch(f"/Users/{uid}", json=ops({"op": "remove", "path": "name.familyName"}))
    assert_aws_error(r, 400, ["missing-required"])


def test_rename_to_a_taken_user_name_is_409(client, uid):
    client.post("/Users", json=user("taken@example.com"))
    r = client.patch(
        f"/Users/{uid}",
        json=ops({"op": "replace", "path": "userName", "value": "TAKEN@example.com"}),
    )
    assert_aws_error(r, 409, ["duplicate-username"])


def test_unknown_attribute_name_is_refused(client, uid):
    r = client.patch(
        f"/Users/{uid}", json=ops({"op": "replace", "path": "ExternalID", "value": "x"})
    )
    assert_aws_error(r, 400, ["unknown-attribute"])


def test_bad_op_and_missing_value(client, uid):
    assert_aws_error(
        client.patch(f"/Users/{uid}", json=ops({"op": "move", "path": "title", "value": "x"})),
        400,
        ["invalid-patch"],
    )
    assert_aws_error(
        client.patch(f"/Users/{uid}", json=ops({"op": "add", "path": "title"})),
        400,
        ["invalid-patch"],
    )


def test_patch_missing_user_is_404(client):
    r = client.patch(
        "/Users/00000000-0000-0000-0000-000000000000",
        json=ops({"op": "replace", "path": "title", "value": "x"}),
    )
    assert_aws_error(r, 404, ["not-found"])
