"""Duplicate rules report every record involved, each naming the others."""

from __future__ import annotations

from profile_cases import named

from scimguard.check import check_resources


def _user(username, email=None, external_id=None):
    resource = named(userName=username, externalId=external_id)
    resource["emails"] = [{"value": email or username, "primary": True}]
    if external_id is None:
        resource.pop("externalId", None)
    return resource


def _by_rule(report, rule):
    return [(ref, f) for ref, f in report.findings if f.rule == rule]


def test_duplicate_username_case_insensitive_reports_every_record():
    report = check_resources(
        [
            _user("jane@example.com", "a@example.com"),
            _user("bob@example.com"),
            _user("JANE@example.com", "b@example.com"),
            _user("Jane@Example.com", "c@example.com"),
        ]
    )
    found = _by_rule(report, "duplicate-username")
    assert sorted(ref.record for ref, _ in found) == [1, 3, 4]
    for ref, finding in found:
        others = {1, 3, 4} - {ref.record}
        assert set(finding.related) == others
        for other in others:
            assert f"record {other} " in finding.message
        assert finding.value == ref.key  # as given, not folded
    assert report.summary.records_with_errors == 3


def test_duplicate_email_external_id_and_group_name():
    report = check_resources(
        [
            _user("a@example.com", "team@example.com", "00u1"),
            _user("b@example.com", "TEAM@example.com", "00u1"),
            _user("c@example.com", "c@example.com", "00U1"),
            {"displayName": "Engineering", "members": []},
            {"displayName": "engineering", "members": []},
            {"displayName": "Engineering EU", "members": []},
        ]
    )
    assert sorted(r.record for r, _ in _by_rule(report, "duplicate-email")) == [1, 2]
    assert sorted(r.record for r, _ in _by_rule(report, "duplicate-external-id")) == [1, 2]
    names = _by_rule(report, "duplicate-group-name")
    assert sorted(r.record for r, _ in names) == [4, 5]
    assert {f.value for _, f in names} == {"Engineering", "engineering"}


def test_no_duplicate_for_distinct_users():
    report = check_resources([_user("a@example.com"), _user("a+1@example.com")])
    assert not [f for _, f in report.findings if f.rule.startswith("duplicate")]


def test_unknown_member_and_member_found_by_username_or_external_id():
    report = check_resources(
        [
            _user("jane@example.com", external_id="00u1"),
            {"displayName": "Ops", "members": [{"value": "jane@example.com"}, {"value": "00u1"}]},
            {"displayName": "Sales", "members": [{"value": "nobody@example.com"}]},
        ]
    )
    unknown = _by_rule(report, "unknown-member")
    assert [(r.record, f.value) for r, f in unknown] == [(3, "nobody@example.com")]


def test_member_that_is_a_group_of_the_input_is_nested():
    report = check_resources(
        [
            {"displayName": "Inner", "externalId": "g-inner", "members": []},
            {"displayName": "Outer", "members": [{"value": "g-inner"}]},
        ]
    )
    assert [r.record for r, _ in _by_rule(report, "nested-group")] == [2]
