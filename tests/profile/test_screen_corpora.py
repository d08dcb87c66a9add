"""The screens over the corpora of tests/corpora.py (issues 12 and 21): on real names from 26
locales, on one record per defect, and on every corpus user given each defect in turn, neither
screen ever passes a user the profile reports, and the compiled one never passes more than the
Python reference."""

from __future__ import annotations

import copy

import orjson
import pytest

from corpora import RULE_DEFECTS, defect_users, legitimate_users
from scimguard.profile import Profile, fast
from scimguard.profile.screen import make_screen, screen_lines

PROFILE = Profile()


def _with_defect(user: dict, changes: dict) -> dict:
    out = copy.deepcopy(user)
    for key, value in changes.items():
        if key.startswith("name."):
            out["name"][key[5:]] = value
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


@pytest.fixture(scope="module")
def corpus_users():
    legit = legitimate_users()
    defects = [user for code, user in defect_users() if code]
    one_defect = [
        _with_defect(user, changes) for user in legit[::7] for _code, changes in RULE_DEFECTS
    ]
    return legit, defects + one_defect


def _assert_sound(users: list[dict]) -> tuple[int, int]:
    """Both screens pass only users with no finding; returns (passed, clean) for the compiled."""
    lines = [orjson.dumps(u) for u in users]
    compiled = make_screen()(lines)
    reference = screen_lines(lines)
    closer_c, closer_r = set(compiled.look_closer), set(reference.look_closer)
    assert closer_c >= closer_r  # the compiled screen never passes more
    clean = 0
    for position, user in enumerate(users):
        findings = PROFILE.walk_user(user)
        clean += not findings
        assert fast.is_plainly_valid_user(user) <= (not findings), user
        if position not in closer_r:
            assert findings == [], (user, findings)
    return len(users) - len(closer_c), clean


def test_the_screens_never_pass_a_reported_legitimate_user(corpus_users):
    legit, _defects = corpus_users
    passed, clean = _assert_sound(legit)
    # Real names mostly pass the screen: only joiners, selectors, marks after a space and
    # Cyrillic/Greek letters make it look closer (issue 21 counts the rest).
    assert passed >= 0.75 * clean, (passed, clean)


def test_the_screens_never_pass_a_defect(corpus_users):
    _legit, defects = corpus_users
    lines = [orjson.dumps(u) for u in defects]
    assert make_screen()(lines).look_closer == list(range(len(lines)))
    assert screen_lines(lines).look_closer == list(range(len(lines)))
    _assert_sound(defects)


def test_nfc_inert_code_points_never_compose_with_what_precedes_them():
    """The screen asks no NFC question of a value whose code points are all NFC-inert: sound
    only if no such code point is the second of a canonical composition (or Hangul jamo)."""
    import unicodedata

    followers = set()
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            followers.add(chr(int(parts[1], 16)))
    inert = [
        chr(cp) for cp in range(0x80, 0x30000) if fast._screen_verdict(chr(cp)) & fast.NFC_INERT
    ]
    assert len(inert) > 50_000  # letters of every script, CJK, symbols
    assert not followers.intersection(inert)
    for ch in inert[::97]:
        assert unicodedata.is_normalized("NFC", "a" + ch + "\u00e9" + ch), hex(ord(ch))
