"""The planner on its own: matching, ownership, removals, the fuse, membership diffs."""

from __future__ import annotations

import os

import pytest

from scimguard.sources import Snapshot, SourceRecord
from scimguard.sync import diff
from scimguard.sync.diff import changed_attributes, compared_form
from scimguard.sync.ops import Owned
from scimguard.sync.planner import Options, TargetState, build_plan, parse_max_removals


def rec(kind: str, resource: dict) -> SourceRecord:
    return SourceRecord(kind, resource, {"type": "file", "path": "x.jsonl"}, 1)


def person(n: int, **extra) -> dict:
    return {
        "externalId": f"e{n}",
        "userName": f"u{n}@example.com",
        "name": {"givenName": "G", "familyName": "F"},
        "displayName": "G F",
        "active": True,
        **extra,
    }


def target_user(n: int, tid: str | None = None, **extra) -> dict:
    body = {"id": tid or f"t{n}", "meta": {"resourceType": "User"}, "schemas": ["x"]}
    body.update(person(n))
    body.update(extra)
    return body


def test_max_removals_share_or_count():
    assert parse_max_removals("10%", 100) == 10
    assert parse_max_removals("10%", 5) == 0  # one of five would be 20%
    assert parse_max_removals("10%", 19) == 1
    assert parse_max_removals("10%", 0) == 0
    assert parse_max_removals("7", 100) == 7


def test_changed_attributes_ignore_server_fields_and_spellings():
    desired = {
        "userName": "a",
        "active": "True",
        "title": None,
        "emails": [],
        "name": {"givenName": "G"},
    }
    actual = {
        "id": "1",
        "meta": {},
        "schemas": [],
        "userName": "a",
        "active": True,
        "name": {"givenName": "G"},
    }
    assert changed_attributes(desired, actual, "user") == []
    actual["name"]["familyName"] = "X"
    actual["nickName"] = "n"
    assert changed_attributes(desired, actual, "user") == ["name.familyName", "nickName"]


@pytest.fixture(params=["in C", "by forms"])
def quick(request, monkeypatch):
    """Each quick comparison: the C one (sync/_exact.c), and canonical JSON forms (what a
    build without a C compiler uses)."""
    if request.param == "by forms":
        monkeypatch.setattr(diff, "same_attributes", None)
    elif diff.same_attributes is None and not os.environ.get("CI"):
        pytest.skip("the C comparison was not built here")
    return request.param


def test_the_quick_comparison_never_hides_a_change(quick):
    """The resync's short cut (equal JSON of the compared attributes) answers only "the
    same"; a difference of type, or a value JSON cannot hold, goes to the full comparison."""
    desired = person(1, emails=[{"value": "a@example.com", "primary": True}])
    echoed = target_user(1, emails=[{"value": "a@example.com", "primary": True}])
    assert compared_form(desired, "user") == compared_form(echoed, "user")
    assert changed_attributes(desired, echoed, "user") == []
    # `1` equals `True` in Python, but AWS does not read 1 as true: a change, not a shortcut
    ones = target_user(1, active=1, emails=[{"value": "a@example.com", "primary": 1}])
    assert compared_form(desired, "user") != compared_form(ones, "user")
    assert changed_attributes(desired, ones, "user") == ["active", "emails"]
    # keys in another order are the same resource
    shuffled = dict(reversed(list(echoed.items())))
    assert changed_attributes(desired, shuffled, "user") == []
    # a number JSON cannot hold: no quick form, the full comparison still answers
    huge = person(1, title=10**30)
    assert compared_form(huge, "user") is None
    assert changed_attributes(huge, target_user(1, title=10**30), "user") == []
    assert changed_attributes(huge, target_user(1, title="x"), "user") == ["title"]
    if quick == "by forms":  # a form given by the caller is the one compared
        form = compared_form(desired, "user")
        titled = {**echoed, "title": "x"}
        assert changed_attributes(desired, titled, "user", form) == ["title"]
        assert changed_attributes(titled, echoed, "user", form) == []


def test_what_canonical_json_would_blur_is_compared_in_full(quick):
    """orjson writes NaN as null and a tuple as a list: such a source value has no quick form,
    and the normalised comparison sees the change the quick one would have hidden."""
    import datetime as dt

    nan = person(1, title=float("nan"))
    assert compared_form(nan, "user") is None
    assert changed_attributes(nan, target_user(1, title=None), "user") == ["title"]
    emails = [{"value": "a@example.com", "primary": True}]
    as_tuple = person(1, emails=tuple(emails))
    assert compared_form(as_tuple, "user") is None
    assert changed_attributes(as_tuple, target_user(1, emails=emails), "user") == ["emails"]
    dated = person(1, title=dt.date(2024, 1, 2))
    assert compared_form(dated, "user") is None
    assert changed_attributes(dated, target_user(1, title="2024-01-02"), "user") == ["title"]


def test_a_target_listing_one_id_twice_is_compared_with_the_one_matched():
    """By externalId the first listed wins; its own form is compared, not the last one's."""
    first = target_user(1, "t1", title="X")
    again = target_user(1, "t1", title="Y")
    snapshot = Snapshot(users=[rec("user", person(1, title="Y"))])
    owned = [Owned("user", "e1", "t1", "e1", "u1@example.com", "active")]
    plan = build_plan(snapshot, TargetState([first, again], []), owned)
    [op] = plan.of("update", "user")
    assert op.changes == ["title"]


def test_external_id_first_then_username_ignoring_case():
    snap = Snapshot(
        users=[
            rec("user", person(1, userName="NEW@example.com")),
            rec("user", {**person(2), "externalId": None}),
        ]
    )
    target = TargetState(
        users=[target_user(1), target_user(2, externalId=None, userName="U2@EXAMPLE.com")],
        groups=[],
    )
    owned = [
        Owned("user", "e1", "t1", "e1", "u1@example.com", "active"),
        Owned("user", "u2@example.com", "t2", None, "u2@example.com", "active"),
    ]
    plan = build_plan(snap, target, owned)
    first, second = plan.ops
    assert (first.action, first.target_id, first.changes) == ("update", "t1", ["userName"])
    assert (second.action, second.target_id) == ("update", "t2")


def test_not_owned_is_blocked_manual_unless_adopted_and_never_removed():
    snap = Snapshot(users=[rec("user", person(1))])
    target = TargetState(
        users=[target_user(1, externalId=None), target_user(9, externalId=None)], groups=[]
    )
    plan = build_plan(snap, target, [])
    (op,) = plan.ops
    assert op.action == "blocked" and op.rule == "manually-sourced"
    assert plan.held == []  # user 9 is nobody's: no removal at all
    plan = build_plan(snap, target, [], Options(adopt_manual=True))
    assert [o.action for o in plan.ops] == ["adopt"]


def test_pending_intent_is_recognised_after_a_crash():
    record = {**person(1)}
    del record["externalId"]
    snap = Snapshot(users=[rec("user", record)])
    target = TargetState(users=[target_user(1, externalId=None)], groups=[])
    owned = [Owned("user", "u1@example.com", None, None, "u1@example.com", "pending")]
    plan = build_plan(snap, target, owned)
    assert [o.action for o in plan.ops] == ["unchanged"]
    assert [(c.record_key, c.target_id) for c in plan.claims] == [("u1@example.com", "t1")]


def test_partial_source_and_fuse_hold_removals():
    target = TargetState(users=[target_user(i) for i in range(10)], groups=[])
    owned = [Owned("user", f"e{i}", f"t{i}", f"e{i}", None, "active") for i in range(10)]
    keep = [rec("user", person(i)) for i in range(2, 10)]
    partial = Snapshot(users=keep, problems=["okta: page 3 failed"])
    plan = build_plan(partial, target, owned)
    assert plan.of("deactivate") == [] and len(plan.held) == 2
    assert "page 3 failed" in plan.hold_reason
    plan = build_plan(Snapshot(users=keep), target, owned)
    assert plan.of("deactivate") == [] and "safety fuse" in plan.hold_reason
    plan = build_plan(Snapshot(users=keep), target, owned, Options(max_removals="2"))
    assert sorted(o.target_id for o in plan.of("deactivate")) == ["t0", "t1"]


def test_membership_diff_resolves_names_and_ids():
    users = [rec("user", person(i)) for i in range(3)]
    grp = rec(
        "group",
        {
            "externalId": "g",
            "displayName": "G",
            "members": [{"value": "U0@example.com"}, {"value": "e2"}],
        },
    )
    target = TargetState(
        users=[target_user(i) for i in range(3)],
        groups=[{"id": "tg", "externalId": "g", "displayName": "G"}],
        members={"tg": {"t0", "t1"}},
    )
    owned = [Owned("group", "g", "tg", "g", "g", "active")] + [
        Owned("user", f"e{i}", f"t{i}", f"e{i}", None, "active") for i in range(3)
    ]
    plan = build_plan(Snapshot(users=users, groups=[grp]), target, owned)
    (m,) = plan.members
    assert m.add == ["e2"] and m.remove == ["t1"]
    assert m.add_display == ["u2@example.com"] and m.remove_display == ["u1@example.com"]
    partial = Snapshot(users=users, groups=[grp], problems=["x"])
    (m,) = build_plan(partial, target, owned).members
    assert m.remove == []
