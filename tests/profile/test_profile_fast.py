"""The fast path never passes a user the full check would report."""

from __future__ import annotations

import copy

from hypothesis import example, given, settings
from hypothesis import strategies as st
from profile_cases import VALID_USER

from scimguard import text
from scimguard.profile import ENTERPRISE_URN, Switches
from scimguard.profile.fast import is_plainly_valid_user
from scimguard.profile.resources import ResourceChecker
from scimguard.records.paths import parse_path, set_path

PATHS = [
    "userName", "externalId", "displayName", "title", "active", "nickName", "profileUrl",
    "name", "name.givenName", "name.familyName", "name.middleName", "name.Given",
    "emails", "emails[0].value", "emails[0].primary", "emails[0].display", "emails[1].value",
    "phoneNumbers[0].value", "phoneNumbers[0].primary", "addresses", "addresses[0].locality",
    "addresses[0].country", "roles[0].value", "groups", "password", "ExternalID",
    f"{ENTERPRISE_URN}:department", f"{ENTERPRISE_URN}:manager.value",
    f"{ENTERPRISE_URN}:manager.displayName", f"{ENTERPRISE_URN}:costcenter", "schemas", "id",
]  # fmt: skip
TEXT = st.text(
    st.one_of(
        st.sampled_from([*"ab Z09@.-+'<>;:%\t\n", "\u200b", "\u00a0", "é", "\u043e"]),
        st.characters(),
    ),
    max_size=12,
)
VALUES = st.one_of(
    TEXT,
    st.just(""),
    st.none(),
    st.booleans(),
    st.sampled_from(["true", "False", "yes", "Administrator", "a" * 129, "b" * 1025]),
    st.integers(),
    st.lists(st.dictionaries(st.sampled_from(["value", "primary", "type"]), TEXT), max_size=2),
    st.dictionaries(st.sampled_from(["givenName", "familyName", "value"]), TEXT, max_size=2),
)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(PATHS), VALUES), max_size=3),
    st.lists(st.sampled_from(["userName", "name", "displayName", "emails", "addresses"])),
    st.booleans(),
)
def test_fast_path_is_sound(changes, removals, complete_address):
    user = copy.deepcopy(VALID_USER)
    for key in removals:
        user.pop(key, None)
    for path, value in changes:
        try:
            set_path(user, parse_path(path), copy.deepcopy(value))
        except (TypeError, AttributeError):
            continue  # a path through a non-container value
    checker = ResourceChecker(Switches(require_complete_address=complete_address))
    full = checker.walk_user(user)
    if is_plainly_valid_user(user, Switches(require_complete_address=complete_address)):
        assert full == [], user
    assert checker.check_user(user) == full


def test_fast_path_takes_the_common_clean_user():
    assert is_plainly_valid_user(VALID_USER)
    assert not is_plainly_valid_user({**VALID_USER, "title": "Sales: EMEA"})
    assert not is_plainly_valid_user({**VALID_USER, "displayName": "Jane\u200bDoe"})
    assert not is_plainly_valid_user({**VALID_USER, "title": "a\nb"})


@settings(max_examples=3000, deadline=None)
@given(
    st.text(
        st.one_of(
            st.sampled_from([*"ab Z09@.-+'<>;:%\t\n", "\u200b", "\u00a0", "é", "\u0301", "\u043e"]),
            st.sampled_from(["\u2028", "\x85", "\u3000", "\x1c", "\ufeff", "\u212a", "伟"]),
            st.characters(),
        ),
        max_size=12,
    )
    | st.sampled_from(["a" * 129, "b" * 1025, "Jane Doe", "José", "Zoë Müller"]),
    st.booleans(),
    st.booleans(),
)
@example("A/\u03b1", False, False)  # two words of two scripts: the compiled judge looks closer
def test_a_plainly_valid_string_draws_no_finding(value, identifier, legacy):
    from scimguard.profile import plain_values
    from scimguard.profile.values import check_string, plainly_valid_string

    name = "userName" if identifier else "title"
    expected = plainly_valid_string(value, identifier=identifier)
    compiled = plain_values.plain_value(value, name)  # compiled, when it was built
    if compiled != expected:
        # The compiled judge decides a Latin letter beside a Cyrillic or Greek one per value,
        # not per word (`mixes_scripts` in _screen.c: `A/α` is two words, one value): it may
        # ask for a closer look where the Python one passes, never the other way round.
        scripts = {text.script_of(ch) for ch in value}
        assert not compiled and "Latin" in scripts and scripts & {"Cyrillic", "Greek"}, value
    judge, plain_values._judge = plain_values._judge, None
    try:
        assert plain_values.plain_value(value, name) == expected  # the Python fallback
    finally:
        plain_values._judge = judge
    if plainly_valid_string(value, identifier=identifier):
        found = []
        check_string(
            "attr",
            value,
            found,
            identifier=identifier,
            maxlen=128,
            required=False,
            switches=Switches(allow_legacy_characters=legacy),
        )
        assert found == [], value


def test_plainly_valid_strings_take_the_common_values():
    from scimguard.profile.values import plainly_valid_string

    for value in ("Jane Doe", "José", "张伟", "O'Brien-Smith"):
        assert plainly_valid_string(value, identifier=False)
    assert not plainly_valid_string("Jane Doe", identifier=True)
    assert not plainly_valid_string("a\nb", identifier=False)
    assert not plainly_valid_string("Jane\u200b", identifier=False)
