"""Properties of the profile over arbitrary strings (hypothesis)."""

from __future__ import annotations

import copy
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from profile_cases import VALID_USER

from scimguard.profile import Profile, Switches
from scimguard.records.paths import parse_path, set_path

TRICKY = [
    "\u200b", "\u200d", "\u202e", "\u00ad", "\ufeff", "\u2028", "\u2029", "\u2003", "\u00a0",
    "\u3000", "\t", "\n", "\r", "\x00", "\x7f", "\ue000", "\U000e0001", " ", "<", ":", "%",
    "\u0301", "\u043e", "é", "张", "🚀", "'", "-", "+",
]  # fmt: skip
chars = st.one_of(st.characters(exclude_categories=()), st.sampled_from(TRICKY))
strings = st.text(chars, max_size=40)

HIDDEN_ALWAYS = {"Cf", "Zl", "Zp", "Co", "Cs", "Cn"}


def oracle_hidden(value: str, *, multiline: bool) -> bool:
    """rules.md, written independently of scimguard.text (joiners aside: see test_joiners)."""
    for ch in value:
        category = unicodedata.category(ch)
        if ch in "\u200c\u200d":
            continue
        if category in HIDDEN_ALWAYS:
            return True
        if category == "Cc" and (not multiline or ch not in "\t\n\r"):
            return True
        if category == "Zs" and ch not in (" ", "\u00a0", "\u3000"):
            return True
    return False


def _with(path: str, value: str) -> dict:
    resource = copy.deepcopy(VALID_USER)
    set_path(resource, parse_path(path), value)
    return resource


def _rules_at(resource: dict, path: str, profile: Profile | None = None) -> set[str]:
    findings = (profile or Profile()).check(resource)
    return {f.rule for f in findings if f.attribute == path}


def _no_joiner(value: str) -> str:
    return value.replace("\u200c", "").replace("\u200d", "")


@settings(max_examples=400, deadline=None)
@given(strings)
def test_hidden_character_fires_exactly_on_the_listed_categories_single_line(value):
    value = _no_joiner(value)
    fired = "hidden-character" in _rules_at(_with("displayName", value), "displayName")
    assert fired == oracle_hidden(value, multiline=False)


@settings(max_examples=400, deadline=None)
@given(strings)
def test_hidden_character_fires_exactly_on_the_listed_categories_multi_line(value):
    value = _no_joiner(value)
    path = "addresses[0].streetAddress"
    fired = "hidden-character" in _rules_at(_with(path, value), path)
    assert fired == oracle_hidden(value, multiline=True)


@settings(max_examples=400, deadline=None)
@given(strings)
def test_hidden_character_fires_exactly_on_the_listed_categories_identifier(value):
    value = _no_joiner(value)
    fired = "hidden-character" in _rules_at(_with("userName", value), "userName")
    assert fired == oracle_hidden(value, multiline=False)


@settings(max_examples=200, deadline=None)
@given(strings)
def test_forbidden_character_fires_exactly_on_the_five_characters(value):
    rules = _rules_at(_with("title", value), "title")
    assert ("forbidden-character" in rules) == any(c in "<>;:%" for c in value)
    legacy = Profile(Switches(allow_legacy_characters=True))
    assert "forbidden-character" not in _rules_at(_with("title", value), "title", legacy)


@settings(max_examples=200, deadline=None)
@given(strings)
def test_empty_string_fires_exactly_on_empty(value):
    assert ("empty-string" in _rules_at(_with("title", value), "title")) == (value == "")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["displayName", "userName", "externalId", "name.givenName", "title"]),
    strings,
)
def test_every_suggested_value_passes_every_rule(path, value):
    resource = _with(path, value)
    for finding in Profile().check(resource):
        if not finding.has_suggestion or finding.attribute != path:
            continue
        repaired = copy.deepcopy(resource)
        if finding.suggested_value is None:
            node = repaired
            *parents, last = parse_path(path)
            for name, _ in parents:
                node = node[name]
            node.pop(last[0])
        else:
            set_path(repaired, parse_path(path), finding.suggested_value)
        left = [f.rule for f in Profile().check(repaired) if f.attribute == path]
        assert left == [], (finding.rule, finding.suggested_value, left)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), min_size=1, max_size=20))
def test_plain_names_only_draw_findings_for_what_rules_md_lists(value):
    rules = _rules_at(_with("name.familyName", value), "name.familyName")
    expected = set()
    if any(c in "<>;:%" for c in value):
        expected.add("forbidden-character")
    if value.strip() != value:
        expected.add("blank-value")
    assert rules == expected


@settings(max_examples=500, deadline=None)
@given(strings)
def test_needs_look_is_the_documented_regex(value):
    import re

    from scimguard import text

    documented = re.compile(r"[^\x21-\x24\x26-\x39\x3d\x3f-\x7e ]|^ | $|^$")
    assert text.needs_look(value) == (documented.search(value) is not None)


def test_every_cyrillic_or_greek_letter_is_in_the_blocks_mixed_script_looks_at():
    from scimguard import text

    missed = [
        hex(cp)
        for cp in range(0x80, 0x110000)
        if not text.MAYBE_FOREIGN.match(chr(cp))
        and chr(cp).isalpha()
        and unicodedata.name(chr(cp), "").startswith(("CYRILLIC", "GREEK"))
    ]
    assert missed == []


def test_every_mark_is_a_candidate_of_the_hidden_character_search():
    """stray_marks looks for marks only in values where _MAYBE_HIDDEN finds a candidate: no
    combining mark or variation selector may be a word character to Python's `re`."""
    from scimguard import text

    missed = [
        hex(cp)
        for cp in range(0x80, 0x110000)
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me")
        and not text._MAYBE_HIDDEN.match(chr(cp))
    ]
    assert missed == []


@settings(max_examples=400, deadline=None)
@given(strings, st.booleans())
def test_visible_and_strip_hidden_spell_each_character_as_documented(value, with_names):
    """The character loops of text.visible and text.strip_hidden, written out (their short
    cuts for values without a hidden character must give the same)."""
    from scimguard import text

    hidden = set(text.hidden_positions(value))
    shown = []
    for i, ch in enumerate(value):
        if i in hidden or ch in ("\u00a0", "\u3000"):
            label = f"U+{ord(ch):04X}"
            shown.append(f"<{label} {text.char_name(ch)}>" if with_names else f"<{label}>")
        else:
            shown.append(ch)
    expected = "".join(shown) if text.needs_look(value) else value
    assert text.visible(value, with_names=with_names) == expected
    for multiline in (False, True):
        hidden = set(text.hidden_positions(value, multiline=multiline))
        kept = [
            (" " if unicodedata.category(ch) in ("Zs", "Zl", "Zp") else "") if i in hidden else ch
            for i, ch in enumerate(value)
        ]
        assert text.strip_hidden(value, multiline=multiline) == "".join(kept)
