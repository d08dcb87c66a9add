"""The `serve` switches: profile switches, PUT statuses, legacy paging, default active."""

from __future__ import annotations

from serve_helpers import assert_aws_error, scim_client, user

from scimguard.cli.serve import serve, settings_from_options
from scimguard.server.testing import running_emulator

PARTIAL_ADDRESS = [{"type": "work", "locality": "London", "country": "GB"}]


def test_profile_switches_relax_the_rules(sqlite_url):
    with running_emulator(sqlite_url, quotas=False) as strict, scim_client(strict) as c:
        assert_aws_error(c.post("/Users", json=user(title="R&D: EU")), 400, ["forbidden-character"])
        assert_aws_error(
            c.post("/Users", json=user(addresses=PARTIAL_ADDRESS)), 400, ["incomplete-address"]
        )
    relaxed = {"allow_legacy_characters": True, "require_complete_address": False}
    with running_emulator(sqlite_url, quotas=False, switches=relaxed) as emu, scim_client(emu) as c:
        assert c.post("/Users", json=user("a@x.com", title="R&D: EU")).status_code == 201
        assert c.post("/Users", json=user("b@x.com", addresses=PARTIAL_ADDRESS)).status_code == 201
        # the rest of the profile still applies
        assert_aws_error(c.post("/Users", json=user("c@x.com", title="")), 400, ["empty-string"])


def test_put_statuses_and_default_active(sqlite_url):
    with (
        running_emulator(
            sqlite_url, quotas=False, put_user_status=201, put_group_status=404, default_active=None
        ) as emu,
        scim_client(emu) as c,
    ):
        created = c.post("/Users", json=user(active=None)).json()
        assert "active" not in created
        assert c.put(f"/Users/{created['id']}", json=user()).status_code == 201
        gid = c.post("/Groups", json={"displayName": "G"}).json()["id"]
        assert_aws_error(c.put(f"/Groups/{gid}", json={"displayName": "H"}), 404)


def test_default_active_is_false(client):
    assert client.post("/Users", json=user(active=None)).json()["active"] is False


def test_legacy_paging_caps_at_50_and_ignores_cursor(sqlite_url):
    with (
        running_emulator(sqlite_url, quotas=False, legacy_page_size=True) as emu,
        scim_client(emu) as c,
    ):
        for i in range(55):
            assert c.post("/Users", json=user(f"l{i}@x.com")).status_code == 201
        body = c.get("/Users?cursor&count=100").json()
        assert body["totalResults"] == 55 and len(body["Resources"]) == 50
        assert "nextCursor" not in body


def test_cli_flags_become_settings():
    ctx = serve.make_context(
        "serve",
        [
            "--no-quotas", "--quota-writes", "5", "--quota-reads", "7", "--detail", "specific",
            "--allow-legacy-characters", "--no-require-complete-address", "--fault-rate", "0.2",
            "--fault-status", "502,503", "--fault-seed", "3", "--put-user-status", "201",
            "--put-group-status", "404", "--strict-manual", "--legacy-paging",
            "--default-active", "absent",
        ],
    )  # fmt: skip
    s = settings_from_options(
        {k: v for k, v in ctx.params.items() if k not in ("db_url", "host", "port", "workers")}
    )
    assert (s.quotas, s.quota_writes, s.quota_reads, s.detail) == (False, 5.0, 7.0, "specific")
    assert s.switches.allow_legacy_characters and not s.switches.require_complete_address
    assert (s.fault_rate, s.fault_statuses, s.fault_seed) == (0.2, (502, 503), 3)
    assert (s.put_user_status, s.put_group_status) == (201, 404)
    assert s.strict_manual and s.legacy_page_size and s.default_active is None


def test_reject_empty_lists_and_retry_after(sqlite_url):
    with running_emulator(sqlite_url, quotas=False) as emu, scim_client(emu) as c:
        created = c.post("/Users", json=user("a@x.com", phoneNumbers=[]))
        assert created.status_code == 201 and "phoneNumbers" not in created.json()
    with (
        running_emulator(sqlite_url, quota_reads=1, reject_empty_lists=True, retry_after=2) as emu,
        scim_client(emu) as c,
    ):
        r = c.post("/Users", json=user("b@x.com", phoneNumbers=[]))
        assert_aws_error(r, 400, ["empty-list"])
        statuses = [c.get("/Users") for _ in range(3)]
        throttled = [r for r in statuses if r.status_code == 429]
        assert throttled and throttled[0].headers["Retry-After"] == "2"
    with running_emulator(sqlite_url, quota_reads=1) as emu, scim_client(emu) as c:
        throttled = [r for r in (c.get("/Users") for _ in range(3)) if r.status_code == 429]
        assert throttled and "Retry-After" not in throttled[0].headers
