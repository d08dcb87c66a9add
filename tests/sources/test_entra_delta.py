"""Entra delta queries: a run after the first reads only what changed, from the engine state."""

from __future__ import annotations

import pytest
from entra_helpers import entra_spec, fake_tenant, fill, person

from scimguard.sources import ReadContext, read_all
from scimguard.sources.base import state_key
from scimguard.sync.backoff import RetryPolicy
from scimguard.sync.db import open_engine
from scimguard.sync.source_state import EngineSourceState


@pytest.fixture
def tenant(tmp_path, monkeypatch):
    with fake_tenant(tmp_path, monkeypatch, page_size=20) as fake:
        fill(fake, 60, groups=3)
        yield fake


@pytest.fixture
def state(tmp_path):
    return EngineSourceState(open_engine(f"sqlite:///{tmp_path / 'engine.db'}"))


def resources(snapshot):
    users = sorted((r.external_id, r.resource) for r in snapshot.users)
    groups = sorted(
        (
            r.external_id,
            r.resource["displayName"],
            sorted(m["value"] for m in r.resource["members"]),
        )
        for r in snapshot.groups
    )
    return users, groups


def full_read(tenant):
    """What a read without any state gives: the directory as it is now."""
    snap = read_all([entra_spec(tenant)])
    assert snap.complete, snap.problems
    return resources(snap)


def test_the_second_read_follows_the_delta_links_only(tenant, state):
    spec = entra_spec(tenant)
    first = read_all([spec], context=ReadContext(state=state))
    assert first.complete, first.problems
    assert tenant.graph_requests("/v1.0/users/delta?") and tenant.graph_requests("/v1.0/users?")
    saved = state.load(state_key(spec, "tenant", "graph_url"))
    assert set(saved["links"]) == {"users", "groups"} and len(saved["users"]) == 60

    for i in range(10):  # ten changed users
        tenant.update_user(f"u-{i:05d}", jobTitle=f"Director {i}")
    tenant.delete_user("u-00059")
    tenant.add_user(person(60))
    tenant.add_member("g-001", "u-00060")  # inside the nested group: g-000 gains it too
    tenant.remove_member("g-002", "u-00002")
    tenant.requests.clear()

    lines: list[str] = []
    second = read_all([spec], context=ReadContext(state=state, progress=lines.append))
    assert second.complete, second.problems
    asked = [r.split("?", 1)[0] for r in tenant.requests]
    assert "/v1.0/users" not in asked and "/v1.0/groups" not in asked  # no full listing
    reread = {p.split("/")[3] for p in asked if "/transitiveMembers/" in p}
    assert reread == {"g-000", "g-001", "g-002"}  # the changed groups and the one holding g-001
    assert resources(second) == full_read(tenant)
    assert any("14 changes read" in line for line in lines)  # 10 + 1 + 1 users, 2 groups


def test_an_unchanged_directory_costs_two_requests(tenant, state):
    spec = entra_spec(tenant)
    read_all([spec], context=ReadContext(state=state))
    tenant.requests.clear()
    again = read_all([spec], context=ReadContext(state=state))
    assert again.complete and len(again.users) == 60
    assert [r.split("?", 1)[0] for r in tenant.requests] == [
        "/v1.0/users/delta",
        "/v1.0/groups/delta",
    ]


@pytest.mark.parametrize("status", [410, 400])
def test_an_expired_delta_link_falls_back_to_a_full_read(tenant, state, status):
    spec = entra_spec(tenant)
    read_all([spec], context=ReadContext(state=state))
    tenant.update_user("u-00003", department="Legal")
    tenant.expire_delta(status)  # 410, or 400 syncStateNotFound (older than seven days)
    tenant.requests.clear()
    lines: list[str] = []
    snap = read_all([spec], context=ReadContext(state=state, progress=lines.append))
    assert snap.complete, snap.problems
    assert tenant.graph_requests("/v1.0/users?")  # the full listing again
    assert resources(snap) == full_read(tenant)
    assert any("syncStateNotFound" in line and "reading everything" in line for line in lines)
    tenant.requests.clear()
    read_all([spec], context=ReadContext(state=state))  # a new cursor was saved
    assert not tenant.graph_requests("/v1.0/users?")


def test_a_failing_delta_read_keeps_the_last_state_and_is_partial(tenant, state):
    spec = entra_spec(tenant)
    read_all([spec], context=ReadContext(state=state))
    key = state_key(spec, "tenant", "graph_url")
    before = state.load(key)
    tenant.update_user("u-00001", jobTitle="Changed")
    tenant.throttle_every = 1  # every request refused
    policy = RetryPolicy(max_attempts=2, max_retry_after=0.05)
    snap = read_all([spec], context=ReadContext(retry=policy, state=state))
    assert not snap.complete
    assert "429" in snap.problems[0] and "TooManyRequests" in snap.problems[0]
    assert len(snap.users) == 60  # the last complete read: creates and updates, no removal
    assert state.load(key) == before
    tenant.throttle_every = None
    healed = read_all([spec], context=ReadContext(state=state))
    assert healed.complete
    assert (
        next(r for r in healed.users if r.external_id == "u-00001").resource["title"] == "Changed"
    )


def test_a_new_mapping_reads_everything_again(tenant, state, tmp_path):
    read_all([entra_spec(tenant)], context=ReadContext(state=state))
    mapping = tmp_path / "map.toml"
    mapping.write_text('"name.middleName" = "officeLocation"\n')
    tenant.requests.clear()
    snap = read_all([entra_spec(tenant, mapping=str(mapping))], context=ReadContext(state=state))
    assert snap.complete
    assert tenant.graph_requests("/v1.0/users?")  # the saved objects lack officeLocation


def test_a_deleted_nested_group_leaves_its_parent_in_the_delta(tenant, state):
    spec = entra_spec(tenant)
    read_all([spec], context=ReadContext(state=state))
    tenant.delete_group("g-001")  # nested in g-000: its users leave g-000 too
    tenant.add_group("g-009", "Audit", ["u-00005", "u-00006"])
    tenant.add_member("g-009", "g-002")  # a new group nesting an old one
    tenant.requests.clear()
    snap = read_all([spec], context=ReadContext(state=state))
    assert snap.complete, snap.problems
    assert not tenant.graph_requests("/v1.0/groups?")  # no full listing
    assert resources(snap) == full_read(tenant)
    audit = next(g for g in snap.groups if g.external_id == "g-009")
    assert len(audit.resource["members"]) == 21  # its 2 and g-002's 20, u-00005 in both
