"""The Google Workspace source against a local Directory API and token endpoint."""

from __future__ import annotations

import pytest
from fake_google import FakeGoogle
from google_helpers import small_directory, spec

from scimguard.sources import ReadContext, read_all
from scimguard.sources.google import SCOPES
from scimguard.sync.backoff import RetryPolicy


@pytest.fixture
def google(tmp_path, monkeypatch):
    with FakeGoogle(page_size=2) as fake:
        small_directory(fake)
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake.key_file(tmp_path)))
        yield fake


def names(records) -> list[str]:
    return sorted(r.name for r in records)


def test_reads_every_page_with_a_delegated_token(google):
    lines: list[str] = []
    snap = read_all([spec(google)], context=ReadContext(progress=lines.append))
    assert snap.complete, snap.problems
    assert names(snap.users) == [f"user{i}@acme.example" for i in range(7)]
    user_pages = [p for p in google.requests if p.startswith("/admin/directory/v1/users")]
    assert len(user_pages) == 4  # 2+2+2+1, by pageToken
    assert "maxResults=500" in user_pages[0] and "customer=my_customer" in user_pages[0]
    assert "pageToken=" in user_pages[1]
    assert google.grants == 1  # one token for the whole read
    assert "Google Workspace: 7 users read (page 4)" in lines


def test_users_are_mapped_as_aws_integration_maps_them(google):
    google.users[0].update(
        organizations=[
            {"title": "Intern", "department": "Ops"},
            {"title": "Engineer", "department": "R&D", "costCenter": "CC1", "primary": True},
        ],
        addresses=[{"type": "home", "locality": "Porto", "countryCode": "PT", "primary": True}],
        phones=[
            {"value": "+351 1", "type": "home"},
            {"value": "+351 2", "type": "work_mobile", "primary": True},
        ],
        externalIds=[{"type": "organization", "value": "E-7"}],
    )
    snap = read_all([spec(google)])
    first = next(r for r in snap.users if r.external_id == "100")
    ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert first.resource == {
        "externalId": "100",
        "userName": "user0@acme.example",
        "name": {"givenName": "First0", "familyName": "Last0"},
        "displayName": "First0 Last0",
        "emails": [{"value": "user0@acme.example", "type": "work", "primary": True}],
        "title": "Engineer",
        ent: {"department": "R&D", "costCenter": "CC1", "employeeNumber": "E-7"},
        "addresses": [{"locality": "Porto", "country": "PT", "type": "home"}],
        "phoneNumbers": [{"value": "+351 2", "type": "mobile"}],
        "active": True,
    }
    assert first.source["id"] == "100" and first.source["type"] == "google"
    assert "backoff" not in first.source
    suspended = next(r for r in snap.users if r.external_id == "103")
    assert suspended.resource["active"] is False


def test_a_mapping_file_overrides_targets(google, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('displayName = "{name.fullName}"\ntitle = "orgUnitPath"\n')
    google.users[0]["name"]["fullName"] = "Zero the First"
    snap = read_all([spec(google, mapping=str(mapping))])
    first = next(r for r in snap.users if r.external_id == "100")
    assert first.resource["displayName"] == "Zero the First"
    assert first.resource["title"] == "/"


def test_nested_groups_are_flattened_and_named(google):
    snap = read_all([spec(google)])
    groups = {g.name: g for g in snap.groups}
    assert [m["value"] for m in groups["Engineering"].resource["members"]] == ["100", "101", "102"]
    assert groups["Engineering"].source["nested"] == ["backend@acme.example"]
    assert "nested" not in groups["Sales"].source
    assert groups["Sales"].external_id == "g-sales"


def test_a_nested_cycle_is_read_once(google):
    from fake_google import member

    google.members["g-back"].append(member("g-eng", "eng@acme.example", "GROUP"))
    snap = read_all([spec(google)])
    eng = next(g for g in snap.groups if g.name == "Engineering")
    assert [m["value"] for m in eng.resource["members"]] == ["100", "101", "102"]
    assert eng.source["nested"] == ["backend@acme.example"]


def test_user_query_keeps_group_members_among_those_users(google):
    snap = read_all([spec(google, user_query="email:user1*")])
    assert snap.complete, snap.problems
    assert names(snap.users) == ["user1@acme.example"]
    assert "query=email%3Auser1%2A" in next(p for p in google.requests if "/users" in p)
    eng = next(g for g in snap.groups if g.name == "Engineering")
    assert [m["value"] for m in eng.resource["members"]] == ["101"]


def test_group_query_reads_those_groups_and_their_members(google):
    snap = read_all([spec(google, group_query="name:Sales")])
    assert snap.complete, snap.problems
    assert [g.name for g in snap.groups] == ["Sales"]
    assert names(snap.users) == ["user5@acme.example", "user6@acme.example"]


def test_a_bad_query_is_a_problem_with_google_s_own_words(google):
    snap = read_all([spec(google, group_query="color:blue")])
    assert not snap.complete
    assert "400" in snap.problems[0] and "Invalid Input (invalid)" in snap.problems[0]


@pytest.mark.parametrize(
    "throttle",
    [
        [429, 429],
        ["userRateLimitExceeded", "rateLimitExceeded"],
        [429, "quotaExceeded", "rateLimitExceeded"],
    ],
)
def test_throttling_mid_read_recovers_honouring_retry_after(google, throttle):
    google.retry_after = "0.2"
    read_all([spec(google)])  # a token first: the throttled answers come mid-read
    google.requests.clear()
    google.throttle = list(throttle)
    snap = read_all([spec(google)])
    assert snap.complete, snap.problems
    assert google.throttled == len(throttle)
    assert names(snap.users) == [f"user{i}@acme.example" for i in range(7)]


def test_retry_after_is_waited_for(google):
    import time

    google.retry_after = "1"
    google.throttle = ["userRateLimitExceeded"]
    started = time.monotonic()
    snap = read_all([spec(google)])
    assert snap.complete, snap.problems
    assert time.monotonic() - started >= 1.0  # the backoff base alone is 0.01 s


def test_a_failing_page_makes_the_read_partial(google):
    google.fail_page = ("users", 3)
    context = ReadContext(retry=RetryPolicy(max_attempts=2))
    snap = read_all([spec(google)], context=context)
    assert not snap.complete
    assert "503" in snap.problems[0] and "/admin/directory/v1/users" in snap.problems[0]
    assert len(snap.users) == 4  # pages 1 and 2


def test_throttling_that_never_ends_is_a_problem(google):
    google.retry_after = "0"
    google.throttle = ["rateLimitExceeded"] * 10
    snap = read_all([spec(google)], context=ReadContext(retry=RetryPolicy(max_attempts=3)))
    assert not snap.complete
    assert "after 3 attempts (403)" in snap.problems[0]


def test_subject_that_is_not_an_admin_is_the_token_endpoint_s_words(google):
    snap = read_all([spec(google, subject="someone@acme.example")])
    assert not snap.complete
    assert "Invalid email or User ID" in snap.problems[0]
    assert "someone@acme.example" in snap.problems[0]
    assert not [p for p in google.requests if p.startswith("/admin")]


def test_scopes_not_delegated_say_which_scopes(google):
    google.granted_scopes = {SCOPES[0]}
    snap = read_all([spec(google)])
    assert "unauthorized_client" in snap.problems[0]
    assert "admin.directory.group.member.readonly" in snap.problems[0]


def test_another_customer_is_refused_with_google_s_words(google):
    snap = read_all([spec(google, customer="C999")])
    assert not snap.complete
    assert "403" in snap.problems[0]
    assert "Not Authorized to access this resource/api (forbidden)" in snap.problems[0]


def test_a_missing_or_broken_key_is_a_problem_not_a_crash(google, monkeypatch, tmp_path):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    snap = read_all([spec(google)])
    assert "GOOGLE_APPLICATION_CREDENTIALS is not set" in snap.problems[0]
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "service_account"}')
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(broken))
    snap = read_all([spec(google)])
    assert "not a service account JSON key" in snap.problems[0]


def test_a_403_that_is_no_rate_limit_is_not_retried(google):
    google.throttle = ["forbidden"]
    snap = read_all([spec(google)])
    assert not snap.complete
    assert "403" in snap.problems[0] and "forbidden" in snap.problems[0]
    assert len([p for p in google.requests if p.startswith("/admin")]) == 1


def test_an_expiring_token_is_renewed_during_the_read(google):
    google.expires_in = 60  # within google-auth's refresh margin: renewed before each request
    snap = read_all([spec(google)])
    assert snap.complete, snap.problems
    assert google.grants == len(google.requests) > 1


def test_members_follow_a_mapping_that_changes_the_external_id(google, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text('externalId = "primaryEmail"\n')
    snap = read_all([spec(google, mapping=str(mapping))])
    sales = next(g for g in snap.groups if g.name == "Sales")
    assert [m["value"] for m in sales.resource["members"]] == [
        "user5@acme.example",
        "user6@acme.example",
    ]
    assert next(r for r in snap.users if r.name == "user5@acme.example").external_id == (
        "user5@acme.example"
    )


def test_a_broken_mapping_file_is_a_problem_not_a_crash(google, tmp_path):
    mapping = tmp_path / "map.toml"
    mapping.write_text("title = \n")
    snap = read_all([spec(google, mapping=str(mapping))])
    assert not snap.complete and snap.users == []
    assert "not valid TOML" in snap.problems[0] and str(mapping) in snap.problems[0]
