"""The compiled clean-user screen agrees with the Python reference (orjson + the fast path).

The compiled screen may look closer more often than the reference (a number it does not read,
a key given twice), never less: every line it passes, the reference passes with the same keys.
On lines built from dicts without numbers the two must agree exactly.
"""

from __future__ import annotations

import copy
import json
import os
import random

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from profile_cases import VALID_USER

from scimguard.profile import ENTERPRISE_URN, GROUP_URN, Switches, schema
from scimguard.profile import screen as screen_module
from scimguard.profile.screen import Screened, make_screen, screen_lines
from scimguard.records.paths import parse_path, set_path

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")  # as tests/conftest.py says
needs_compiled = pytest.mark.skipif(
    not screen_module.COMPILED and not IN_CI, reason="the C screen was not built here"
)


def test_the_compiled_screen_is_built_in_ci():
    """CI builds the extension (gcc is there): a silent fallback would hide a slow `check`."""
    if not screen_module.COMPILED:
        if IN_CI:
            pytest.fail("scimguard.profile._screen was not built: check falls back to Python")
        pytest.skip("the C screen was not built here")


@needs_compiled
def test_the_compiled_screen_knows_the_schema_of_profile_schema():
    known = screen_module._screen.KNOWN
    assert known["user_strings"] == schema.USER_STRINGS
    assert known["name_subs"] == schema.NAME_SUBS
    multi = schema.MULTI_SUBS
    assert known["value_type_subs"] | {"primary"} == multi["emails"] == multi["phoneNumbers"]
    assert known["value_type_subs"] | {"primary"} == multi["roles"]
    assert known["address_subs"] | {"primary"} == multi["addresses"]
    assert known["enterprise_subs"] == schema.ENTERPRISE_STRINGS
    assert known["top"] == (
        schema.USER_STRINGS
        | schema.SKIPPED
        | {"name", "active", ENTERPRISE_URN, "profileUrl"}
        | set(schema.MULTI_VALUED)
    )
    assert known["max_username"] == schema.MAX_LENGTH["userName"]
    assert known["max_external_id"] == schema.MAX_LENGTH["externalId"]
    assert known["max_other"] == schema.DEFAULT_MAX_LENGTH


def both(lines: list[bytes], complete_address: bool = True) -> tuple[Screened, Screened]:
    switches = Switches(require_complete_address=complete_address)
    compiled = make_screen(switches)(lines)
    reference = screen_lines(lines, switches)
    return compiled, reference


def passed(result: Screened, count: int) -> list[int]:
    closer = set(result.look_closer)
    return [i for i in range(count) if i not in closer]


def assert_never_passes_more(lines: list[bytes], complete_address: bool = True) -> None:
    """Every line the compiled screen passes, the reference passes, with the same keys."""
    compiled, reference = both(lines, complete_address)
    assert set(compiled.look_closer) >= set(reference.look_closer), lines
    by_line = dict(
        zip(passed(reference, len(lines)), zip(*reference[1:6], strict=True), strict=True)
    )
    for position, keys in zip(
        passed(compiled, len(lines)), zip(*compiled[1:6], strict=True), strict=True
    ):
        assert keys == by_line[position], lines[position]


def assert_agree(lines: list[bytes], complete_address: bool = True) -> None:
    compiled, reference = both(lines, complete_address)
    assert compiled == reference, lines
    # The lowered key is the userName object itself exactly when nothing changed.
    for a, b in ((compiled, reference),):
        for username, key, email in zip(a.usernames, a.keys, a.emails, strict=True):
            assert (key is username) == (key == username)
            assert email is None or (email is key) == (email == key)
        assert [k is u for u, k in zip(b.usernames, b.keys, strict=True)] == [
            k is u for u, k in zip(a.usernames, a.keys, strict=True)
        ]


# --- examples -------------------------------------------------------------------------------


def line(user: object) -> bytes:
    return orjson.dumps(user)


@needs_compiled
def test_a_clean_user_passes_with_its_keys():
    user = {**VALID_USER, "userName": "Jane.Doe@Example.com", "id": "u-1"}
    user["emails"] = [{"value": "JANE.doe@example.com", "primary": True}]
    result = make_screen()([line(user)])
    assert result.look_closer == []
    assert result.usernames == ["Jane.Doe@Example.com"]
    assert result.keys == ["jane.doe@example.com"]
    assert result.emails[0] is result.keys[0]  # one string object for both dicts
    assert result.external_ids == ["00u1abc"]
    assert result.ids == ["u-1"]
    assert_agree([line(user)])


@needs_compiled
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \n",
        b"garbage",
        b"[]",
        b"{}",
        b'{"userName": "a"}',
        line(VALID_USER)[:-1],  # truncated
        line(VALID_USER) + b" x",  # something after the object
        line(VALID_USER) + b"\x00",
        line(VALID_USER).replace(b'"Jane"', b'"Ja\xffne"'),  # not UTF-8
        line(VALID_USER).replace(b'"Jane"', b'"Ja\xed\xa0\x80ne"'),  # a surrogate in UTF-8
        line(VALID_USER).replace(b'"Jane"', b'"Ja\\ud800ne"'),  # a lone surrogate escape
        line(VALID_USER).replace(b'"Jane"', b'"Ja\\udc00ne"'),
        line(VALID_USER).replace(b'"Jane"', b'"Ja\\x41ne"'),  # not a JSON escape
        line(VALID_USER).replace(b'"Jane"', b'"Ja\tne"'),  # a raw control character
        line(VALID_USER).replace(b'"Jane"', b'"Ja\\u003cne"'),  # an escaped <
        line(VALID_USER).replace(b'"Jane"', b'"Ja\\u200bne"'),  # an escaped ZWSP
        line(VALID_USER).replace(b'"Jane"', b'"Jane\\n"'),
        line(VALID_USER).replace(b'"title":', b'"title":"x","title":'),  # a key twice
        line(VALID_USER)[:-1] + b',"ID":"x"}',  # an attribute the fast path does not know
        line(VALID_USER)[:-1] + b',"id":1e400}',  # orjson refuses an infinite number
        line(VALID_USER)[:-1] + b',"meta":{"version":1.5e3}}',  # an exponent
        line(VALID_USER)[:-1] + b',"meta":{"version":01}}',
        line(VALID_USER)[:-1] + b',"meta":' + b"[" * 40 + b"]" * 40 + b"}",  # deep
        line({**VALID_USER, "schemas": [GROUP_URN]}),
        line({**VALID_USER, "userName": "ADMINISTRATOR"}),
        line({**VALID_USER, "userName": "a" * 129}),
        line({**VALID_USER, "externalId": "x" * 257}),
        line({**VALID_USER, "externalId": "a b"}),
        line({**VALID_USER, "userName": "jane doe"}),
        line({**VALID_USER, "displayName": "Jose\u0301"}),  # not NFC
        line({**VALID_USER, "displayName": "J\u043ehn"}),  # a Cyrillic letter
        line({**VALID_USER, "emails": [{"value": "a@b.c", "primary": False}]}),
        line({**VALID_USER, "emails": [{"value": "a@b.c", "primary": "true"}]}),
        line({**VALID_USER, "active": "true"}),
        line({**VALID_USER, "addresses": [{"locality": "Berlin", "country": "DE"}]}),
        line({**VALID_USER, "members": []}),
        line({**VALID_USER, "profile": {}}),
        # the second edition (rules.md): what the screen must send to the profile
        line({**VALID_USER, ENTERPRISE_URN: {"manager": {"value": "m1", "$ref": {"x": [None]}}}}),
        line({**VALID_USER, ENTERPRISE_URN: {"manager": {"value": "m1", "$ref": ""}}}),
        line({**VALID_USER, "profileUrl": "https://x/\u200bjane"}),
        line({**VALID_USER, "profileUrl": " https://x/jane"}),
        line({**VALID_USER, "profileUrl": "https://x/\u0000"}),
        line({**VALID_USER, "title": "Line\tTab"}),
        line({**VALID_USER, "displayName": "Jane\nDoe"}),
        line({**VALID_USER, "displayName": "\u0301Jane"}),
        line({**VALID_USER, "displayName": "Jane \u0301Doe"}),
        line({**VALID_USER, "displayName": "Jane\ufe0f"}),
        line({**VALID_USER, "displayName": "\u0645\u06cc\u200c\u062e\u0648"}),
        line({**VALID_USER, "displayName": "Dev \U0001f469\u200d\U0001f4bb"}),
        line({**VALID_USER, "addresses": [{"type": "work", "locality": "Berlin"}]}),
    ],
)
def test_lines_to_look_closer_at(raw):
    assert make_screen()([raw]).look_closer == [0]
    assert_never_passes_more([raw])


@needs_compiled
@pytest.mark.parametrize(
    "raw",
    [
        line(VALID_USER) + b"\r\n",
        b"  " + line(VALID_USER) + b"\t\n",
        json.dumps(VALID_USER, indent=None, separators=(" , ", " : ")).encode(),
        json.dumps({**VALID_USER, "displayName": "Zoë Müller"}, ensure_ascii=True).encode(),
        line({**VALID_USER, "displayName": "张伟", "nickName": "O'Brien-Smith"}),
        line(VALID_USER).replace(b'"Jane"', b'"J\\u0061ne"'),
        line(VALID_USER).replace(b'"userName"', b'"user\\u004eame"'),  # an escaped key
        line({**VALID_USER, "id": None, "meta": {"version": 'W/"1"', "n": [1, -2.5, True]}}),
        line({**VALID_USER, "profileUrl": "https://x/<;:%>"}),
        line(
            {**VALID_USER, ENTERPRISE_URN: {"manager": {"value": "m1", "$ref": "https://x/U/m1"}}}
        ),
        line({**VALID_USER, "addresses": [{"type": "work"}]}),  # no part at all: no address
        line({**VALID_USER, "displayName": "Jos\u00e9 Ngô", "title": "\u0928\u094d\u0928"}),
        line({**VALID_USER, "schemas": "not a list"}),
        line({**VALID_USER, "title": "Team \U0001f600", "nickName": "\U0001ee67"}),  # not BMP
    ],
)
def test_lines_both_screens_pass(raw):
    assert make_screen()([raw]).look_closer == []
    assert_agree([raw])


@needs_compiled
def test_the_address_switch():
    raw = line({**VALID_USER, "addresses": [{"locality": "Berlin", "country": "DE"}]})
    assert make_screen(Switches(require_complete_address=False))([raw]).look_closer == []
    assert make_screen(Switches(require_complete_address=True))([raw]).look_closer == [0]
    assert_agree([raw], complete_address=False)


@needs_compiled
def test_non_bytes_are_refused_with_a_type_error():
    screen = make_screen()
    with pytest.raises(TypeError):
        screen(["a str"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        screen((b"{}",))  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------

PATHS = [
    "userName", "externalId", "displayName", "title", "active", "nickName", "profileUrl",
    "locale", "timezone", "userType", "preferredLanguage", "name.formatted",
    "name", "name.givenName", "name.familyName", "name.middleName", "name.Given",
    "emails", "emails[0].value", "emails[0].primary", "emails[0].display", "emails[1].value",
    "phoneNumbers[0].value", "phoneNumbers[0].primary", "addresses", "addresses[0].locality",
    "addresses[0].country", "roles[0].value", "groups", "password", "ExternalID", "members",
    f"{ENTERPRISE_URN}:department", f"{ENTERPRISE_URN}:manager.value",
    f"{ENTERPRISE_URN}:manager.$ref", f"{ENTERPRISE_URN}:manager.displayName",
    f"{ENTERPRISE_URN}:costcenter", "schemas", "id", "meta.location",
]  # fmt: skip
CHARS = st.one_of(
    st.sampled_from(
        [*"abeZ 09@.-+'\"\\/<>;:%\t\n", "\u200b", "\u00a0", "é", "\u0301", "\u043e", "伟"]
    ),
    st.sampled_from(["\u212a", "\u0130", "\u1161", "\ufeff", "\U0001f600", "\x7f", "\x00"]),
    st.characters(codec="utf-8"),  # no lone surrogate: orjson cannot write one
)
TEXT = st.text(CHARS, max_size=12)
VALUES = st.one_of(
    TEXT,
    st.just(""),
    st.none(),
    st.booleans(),
    st.sampled_from(
        ["true", "Administrator", "AWSAdministrators", "a" * 129, "b" * 257, "c" * 1025, GROUP_URN]
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.dictionaries(st.sampled_from(["value", "primary", "type"]), TEXT), max_size=2),
    st.dictionaries(st.sampled_from(["givenName", "familyName", "value"]), TEXT, max_size=2),
    st.lists(st.sampled_from([GROUP_URN, "urn:x", ENTERPRISE_URN]), max_size=2),
)


def changed_user(changes, removals):
    user = copy.deepcopy(VALID_USER)
    for key in removals:
        user.pop(key, None)
    for path, value in changes:
        try:
            set_path(user, parse_path(path), copy.deepcopy(value))
        except (TypeError, AttributeError):
            continue  # a path through a non-container value
    return user


def encodings(user) -> list[bytes]:
    """The same user as orjson writes it, as Python's json writes it (escapes), spaced out."""
    return [
        orjson.dumps(user),
        json.dumps(user, ensure_ascii=True).encode(),
        json.dumps(user, ensure_ascii=False, indent=None, separators=(" ,\t", " :\r")).encode(),
    ]


@needs_compiled
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(PATHS), VALUES), max_size=3),
    st.lists(st.sampled_from(["userName", "name", "displayName", "emails", "addresses"])),
    st.booleans(),
)
@example([("userName", "Jöe@Example.com")], [], True)
@example([("emails[0].value", "JOË@x.com"), ("userName", "joë@x.com")], [], True)
def test_the_screens_agree_on_users_without_numbers_in_odd_places(
    changes, removals, complete_address
):
    user = changed_user(changes, removals)
    assert_agree(encodings(user), complete_address)


@needs_compiled
@settings(max_examples=1500, deadline=None)
@given(st.data(), st.booleans())
def test_the_compiled_screen_never_passes_a_line_the_reference_refuses(data, complete_address):
    """Random edits of a clean line's bytes (broken JSON, bad UTF-8, odd escapes)."""
    raw = bytearray(orjson.dumps({**VALID_USER, "displayName": "Zoë Müller", "id": "x"}))
    edits = data.draw(st.integers(min_value=1, max_value=4))
    for _ in range(edits):
        at = data.draw(st.integers(min_value=0, max_value=len(raw)))
        what = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(
            st.one_of(
                st.sampled_from(list(b'"\\{}[],: u0\x00\xc3\xa9\xe2\x80\x8b\xff')),
                st.integers(0, 255),
            )
        )
        if what == "insert":
            raw[at:at] = bytes([byte])
        elif at < len(raw):
            if what == "delete":
                del raw[at]
            else:
                raw[at] = byte
    assert_never_passes_more([bytes(raw)], complete_address)


@needs_compiled
def test_the_screens_agree_on_a_generated_export():
    """A batch as `check` sends it: the benchmark's generator, defects included."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "bench" / "check_throughput.py"
    spec = importlib.util.spec_from_file_location("check_throughput", path)
    bench = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(bench)
    rng = random.Random(7)
    users = []
    previous = "user0@example.com"
    for n in range(1, 3001):
        user = bench.synthetic_user(rng, n)
        if rng.random() < 0.2:
            bench.add_defect(rng, user, previous)
        previous = user["userName"]
        users.append(user)
    lines = [orjson.dumps(u) + b"\n" for u in users]
    compiled, reference = both(lines)
    assert compiled == reference
    assert 0 < len(compiled.look_closer) < len(lines)


# --- the compiled feed of the duplicate tracker ---------------------------------------------

KEYS = st.sampled_from(["a@x.com", "A@x.com", "b@x.com", "Ö@x.com", "ö@x.com", "c@x.com"])
# a run of users as (userName, email, externalId, id), each but the first possibly absent
USERS_KEYS = st.lists(
    st.tuples(
        KEYS,
        st.one_of(st.none(), KEYS),
        st.one_of(st.none(), st.sampled_from(["e1", "e2", "E1"])),
        st.one_of(st.none(), st.sampled_from(["i1", "i2"])),
    ),
    max_size=6,
)


def screened_run(file, first_record, first_line, users, lines=None):
    """A ScreenedUsers run as the screen makes it (lowered keys, shared objects)."""
    from scimguard.records.model import ScreenedUsers

    run = ScreenedUsers(file, first_record, first_line, [], [], [], [], [], lines)
    for username, email, external_id, user_id in users:
        key = username.lower()
        key = username if key == username else key
        lowered = None if email is None else email.lower()
        run.usernames.append(username)
        run.keys.append(key)
        run.emails.append(key if lowered == key else lowered)
        run.external_ids.append(external_id)
        run.ids.append(user_id)
    return run


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        USERS_KEYS,
        max_size=4,
    ),
    st.booleans(),
)
def test_the_compiled_feed_keeps_what_the_python_loop_keeps(runs, given_lines):
    from scimguard.profile import DuplicateTracker, duplicates

    def fill(feed):
        saved = duplicates._feed
        duplicates._feed = feed
        try:
            tracker = DuplicateTracker()
            record = 1
            for number, users in enumerate(runs):
                file = f"file{number % 2}.jsonl"  # a second file: packed values beyond 64 bits
                first_line = 10 * number + 1
                # the elements of a JSON array: a line each, not consecutive
                lines = [first_line + 3 * i for i in range(len(users))] if given_lines else None
                tracker.add_screened(screened_run(file, record, first_line, users, lines))
                record += len(users)
            return tracker
        finally:
            duplicates._feed = saved

    compiled, python = fill(duplicates._feed), fill(None)
    assert duplicates._feed is not None
    for attribute in ("_by_username", "_by_email", "_by_user_external_id", "_odd_case"):
        assert getattr(compiled, attribute) == getattr(python, attribute), attribute
    assert compiled._user_ids == python._user_ids
    assert compiled._clashes == python._clashes
    assert list(compiled.finish()) == list(python.finish())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),  # screened (add_screened) or read whole (add_user_keys)
            USERS_KEYS,
        ),
        max_size=5,
    ),
    st.booleans(),
)
def test_emails_kept_in_the_username_dict_give_the_findings_of_the_email_dict(runs, compiled):
    """add_screened keeps an email equal to its userName key in the userName dict (flagged),
    add_user_keys never does: the same users, by either path, give the same findings."""
    from scimguard.profile import DuplicateTracker, duplicates
    from scimguard.records.model import Record

    def fill(screened_runs: bool):
        tracker = DuplicateTracker()
        record = 1
        for number, (screened, users) in enumerate(runs):
            file = f"file{number % 2}.jsonl"
            if screened and screened_runs:
                tracker.add_screened(screened_run(file, record, record, users))
                record += len(users)
                continue
            for username, email, external_id, user_id in users:
                ref = Record(record, file, record, "user", {})
                tracker.add_user_keys(ref, username, email, external_id, user_id)
                record += 1
        return tracker

    saved = duplicates._feed
    if not compiled:
        duplicates._feed = None
    elif saved is None:
        pytest.skip("the C screen was not built here")
    try:
        mixed, whole = fill(True), fill(False)
    finally:
        duplicates._feed = saved
    assert whole._implicit == 0
    assert list(mixed.finish()) == list(whole.finish())


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([b"", b"  ", b"{broken", b"[]", b"\r"]),
            st.builds(
                lambda changes: orjson.dumps(changed_user(changes, [])),
                st.lists(st.tuples(st.sampled_from(PATHS), VALUES), max_size=2),
            ),
        ),
        max_size=8,
    ),
    st.booleans(),
)
def test_the_block_screen_is_the_line_screen_on_joined_lines(lines, final_newline):
    from scimguard.profile.screen import make_block_screen, screen_block

    block = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    compiled = make_block_screen()(block)
    assert compiled == screen_block(block)
    by_lines = make_screen()(block.split(b"\n")[: compiled.lines])
    assert compiled.look_closer == by_lines.look_closer
    assert compiled[4:] == tuple(by_lines[1:])
    for at, closer in enumerate(compiled.look_closer):
        assert block[compiled.starts[at] : compiled.ends[at]] == block.split(b"\n")[closer]


@needs_compiled
def test_the_nfc_question_is_asked_once_per_distinct_value():
    """The screen keeps is_nfc's answer per value (its bytes): a repeated Hindi name is asked
    once, and a value that differs by one code point (its NFD form) gets its own answer."""
    from scimguard.profile import fast

    asked: list[str] = []

    def is_nfc(value: str) -> bool:
        asked.append(value)
        return screen_module._is_nfc(value)

    composed, decomposed = "\u0928\u093f\u0927\u093f", "Jose\u0301"  # निधि: vowel signs
    screener = screen_module._screen.Screener(
        fast._screen_verdict, is_nfc, schema.RESERVED_NAMES, GROUP_URN.encode(), True
    )
    users = [
        {**VALID_USER, "displayName": value}
        for value in (composed, decomposed, composed, decomposed, "Jos\u00e9", composed)
    ]
    look_closer, *_ = screener.screen([line(user) for user in users])
    assert look_closer == [1, 3]  # the NFD value, each time, as the reference says
    assert look_closer == screen_lines([line(user) for user in users]).look_closer
    assert sorted(asked) == sorted([composed, decomposed])  # é composed is NFC-inert: not asked
    screener.screen([line(users[0])] * 3)
    assert len(asked) == 2


# --- misuse of the compiled screen: errors, never a crash -----------------------------------


@needs_compiled
def test_a_screener_that_screens_again_from_a_callback_is_refused():
    from scimguard.profile import fast

    def safe_char(ch):
        screener.screen([line(VALID_USER)])  # re-entry would reset the arena under the caller
        return fast._safe_char(ch)

    screener = screen_module._screen.Screener(
        safe_char, screen_module._is_nfc, schema.RESERVED_NAMES, GROUP_URN.encode(), True
    )
    with pytest.raises(RuntimeError, match="re-entered"):
        screener.screen([line({**VALID_USER, "displayName": "Zoë"})])
    assert screener.screen([line(VALID_USER)]).__len__() == 7  # usable again afterwards


@needs_compiled
def test_a_callback_that_empties_the_list_does_not_pull_lines_away():
    from scimguard.profile import fast

    lines = [line({**VALID_USER, "displayName": "Zoë"}), line(VALID_USER)]

    def safe_char(ch):
        lines.clear()
        return fast._safe_char(ch)

    screener = screen_module._screen.Screener(
        safe_char, screen_module._is_nfc, schema.RESERVED_NAMES, GROUP_URN.encode(), True
    )
    look_closer, usernames, *_ = screener.screen(lines)
    assert look_closer == [] and usernames == [VALID_USER["userName"]] * 2


@needs_compiled
def test_an_is_nfc_that_initialises_the_screener_again_leaves_it_usable():
    """The table of NFC answers is dropped when the screener is initialised again: a callback
    that does so must not make the screener write into the dropped table."""
    from scimguard.profile import fast

    def is_nfc(value: str) -> bool:
        screener.__init__(
            fast._screen_verdict, screen_module._is_nfc, schema.RESERVED_NAMES, b"g", True
        )
        return screen_module._is_nfc(value)

    screener = screen_module._screen.Screener(
        fast._screen_verdict, is_nfc, schema.RESERVED_NAMES, GROUP_URN.encode(), True
    )
    assert screener.plain_value("Jose\u0301", False) is False  # NFD: not plain
    assert screener.plain_value("\u0928\u093f\u0927\u093f", False) is True
    assert screener.plain_value("Jose\u0301", False) is False


@needs_compiled
def test_an_uninitialised_screener_raises():
    screener = screen_module._screen.Screener.__new__(screen_module._screen.Screener)
    with pytest.raises(RuntimeError, match="not initialised"):
        screener.screen([b'{"schemas":["x"]}'])
    with pytest.raises(RuntimeError, match="not initialised"):
        screener.screen_block(b"{}")
    with pytest.raises(RuntimeError, match="not initialised"):
        screener.plain_value("café", False)


@needs_compiled
def test_feed_takes_only_plain_strings():
    class Sly(str):
        def __hash__(self):
            raise AssertionError("no Python code may run inside feed")

    args = ({}, {}, {}, {}, set(), 1, 2, 3, [Sly("a")], ["a"], [None], [None], [None], 0)
    with pytest.raises(TypeError):
        screen_module._screen.feed(*args)
