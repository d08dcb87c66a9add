"""The fast path may only ever say "clean" when the full walk finds nothing."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from scimguard.profile import ENTERPRISE_URN, USER_URN, Profile, Switches
from scimguard.profile.fastpath import is_clean_user

CLEAN_USER = {
    "schemas": [USER_URN, ENTERPRISE_URN],
    "externalId": "00u1abcd",
    "userName": "jane.doe@example.com",
    "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
    "displayName": "Jane Doe",
    "title": "Senior Engineer",
    "locale": "en-US",
    "timezone": "America/Los_Angeles",
    "active": True,
    "emails": [{"value": "jane.doe@example.com", "type": "work", "primary": True}],
    "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
    "addresses": [
        {
            "streetAddress": "100 Main Street",
            "locality": "Springfield",
            "region": "IL",
            "postalCode": "62701",
            "country": "US",
        }
    ],
    ENTERPRISE_URN: {"employeeNumber": "12345", "department": "R&D", "manager": {"value": "m1"}},
}

# Values chosen to hit every rule's edge: blanks, forbidden characters, controls, non-ASCII.
tricky_strings = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", " ", " x", "x ", "a:b", ":", "a;b", "<", "50%", "a\u200bb", "\x7f", "a\tb", "Jоhn"]
    ),
    st.sampled_from(["Jane", "O'Brien", "Smith-Jones", "José", "张伟", "🙂", "a+b@example.com"]),
)
any_value = st.one_of(
    tricky_strings,
    st.none(),
    st.booleans(),
    st.integers(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["value", "primary", "x"]), tricky_strings, max_size=2),
)
paths = st.sampled_from(
    [
        ("userName",),
        ("externalId",),
        ("displayName",),
        ("title",),
        ("active",),
        ("schemas",),
        ("name", "givenName"),
        ("name", "familyName"),
        ("name", "middleName"),
        ("emails", 0, "value"),
        ("emails", 0, "primary"),
        ("emails", 0, "display"),
        ("phoneNumbers", 0, "value"),
        ("addresses", 0, "region"),
        (ENTERPRISE_URN, "department"),
        (ENTERPRISE_URN, "manager", "value"),
        (ENTERPRISE_URN, "manager", "displayName"),
        ("unknownThing",),
        ("password",),
    ]
)


def _set(user: dict, path: tuple, value: object) -> None:
    target = user
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(paths, any_value), min_size=1, max_size=3), st.booleans(), st.booleans())
def test_fast_path_never_hides_a_finding(edits, legacy, complete_address):
    switches = Switches(allow_legacy_characters=legacy, require_complete_address=complete_address)
    checker = Profile(switches)._checker
    user = copy.deepcopy(CLEAN_USER)
    for path, value in edits:
        _set(user, path, value)
    if is_clean_user(user, switches):
        assert checker.walk_user(user) == []


def test_clean_user_takes_the_fast_path():
    switches = Switches()
    assert is_clean_user(CLEAN_USER, switches)
    assert Profile(switches)._checker.walk_user(CLEAN_USER) == []


def test_fast_path_declines_a_value_with_a_colon():
    user = copy.deepcopy(CLEAN_USER)
    user["title"] = "Sales: EMEA"
    assert not is_clean_user(user, Switches())
    assert [f.rule for f in Profile().check_user(user)] == ["forbidden-character"]
