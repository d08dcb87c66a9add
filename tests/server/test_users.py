"""Users: create, read, replace, patch, delete, and the refusals (issue 3, Behaviour)."""

from __future__ import annotations

from conftest import assert_aws_error, user

GENERIC = "Request is unparsable, syntactically incorrect, or violates schema."
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_post_returns_201_with_full_resource(client):
    r = client.post("/Users", json=user(externalId="ext-1"))
    assert r.status_code == 201
    body = r.json()
    assert body["userName"] == "jane@example.com"
    assert body["externalId"] == "ext-1"
    assert body["name"] == {"givenName": "Jane", "familyName": "Doe"}
    assert set(body["meta"]) == {"resourceType", "created", "lastModified"}
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["created"].endswith("Z") and len(body["meta"]["created"]) == 20
    assert body["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert r.headers["x-amzn-RequestId"]
    got = client.get(f"/Users/{body['id']}")
    assert got.status_code == 200
    assert got.json() == body


def test_enterprise_extension_echoed_without_manager_ref(client):
    ext = {"department": "R&D", "manager": {"value": "boss", "$ref": "../Users/boss"}}
    r = client.post("/Users", json=user(**{ENTERPRISE: ext}))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]
    assert body[ENTERPRISE] == {"department": "R&D", "manager": {"value": "boss"}}


def test_put_replaces_everything_and_returns_200(client):
    uid = client.post("/Users", json=user(title="Engineer")).json()["id"]
    new = user(displayName="Jane Q. Doe")
    r = client.put(f"/Users/{uid}", json=new)
    assert r.status_code == 200, r.text
    assert r.json()["displayName"] == "Jane Q. Doe"
    assert "title" not in r.json()
    assert client.get(f"/Users/{uid}").json()["displayName"] == "Jane Q. Doe"


def test_put_missing_user_is_404(client):
    r = client.put("/Users/00000000-0000-0000-0000-000000000000", json=user())
    assert_aws_error(r, 404, ["not-found"])


def test_put_validates_like_post(client):
    uid = client.post("/Users", json=user()).json()["id"]
    r = client.put(f"/Users/{uid}", json=user(name={"givenName": "Jane"}))
    assert_aws_error(r, 400, ["missing-required"])


def test_delete_then_get_404_and_recreate_gets_new_id(client):
    uid = client.post("/Users", json=user()).json()["id"]
    assert client.delete(f"/Users/{uid}").status_code == 204
    assert_aws_error(client.get(f"/Users/{uid}"), 404)
    assert_aws_error(client.delete(f"/Users/{uid}"), 404)
    again = client.post("/Users", json=user())
    assert again.status_code == 201
    assert again.json()["id"] != uid


def test_active_string_false_accepted_and_coerced(client):
    r = client.post("/Users", json=user(active="True"))
    assert r.status_code == 201
    assert r.json()["active"] is True


def test_missing_family_name_is_generic_400_with_rule(client):
    r = client.post("/Users", json=user(name={"givenName": "Jane"}))
    body = assert_aws_error(r, 400, ["missing-required"])
    assert body["detail"] == GENERIC


def test_duplicate_username_case_insensitive_is_409(client):
    assert client.post("/Users", json=user("jane@example.com")).status_code == 201
    r = client.post("/Users", json=user("JANE@Example.com", emails=None))
    body = assert_aws_error(r, 409, ["duplicate-username"])
    assert body["detail"] == "Refused to create a new, duplicate resource."


def test_duplicate_email_and_external_id_are_409(client):
    assert client.post("/Users", json=user("a@example.com", externalId="x1")).status_code == 201
    r = client.post(
        "/Users",
        json=user("b@example.com", emails=[{"value": "A@example.com", "primary": True}]),
    )
    assert_aws_error(r, 409, ["duplicate-email"])
    r = client.post("/Users", json=user("c@example.com", externalId="x1"))
    assert_aws_error(r, 409, ["duplicate-external-id"])


def test_unauthenticated_requests_are_401(client):
    r = client.get("/Users", headers={"Authorization": "Bearer wrong"})
    assert_aws_error(r, 401, ["unauthorized"])
