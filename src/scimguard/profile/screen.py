"""The clean-user screen: JSON lines judged before they are parsed, in batches.

Most users of an export are clean. For those, `check` needs no finding, only the keys the
duplicate rules compare, so `make_screen()` returns a function that takes a batch of raw JSON
lines and answers, per line, "plainly valid user, here are its keys" or "look closer". The
lines that need a closer look are parsed and checked in full by the caller.

`pass_warned=True` (what `check` asks) adds a third answer: "valid user but for some of its
values, here are its keys and those values (with their paths)". Every rule that looks beyond one
value passed it, so its findings are those of the values alone (`Profile.check_values`, cached
per value): the user is neither parsed nor walked. A value is judged whole, so a character whose
verdict depends on its neighbour (a combining mark after U+3000) only makes its own value
warned. `fix` and the parallel check keep the two answers.

The compiled screen (`_screen.c`) answers without building a dict: that is what keeps `check`
within a small factor of merely parsing its input (bench/RESULTS.md). When it could not be
built (no C compiler at install time), `screen_lines` below does the same job in Python at the
speed of the rest of the profile. The two agree by construction of the tests
(tests/profile/test_screen.py): the compiled one may look closer more often (a number, a key
given twice), never less.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import orjson

from scimguard.profile import fast, schema
from scimguard.profile.fast import Warned
from scimguard.profile.switches import DEFAULT_SWITCHES, Switches

try:  # built by `pip install` (setuptools ext-modules in pyproject.toml)
    from scimguard.profile import _screen
except ImportError:  # pragma: no cover - exercised only where no compiler was available
    _screen = None  # type: ignore[assignment]  # the stub types the module; None: not built

COMPILED = _screen is not None


class Screened(NamedTuple):
    """What a batch of lines gave: positions to look closer at, then a column per key.

    The columns hold one entry per plainly valid line, in order: its userName, that lowered
    (the very same object when it is already lower-case), the primary email lowered (the very
    same object as the lowered userName when they are equal) or None, externalId or None, id
    (when a string) or None. `warned` (with `pass_warned`): (column, its warned values) for each
    passed user that has some, `column` its position in the other columns.
    """

    look_closer: list[int]
    usernames: list[str]
    keys: list[str]
    emails: list[str | None]
    external_ids: list[str | None]
    ids: list[str | None]
    warned: list[tuple[int, Warned]]


class ScreenedBlock(NamedTuple):
    """What a block of lines gave: `Screened`'s fields, with the offsets of the lines to look
    closer at (`block[starts[i]:ends[i]]` is line `look_closer[i]`, without its newline)."""

    lines: int
    look_closer: list[int]
    starts: list[int]
    ends: list[int]
    usernames: list[str]
    keys: list[str]
    emails: list[str | None]
    external_ids: list[str | None]
    ids: list[str | None]
    warned: list[tuple[int, Warned]]


Screen = Callable[[list[bytes]], Screened]
BlockScreen = Callable[[bytes], ScreenedBlock]


# A C-level callable (no Python frame per call): the screen asks it about every non-ASCII value.
_is_nfc: Callable[[str], bool] = partial(unicodedata.is_normalized, "NFC")


def _screener(switches: Switches, pass_warned: bool = False) -> _screen.Screener:
    return _screen.Screener(
        fast._screen_verdict,
        _is_nfc,
        schema.RESERVED_NAMES,
        schema.GROUP_URN.encode(),
        switches.require_complete_address,
        pass_warned,
    )


def make_value_judge() -> Callable[[str, bool], bool] | None:
    """`plain_value(value, identifier)` of the compiled screen (values.plainly_valid_string
    in C), or None when the extension was not built."""
    return None if _screen is None else _screener(DEFAULT_SWITCHES).plain_value


class Screens(NamedTuple):
    """Both shapes of the screen, sharing one compiled screener: what `check` reads with."""

    lines: Screen  # a list of JSON texts (the elements of a JSON array)
    block: BlockScreen  # a block of JSON lines


def make_screens(
    switches: Switches = DEFAULT_SWITCHES, *, pass_warned: bool = False, compiled: bool = True
) -> Screens:
    """The fastest screens available (`compiled=False`: the Python references, for tests)."""
    if compiled and _screen is not None:
        screener = _screener(switches, pass_warned)

        def lines(texts: list[bytes]) -> Screened:
            return Screened(*screener.screen(texts))

        def block(data: bytes) -> ScreenedBlock:
            return ScreenedBlock(*screener.screen_block(data))

        return Screens(lines, block)
    return Screens(
        partial(screen_lines, switches=switches, pass_warned=pass_warned),
        partial(screen_block, switches=switches, pass_warned=pass_warned),
    )


def make_screen(
    switches: Switches = DEFAULT_SWITCHES, *, pass_warned: bool = False, compiled: bool = True
) -> Screen:
    """The screen of a list of JSON texts."""
    return make_screens(switches, pass_warned=pass_warned, compiled=compiled).lines


def make_block_screen(
    switches: Switches = DEFAULT_SWITCHES, *, pass_warned: bool = False, compiled: bool = True
) -> BlockScreen:
    """The screen of blocks of whole lines: what `check` reads a file by (no bytes per line)."""
    return make_screens(switches, pass_warned=pass_warned, compiled=compiled).block


def screen_block(
    block: bytes, switches: Switches = DEFAULT_SWITCHES, *, pass_warned: bool = False
) -> ScreenedBlock:
    """The reference for blocks: split at newlines, then `screen_lines`."""
    lines = block.split(b"\n") if block else []
    if lines and not lines[-1]:
        lines.pop()  # the block ends with a newline
    starts = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    found = screen_lines(lines, switches, pass_warned=pass_warned)
    closer = found.look_closer
    return ScreenedBlock(
        len(lines),
        closer,
        [starts[i] for i in closer],
        [starts[i] + len(lines[i]) for i in closer],
        *found[1:],
    )


def screen_lines(
    lines: list[bytes], switches: Switches = DEFAULT_SWITCHES, *, pass_warned: bool = False
) -> Screened:
    """The reference screen: parse each line, ask `fast.is_plainly_valid_user` (or
    `fast.warned_values`), take the keys."""
    out = Screened([], [], [], [], [], [], [])
    loads = orjson.loads
    for position, line in enumerate(lines):
        try:
            user: Any = loads(line)
        except orjson.JSONDecodeError:
            out.look_closer.append(position)
            continue
        if type(user) is not dict or _is_group(user):
            out.look_closer.append(position)
            continue
        warned: Warned | None = ()
        if pass_warned:
            warned = fast.warned_values(user, switches)
        elif not fast.is_plainly_valid_user(user, switches):
            warned = None
        if warned is None:
            out.look_closer.append(position)
            continue
        username: str = user["userName"]
        key = username.lower()
        if key == username:
            key = username
        if key in schema.RESERVED_NAMES:  # pragma: no cover - the fast path refuses these
            out.look_closer.append(position)
            continue
        email = None
        emails = user.get("emails")
        if emails:  # the fast path lets through exactly one element, primary
            value = emails[0].get("value")
            if value is not None:
                email = value.lower()
                if email == key:
                    email = key
        user_id = user.get("id")
        if warned:
            out.warned.append((len(out.usernames), warned))
        out.usernames.append(username)
        out.keys.append(key)
        out.emails.append(email)
        out.external_ids.append(user.get("externalId"))
        out.ids.append(user_id if type(user_id) is str else None)
    return out


def _is_group(resource: dict[str, Any]) -> bool:
    """What `kind_of` says, for a resource the fast path may pass (it has no `members`)."""
    schemas = resource.get("schemas")
    return isinstance(schemas, list) and schema.GROUP_URN in schemas
