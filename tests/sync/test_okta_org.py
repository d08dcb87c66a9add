"""An Okta org of 2,000 realistic people (issue 20): only the genuinely defective are tasks.

The org (okta_people.py) is served by the fake Okta (fake_okta.py) with Link paging and
rate-limit headers; the engine runs as a user runs it (`scimguard sync` in a subprocess) into a
real emulator under uvicorn, its quotas raised so that 2,000 creates take seconds.
"""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest
from fake_okta import FakeOkta
from okta_people import APP, make_org
from sync_helpers import Target, run_cli

from scimguard.server.testing import running_emulator

PEOPLE = 2000
FAST = {"quota_writes": 2000.0, "quota_reads": 2000.0}


@pytest.fixture(scope="module")
def org():  # type: ignore[no-untyped-def]
    return make_org(PEOPLE, seed=20)


def test_the_org_is_realistic(org) -> None:
    """What the issue's org holds, so the other tests mean something."""
    users = {u["id"]: u for u in org.users}
    both = [u for u in users.values() if u["profile"].get("primaryPhone")]
    assert sum(1 for u in both if u["profile"].get("mobilePhone")) > PEOPLE * 0.7
    assert len(org.partial_address) > PEOPLE * 0.25  # no region: most of the world
    statuses = Counter(u["status"] for u in users.values())
    assert statuses["SUSPENDED"] and statuses["DEPROVISIONED"] and statuses["LOCKED_OUT"]
    countries = {u["profile"].get("countryCode") for u in users.values()}
    assert len(countries - {None}) >= 15
    assert org.apps[APP]["users"] and org.apps[APP]["groups"]
    assert 15 <= len(org.defects) <= 25
    assert set(Counter(rule for rule, _ in org.defects.values())) == {
        "hidden-character",
        "forbidden-character",
        "missing-required",
    }


@pytest.mark.parametrize("scope", ["app", pytest.param("org", marks=pytest.mark.slow)])
def test_a_sync_of_the_org_provisions_everyone_but_the_defective(org, scope, tmp_path) -> None:
    """`--okta-app` (direct and group assignments) or the whole org (`--okta-org` alone)."""
    engine_db = f"sqlite:///{tmp_path / 'engine.db'}"
    users = {u["id"]: u for u in org.users}
    if scope == "app":
        in_scope, groups = org.in_app, len(org.apps[APP]["groups"])
    else:  # Okta lists no deprovisioned user; every group but the BUILT_IN Everyone
        in_scope = {uid for uid, u in users.items() if u["status"] != "DEPROVISIONED"}
        groups = sum(1 for g in org.groups if g["type"] != "BUILT_IN")
    with (
        running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", **FAST) as emu,
        FakeOkta(page_size=200, rate_limit=25, rate_window=1.0) as okta,
    ):
        org.install(okta)
        tenant, token = emu.create_tenant()
        target = Target(emu, tenant, token)
        args = ["sync", "--okta-org", okta.url, "--target", target.url]
        args += ["--okta-app", APP] if scope == "app" else []
        args += ["--json", "--rate-writes", "1500", "--rate-reads", "1500"]
        env = {"OKTA_API_TOKEN": okta.token}
        result = run_cli(args, token, engine_db, env=env)
        assert result.returncode == 1, result.stderr  # 1: some records are tasks
        assert "source problem" not in result.stderr
        summary = json.loads(result.stdout)
        wanted = in_scope - set(org.defects)
        assert summary["blocked"] == len(org.defects)
        assert summary["failed"] == 0
        assert summary["created"] == len(wanted) + groups
        # Okta's limits were reached and waited out, never overrun
        assert len(okta.requests) > 25 and okta.rate_limited == 0

        provisioned = {u["externalId"]: u for u in target.users()}
        assert set(provisioned) == wanted
        for uid, sent in provisioned.items():
            profile = users[uid]["profile"]
            assert sent["active"] is (users[uid]["status"] not in ("SUSPENDED", "DEPROVISIONED"))
            phone = profile.get("primaryPhone") or profile.get("mobilePhone")
            if phone:
                kind = "work" if profile.get("primaryPhone") else "mobile"
                assert sent["phoneNumbers"] == [{"value": phone, "type": kind}]
            assert ("addresses" in sent) is (
                uid not in org.partial_address and bool(profile.get("city"))
            )
        by_name = {g["displayName"]: g for g in target.groups()}
        engineering = next(g for g in org.groups if g["profile"]["name"] == "Engineering")
        expected = {
            users[uid]["profile"]["login"]
            for uid in org.members[engineering["id"]]
            if uid in wanted
        }
        assert target.members(by_name["Engineering"]["id"]) == expected

        tasks = json.loads(run_cli(["tasks", "list", "--json"], None, engine_db).stdout)
        assert {t["record_key"]: (t["rule"], t["state"]) for t in tasks} == {
            uid: (rule, "blocked") for uid, (rule, _attribute) in org.defects.items()
        }
        for task in tasks:
            rule, attribute = org.defects[task["record_key"]]
            errors = [f for f in task["findings"] if f["severity"] == "error"]
            assert [(f["rule"], f["attribute"]) for f in errors] == [(rule, attribute)]
            assert rule in task["message"] and "Not sent" in task["message"]
        notes = run_cli(
            ["tasks", "list", "--json", "--state", "all", "--rule", "address-omitted"],
            None,
            engine_db,
        )
        noted = {t["record_key"] for t in json.loads(notes.stdout)}
        assert noted == org.partial_address & in_scope

        # a second run changes nothing and files nothing new
        again = run_cli(args, token, engine_db, env=env)
        assert again.returncode == 1, again.stderr
        summary = json.loads(again.stdout)
        assert summary["created"] == 0 and summary["updated"] == 0
        # the defective are remembered as still blocked (issue 22): counted, not sent again
        assert summary["blocked"] == 0 and summary["still_blocked"] == len(org.defects)
        assert summary["tasks"]["opened"] == 0


def test_check_on_an_okta_users_export_reports_only_the_real_defects(org, tmp_path) -> None:
    with FakeOkta(page_size=200) as okta:
        org.install(okta)
        exported: list[dict] = []
        url = f"{okta.url}/api/v1/users?limit=200"
        with httpx.Client(headers={"Authorization": f"SSWS {okta.token}"}) as http:
            while url:  # the export an admin makes: every page of the Users API
                response = http.get(url)
                exported += response.json()
                url = response.links.get("next", {}).get("url")
    listed = {u["id"] for u in exported}
    assert len(listed) == sum(1 for u in org.users if u["status"] != "DEPROVISIONED")
    path = tmp_path / "okta-users.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    result = run_cli(["check", str(path), "--format", "json"], None, "sqlite://")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    logins = {u["profile"]["login"]: u["id"] for u in org.users}
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert sorted((logins[f["key"]], f["rule"], f["attribute"]) for f in errors) == sorted(
        (uid, rule, attribute) for uid, (rule, attribute) in org.defects.items()
    )
    warnings = Counter(f["rule"] for f in report["findings"] if f["severity"] == "warning")
    assert warnings == {"address-omitted": len(org.partial_address & listed)}
    assert report["summary"]["records_with_errors"] == len(org.defects)
    assert report["input_errors"] == []
