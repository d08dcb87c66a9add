"""Quotas (429), body size (1 MiB), fault injection (seeded), discovery endpoints."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import assert_aws_error, scim_client, user
from scimguard.server.testing import running_emulator


def test_quota_429_per_tenant(sqlite_url):
    with (
        running_emulator(sqlite_url, quota_reads=5, quota_writes=3) as emu,
        scim_client(emu) as a,
        scim_client(emu) as b,
    ):
        statuses = [a.get("/Users").status_code for _ in range(12)]
        assert statuses.count(200) >= 5 and statuses.count(429) >= 5
        assert statuses[:5] == [200] * 5
        throttled = a.get("/Users")
        body = assert_aws_error(throttled, 429, ["throttled"])
        assert body["detail"] == "Too many requests exceeded the limits."
        assert b.get("/Users").status_code == 200  # other tenant has its own bucket
        writes = [a.post("/Users", json=user(f"q{i}@x.com")).status_code for i in range(6)]
        assert writes[:3] == [201] * 3 and 429 in writes


def test_no_quotas_flag(sqlite_url):
    with running_emulator(sqlite_url, quotas=False, quota_reads=1) as emu, scim_client(emu) as c:
        assert {c.get("/Users").status_code for _ in range(20)} == {200}


def test_body_over_1_mib_refused(emu, client):
    big = user(title="x" * (1024 * 1024))
    assert_aws_error(client.post("/Users", json=big), 413, ["payload-too-large"])
    r = client.get("/Users")
    assert r.json()["totalResults"] == 0


def test_invalid_json_body(client):
    r = client.post("/Users", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_aws_error(r, 400, ["invalid-json"])
    assert_aws_error(client.post("/Users", json=[1, 2]), 400, ["invalid-json"])


def _fault_run(url: str, seed: int) -> list[int]:
    with running_emulator(
        url, quotas=False, fault_rate=0.3, fault_statuses=(500, 503), fault_seed=seed
    ) as emu:
        tenant = emu.create_tenant()
        with scim_client(emu, *tenant) as c:
            return [c.get("/Users").status_code for _ in range(60)]


def test_fault_injection_is_seeded(tmp_path):
    first = _fault_run(f"sqlite:///{tmp_path / 'a.db'}", 7)
    again = _fault_run(f"sqlite:///{tmp_path / 'b.db'}", 7)
    other = _fault_run(f"sqlite:///{tmp_path / 'c.db'}", 8)
    assert first == again
    assert first != other
    assert set(first) == {200, 500, 503}
    assert 8 <= first.count(200) <= 55


def test_injected_fault_body(tmp_path):
    with (
        running_emulator(
            f"sqlite:///{tmp_path / 'f.db'}", quotas=False, fault_rate=1.0, fault_statuses=(503,)
        ) as emu,
        scim_client(emu) as c,
    ):
        assert_aws_error(c.post("/Users", json=user()), 503, ["injected-fault"])


def test_discovery_endpoints(client):
    spc = client.get("/ServiceProviderConfig").json()
    assert spc["patch"] == {"supported": True}
    assert spc["bulk"]["supported"] is False and spc["bulk"]["maxPayloadSize"] == 1048576
    assert spc["filter"] == {"supported": True, "maxResults": 50}
    assert spc["sort"]["supported"] is False and spc["etag"]["supported"] is False
    assert spc["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    schemas = client.get("/Schemas").json()
    urns = [s["id"] for s in schemas["Resources"]]
    assert urns == [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
    ]
    one = client.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    user_name = next(a for a in one["attributes"] if a["name"] == "userName")
    assert user_name["uniqueness"] == "server" and user_name["caseExact"] is False
    assert_aws_error(client.get("/Schemas/urn:nope"), 404)
    types = client.get("/ResourceTypes").json()["Resources"]
    assert [t["endpoint"] for t in types] == ["/Users", "/Groups"]
    assert types[0]["schemaExtensions"][0]["required"] is True


def test_unsupported_endpoints(client):
    assert_aws_error(client.post("/Bulk", json={}), 400, ["unsupported-operation"])
    assert_aws_error(client.get("/Me"), 400, ["unsupported-operation"])
    assert_aws_error(client.post("/Users/.search", json={}), 400, ["unsupported-operation"])
    assert_aws_error(client.delete("/Users"), 400, ["unsupported-operation"])


def test_concurrent_reads_on_one_tenant_all_succeed(client):
    client.post("/Users", json=user())
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: client.get("/Users").status_code, range(64)))
    assert statuses == [200] * 64
