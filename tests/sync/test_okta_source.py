"""The Okta source against a local Okta org (documented response shapes, Link paging)."""

from __future__ import annotations

import pytest
from fake_okta import FakeOkta, okta_group, okta_user

from scimguard.records.okta import OktaConverter
from scimguard.sources import read_all


@pytest.fixture
def okta(monkeypatch):
    with FakeOkta(page_size=2) as fake:
        for i in range(7):
            fake.users.append(okta_user(f"00u{i}", f"user{i}@example.com", f"First{i}", f"Last{i}"))
        fake.groups = [okta_group("00gA", "Engineering"), okta_group("00gB", "Sales")]
        fake.members = {"00gA": ["00u0", "00u1", "00u2"], "00gB": ["00u5"]}
        fake.apps = {"0oaAPP": {"users": ["00u6"], "groups": ["00gB"]}}
        monkeypatch.setenv("OKTA_API_TOKEN", fake.token)
        yield fake


def spec(fake, **extra):
    return {"type": "okta", "org": fake.url, "groups": [], "app": None, "backoff": 0.01, **extra}


def test_reads_every_page_through_link_headers(okta):
    snap = read_all([spec(okta)])
    assert snap.complete, snap.problems
    assert sorted(r.resource["userName"] for r in snap.users) == [
        f"user{i}@example.com" for i in range(7)
    ]
    assert sum(1 for p in okta.requests if p.startswith("/api/v1/users")) == 4  # 2+2+2+1
    eng = next(g for g in snap.groups if g.resource["displayName"] == "Engineering")
    assert [m["value"] for m in eng.resource["members"]] == ["00u0", "00u1", "00u2"]
    assert eng.external_id == "00gA"


def test_group_scope_reads_only_those_groups_and_members(okta):
    snap = read_all([spec(okta, groups=["Engineering"])])
    assert snap.complete
    assert sorted(r.external_id for r in snap.users) == ["00u0", "00u1", "00u2"]
    assert [g.resource["displayName"] for g in snap.groups] == ["Engineering"]


def test_app_scope_reads_assigned_users_and_groups(okta):
    snap = read_all([spec(okta, app="0oaAPP")])
    assert snap.complete, snap.problems
    assert sorted(r.external_id for r in snap.users) == ["00u5", "00u6"]
    assert [g.resource["displayName"] for g in snap.groups] == ["Sales"]


def test_a_failing_page_makes_the_read_partial(okta):
    okta.fail_users_page = 3
    snap = read_all([spec(okta)])
    assert not snap.complete
    assert "500" in snap.problems[0] and "/api/v1/users" in snap.problems[0]
    assert len(snap.users) == 4  # pages 1 and 2


def test_rate_limit_answers_are_waited_out(okta):
    okta.rate_limit_every = 4
    snap = read_all([spec(okta)])
    assert snap.complete, snap.problems
    assert okta.rate_limited >= 1
    assert len(snap.users) == 7


def test_a_wrong_token_is_a_problem_not_a_crash(okta, monkeypatch):
    monkeypatch.setenv("OKTA_API_TOKEN", "wrong")
    snap = read_all([spec(okta)])
    assert not snap.complete
    assert "401" in snap.problems[0]


def test_records_use_the_shared_okta_mapping(okta):
    okta.users[0]["profile"].update(city="Porto")
    okta.users[1]["status"] = "SUSPENDED"
    snap = read_all([spec(okta, groups=["Engineering"])])
    first = next(r for r in snap.users if r.external_id == "00u0")
    assert first.resource == OktaConverter().convert(okta.users[0])
    assert first.resource["userName"] == "user0@example.com"
    assert first.resource["displayName"] == "First0 Last0"
    assert first.resource["addresses"][0]["locality"] == "Porto"
    assert next(r for r in snap.users if r.external_id == "00u1").resource["active"] is False
    assert first.source["id"] == "00u0" and first.source["org"] == okta.url


def test_a_broken_mapping_file_is_a_source_problem_not_a_crash(okta, tmp_path):
    broken = tmp_path / "mapping.toml"
    broken.write_text("[users\nname.familyName = \n")
    snap = read_all([spec(okta, mapping=str(broken))])
    assert not snap.complete and not snap.users and okta.requests == []  # nothing asked of Okta
    assert (
        snap.problems[0].startswith("Okta source: --mapping") and "mapping.toml" in snap.problems[0]
    )
