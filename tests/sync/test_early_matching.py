"""Users decided while the target's pages come in (sync/matching.EarlyMatches) come to the same
plan as the planner's pass in the records' order, whatever order the target lists them in and
whenever the engine's rows and the source's side are ready."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scimguard.profile import Profile
from scimguard.sources import Snapshot, SourceRecord
from scimguard.sync.matching import EarlyMatches, Matcher
from scimguard.sync.ops import Owned
from scimguard.sync.planner import Options, Planner, TargetState
from scimguard.sync.source_side import SourceSide
from scimguard.sync.target_index import TargetIndex

# "bob@example.com": an externalId equal to another record's lower-cased userName (one key)
EXTS = st.one_of(st.none(), st.sampled_from(["e0", "e1", "e2", "bob@example.com"]))
NAMES = st.sampled_from(["ann", "Ann", "bob", "cy"])
TITLES = st.sampled_from(["Engineer", "Manager"])


@st.composite
def source_user(draw: st.DrawFn) -> SourceRecord:
    body: dict = {"userName": draw(NAMES) + "@example.com", "title": draw(TITLES)}
    body |= {"name": {"givenName": "G", "familyName": "F"}, "displayName": "G F"}
    if (ext := draw(EXTS)) is not None:
        body["externalId"] = ext
    return SourceRecord("user", body, {"type": "file", "path": "users.jsonl"}, 1)


@st.composite
def target_user(draw: st.DrawFn) -> dict:
    body: dict = {"id": draw(st.sampled_from(["t0", "t1", "t2", "t3", "t4"]))}
    body |= {"userName": draw(NAMES) + "@example.com", "title": draw(TITLES), "active": True}
    body |= {"name": {"givenName": "G", "familyName": "F"}, "displayName": "G F"}
    if (ext := draw(st.one_of(EXTS, st.just("other")))) is not None:
        body["externalId"] = ext
    return body


@st.composite
def owned_row(draw: st.DrawFn) -> Owned:
    ext = draw(EXTS)
    name = draw(NAMES).lower() + "@example.com"
    key = ext or name
    if draw(st.booleans()):  # a create intended before a crash: no target id yet
        return Owned("user", key, None, ext, name, "pending")
    target_id = draw(st.sampled_from(["t0", "t1", "t2", "t3", "t4"]))
    return Owned("user", key, target_id, ext, name, draw(st.sampled_from(["active", "deleted"])))


def summary(planner: Planner) -> tuple:
    plan = planner.plan
    return (
        [(o.action, o.key, o.target_id, o.changes, o.rule) for o in plan.ops],
        [(c.record_key, c.target_id, c.external_id, c.name_lower) for c in plan.claims],
        [(o.action, o.key, o.target_id) for o in plan.held],
        planner.matched_users,
    )


@given(
    records=st.lists(source_user(), max_size=10),
    listed=st.lists(target_user(), max_size=10),
    owned=st.lists(owned_row(), max_size=6),
    adopt=st.booleans(),
    ready_after=st.integers(min_value=0, max_value=10),
)
@settings(max_examples=300, deadline=None)
def test_early_decisions_are_the_planners_own(records, listed, owned, adopt, ready_after):
    snapshot = Snapshot(users=records)
    options = Options(adopt_manual=adopt, max_removals="100%")
    side = SourceSide(snapshot, Profile()).complete()

    in_order = Planner(snapshot, TargetState(listed, []), owned, options, Profile(), side)
    in_order.match()

    users = TargetIndex("user")
    early = EarlyMatches(snapshot.users, users)
    users.on_add = early.offer
    for item in listed[:ready_after]:  # listed while the engine's rows are still loading
        users.add(item)
    for _ in early.steps(lambda: Matcher("user", users, owned, adopt, side), size=1):
        pass
    for item in listed[ready_after:]:  # decided as they come in
        users.add(item)
    target = TargetState(listed, [], indexes={"user": users})
    as_listed = Planner(snapshot, target, owned, options, Profile(), side, early)
    as_listed.match()

    assert summary(as_listed) == summary(in_order)


def test_a_record_matched_by_name_gives_way_to_an_earlier_one_decided_later():
    """The second record has no externalId and names the resource the first one matches by
    externalId; the target lists that resource before anything else is known. Early or not,
    the first record keeps it and the second would be a create (blocked: one userName twice)."""
    names = {"name": {"givenName": "A", "familyName": "B"}, "displayName": "A B"}
    first = SourceRecord("user", {"externalId": "e1", "userName": "a@example.com"} | names, {}, 1)
    second = SourceRecord("user", {"userName": "a@example.com"} | names, {}, 2)
    snapshot = Snapshot(users=[first, second])
    resource = {"id": "t1", "externalId": "e1", "userName": "a@example.com", "active": True}
    resource |= names
    owned = [Owned("user", "e1", "t1", "e1", "a@example.com", "active")]
    side = SourceSide(snapshot, Profile()).complete()
    users = TargetIndex("user")
    early = EarlyMatches(snapshot.users, users)
    users.on_add = early.offer
    for _ in early.steps(lambda: Matcher("user", users, owned, False, side)):
        pass
    users.add(resource)
    target = TargetState([resource], [], indexes={"user": users})
    planner = Planner(snapshot, target, owned, Options(), Profile(), side, early)
    plan = planner.match()
    assert [(o.action, o.target_id) for o in plan.ops] == [("unchanged", "t1"), ("blocked", None)]
    assert plan.ops[1].rule == "duplicate-username"
    assert planner.matched_users == {"e1": "t1"}


def test_two_records_of_one_key_leave_the_later_ones_match_whichever_is_decided_first():
    """A record without externalId whose userName is another record's externalId has that
    record's key. The later record's resource is the key's, as in the records' order, though
    the later one is decided early (by externalId) and the earlier one after the last page."""
    names = {"name": {"givenName": "A", "familyName": "B"}, "displayName": "A B"}
    by_name = SourceRecord("user", {"userName": "bob@example.com"} | names, {}, 1)
    by_ext = SourceRecord("user", {"externalId": "bob@example.com", "userName": "z@x.org"}, {}, 2)
    by_ext.resource |= names
    snapshot = Snapshot(users=[by_name, by_ext])
    listed = [
        {"id": "t1", "externalId": "bob@example.com", "userName": "z@x.org"} | names,
        {"id": "t2", "userName": "bob@example.com"} | names,
    ]
    owned = [
        Owned("user", "bob@example.com", "t1", "bob@example.com", "z@x.org", "active"),
        Owned("user", "bob@example.com", "t2", None, "bob@example.com", "active"),
    ]
    side = SourceSide(snapshot, Profile()).complete()
    users = TargetIndex("user")
    early = EarlyMatches(snapshot.users, users)
    users.on_add = early.offer
    for _ in early.steps(lambda: Matcher("user", users, owned, False, side)):
        pass
    for item in listed:
        users.add(item)
    target = TargetState(listed, [], indexes={"user": users})
    planner = Planner(snapshot, target, owned, Options(), Profile(), side, early)
    planner.match()
    assert planner.matched_users == {"bob@example.com": "t1"}
    in_order = Planner(snapshot, TargetState(listed, []), owned, Options(), Profile(), side)
    in_order.match()
    assert in_order.matched_users == {"bob@example.com": "t1"}
