"""Tenants are isolated: resources, uniqueness and memberships never cross a tenant."""

from __future__ import annotations

from serve_helpers import assert_aws_error, scim_client, user


def test_tenants_are_isolated(emu):
    with scim_client(emu) as a, scim_client(emu) as b:
        uid = a.post("/Users", json=user(externalId="x1")).json()["id"]
        gid = a.post("/Groups", json={"displayName": "Eng", "members": [{"value": uid}]}).json()[
            "id"
        ]
        for response in (
            b.get(f"/Users/{uid}"),
            b.put(f"/Users/{uid}", json=user()),
            b.patch(f"/Users/{uid}", json={"Operations": [{"op": "remove", "path": "title"}]}),
            b.delete(f"/Users/{uid}"),
            b.get(f"/Groups/{gid}"),
            b.delete(f"/Groups/{gid}"),
        ):
            assert_aws_error(response, 404, ["not-found"])
        assert b.get("/Users").json()["totalResults"] == 0
        assert b.get("/Users", params={"filter": f'id eq "{uid}"'}).json()["totalResults"] == 0
        assert (
            b.get("/Users", params={"filter": f'groups.value eq "{gid}"'}).json()["Resources"] == []
        )
        assert_aws_error(b.get("/Groups", params={"filter": f'members.value eq "{uid}"'}), 404)
        # the same keys are free in another tenant
        assert b.post("/Users", json=user(externalId="x1")).status_code == 201
        assert b.post("/Groups", json={"displayName": "Eng"}).status_code == 201
        # a member id of another tenant is no user here
        own = b.get("/Groups").json()["Resources"][0]["id"]
        r = b.patch(
            f"/Groups/{own}",
            json={"Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]},
        )
        assert_aws_error(r, 404, ["unknown-member"])
        # tenant A is untouched
        assert a.get(f"/Users/{uid}").status_code == 200
        assert (
            a.get("/Users", params={"filter": f'groups.value eq "{gid}"'}).json()["totalResults"]
            == 1
        )
