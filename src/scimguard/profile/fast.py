"""The fast path: a user that plainly passes every single-record rule, decided in one walk.

Most records of a real export are clean, and `check` must keep up with orjson (bench/). This
walk gathers every string of a user and asks one regex about all of them at once; anything it
is not sure about (an unusual attribute, a Cyrillic letter, a null, two emails) returns False
and the full check runs. It must never return True for a user the full check would report:
tests/profile/test_profile_fast.py holds that property.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from scimguard import text
from scimguard.profile import schema
from scimguard.profile.switches import DEFAULT_SWITCHES, Switches

# Bytes a plain value may hold: printable ASCII without `<>;:%` (and the "\n" joining values).
_PLAIN_BYTES = bytes(b for b in range(0x20, 0x7F) if b not in b"<>;:%") + b"\n"
# The same, letting bytes of non-ASCII letters through (they are judged one by one).
_PLAIN_OR_HIGH = _PLAIN_BYTES + bytes(range(0x80, 0x100))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# What `_safe_char` answers (the C screen stores the same numbers, profile/_screen.c).
UNSAFE, SAFE, NEEDS_BASE, FOREIGN, LATIN = 0, 1, 2, 3, 4
NFC_INERT = 8  # a flag `_screen_verdict` adds: see there
_SAFE: dict[str, int] = {}  # non-ASCII code point -> its verdict


def _safe_char(ch: str) -> int:
    """SAFE: no rule says anything about this code point, wherever it stands. NEEDS_BASE: a
    combining mark, safe unless it starts a value or follows a space (stray-mark). FOREIGN: a
    Cyrillic or Greek letter, safe unless a word also holds a Latin letter (mixed-script);
    LATIN: a non-ASCII Latin letter (safe; it counts as Latin there). UNSAFE: hidden (ZWNJ/ZWJ
    included, whose verdict needs their neighbours), an unusual space, a variation selector."""
    safe = _SAFE.get(ch)
    if safe is None:
        script = text.script_of(ch)
        if (
            text.is_hidden(ch)
            or ch in text.UNUSUAL_SPACES
            or text.variation_selector_kind(ch) is not None
        ):
            safe = UNSAFE
        elif script in ("Cyrillic", "Greek"):
            safe = FOREIGN
        elif script == "Latin":
            safe = LATIN
        else:
            safe = NEEDS_BASE if text.is_mark(ch) else SAFE
        if len(_SAFE) < 65536:
            _SAFE[ch] = safe
    return safe


def _screen_verdict(ch: str) -> int:
    """`_safe_char`, with NFC_INERT added when the code point cannot take a value out of NFC
    (Unicode's NFC quick check is Yes and its combining class 0: a string of such code points is
    in NFC). Those are every code point in NFC alone and of class 0 but the marks that compose
    with what precedes them and the Hangul vowel and final jamo (U+1100-11FF here)."""
    safe = _safe_char(ch)
    if (
        safe in (SAFE, FOREIGN, LATIN)
        and not unicodedata.combining(ch)
        and not text.is_mark(ch)
        and not 0x1100 <= ord(ch) <= 0x11FF
        and unicodedata.is_normalized("NFC", ch)
    ):
        return safe | NFC_INERT
    return safe


def plain(joined: str) -> bool:
    """No value in the "\n"-joined values draws a finding from a character-level rule."""
    if joined.isascii():
        if joined.encode().translate(None, _PLAIN_BYTES):
            return False
    else:
        if joined.encode("utf-8", "surrogatepass").translate(None, _PLAIN_OR_HIGH):
            return False
        foreign = False
        for ch in set(_NON_ASCII.findall(joined)):
            safe = _safe_char(ch)
            if safe == UNSAFE:
                return False
            if safe == NEEDS_BASE and re.search(r"(?:^|[\s])" + ch, joined):
                return False  # a mark at the start of a value or after a space
            foreign = foreign or safe == FOREIGN
        # "\n" is no word character: a word never spans two values.
        if foreign and text.mixed_script_words(joined):
            return False
        # "\n" composes with nothing, so the joined string is NFC exactly when every value is.
        if not unicodedata.is_normalized("NFC", joined):
            return False
    # No value empty, none with a space at its start or end.
    return not (
        "\n\n" in joined
        or "\n " in joined
        or " \n" in joined
        or joined.startswith(("\n", " "))
        or joined.endswith(("\n", " "))
    )


# URIs get every string rule but forbidden-character: `<>;:%` stand for a plain letter there.
_URI_NEUTRAL = str.maketrans("<>;:%", "xxxxx")
_USER_STRINGS = schema.USER_STRINGS
_NAME_SUBS = schema.NAME_SUBS
_MULTI_SUBS = schema.MULTI_SUBS
_SKIPPED = schema.SKIPPED
_ENTERPRISE = schema.ENTERPRISE_URN
_ENTERPRISE_STRINGS = schema.ENTERPRISE_STRINGS
_ADDRESS_PARTS = schema.ADDRESS_PARTS
_RESERVED = schema.RESERVED_NAMES
_MAX_USERNAME = schema.MAX_LENGTH["userName"]
_MAX_EXTERNAL_ID = schema.MAX_LENGTH["externalId"]
_MAX_OTHER = schema.DEFAULT_MAX_LENGTH


def is_plainly_valid_user(user: dict[str, Any], switches: Switches = DEFAULT_SWITCHES) -> bool:
    """True only if the full check would find nothing in this user (False: "look closer")."""
    require_complete_address = switches.require_complete_address
    parts: list[str] = []
    add = parts.append
    for key, value in user.items():
        kind = type(value)
        if key in _USER_STRINGS:
            if kind is not str:
                return False
            add(value)
        elif key in _SKIPPED:
            continue
        elif key == "name":
            if kind is not dict:
                return False
            for sub, item in value.items():
                if sub not in _NAME_SUBS or type(item) is not str:
                    return False
                add(item)
        elif key in _MULTI_SUBS:
            if kind is not list or len(value) != 1:
                return False
            element = value[0]
            if type(element) is not dict:
                return False
            allowed = _MULTI_SUBS[key]
            for sub, item in element.items():
                if sub == "primary":
                    if item is not True and item is not False:
                        return False
                elif sub not in allowed or type(item) is not str:
                    return False
                else:
                    add(item)
            if key == "emails":
                if element.get("primary") is not True:
                    return False
            elif key == "addresses" and require_complete_address:
                present = sum(part in element for part in _ADDRESS_PARTS)
                if present and present != len(_ADDRESS_PARTS):
                    return False  # no part at all is no address (rules.md)
        elif key == "active":
            if kind is not bool:
                return False
        elif key == _ENTERPRISE:
            if kind is not dict:
                return False
            for sub, item in value.items():
                if sub in _ENTERPRISE_STRINGS and type(item) is str:
                    add(item)
                elif sub == "manager" and type(item) is dict:
                    for manager_sub, manager_item in item.items():
                        if type(manager_item) is not str:
                            return False
                        if manager_sub == "value":
                            add(manager_item)
                        elif manager_sub == "$ref":
                            add(manager_item.translate(_URI_NEUTRAL))
                        else:
                            return False
                else:
                    return False
        elif key == "profileUrl":
            if kind is not str:
                return False
            add(value.translate(_URI_NEUTRAL))
        else:
            return False
    username = user.get("userName")
    name = user.get("name")
    if (
        username is None
        or "displayName" not in user
        or name is None
        or "givenName" not in name
        or "familyName" not in name
        or " " in username
        or username.lower() in _RESERVED
    ):
        return False
    external_id = user.get("externalId")
    if external_id is not None and (" " in external_id or len(external_id) > _MAX_EXTERNAL_ID):
        return False
    joined = "\n".join(parts)
    if joined.count("\n") != len(parts) - 1 or not plain(joined):
        return False
    if len(joined) > _MAX_USERNAME:
        if len(username) > _MAX_USERNAME:
            return False
        if len(joined) > _MAX_OTHER and max(map(len, parts)) > _MAX_OTHER:
            return False
    return True


# --- the third answer of the screen: passed, with warned values ------------------------------

Warned = tuple[tuple[str, str], ...]  # (path, value) of each value that is not plain, in order
_ENTERPRISE_PATH = _ENTERPRISE + "."
_MANAGER_PATHS = {"value": _ENTERPRISE + ".manager.value", "$ref": _ENTERPRISE + ".manager.$ref"}


def _plain_one(value: str, uri: bool = False) -> bool:
    """One value as the compiled screen judges it: no string rule says anything about it."""
    if uri:
        value = value.translate(_URI_NEUTRAL)
    return 0 < len(value) <= _MAX_OTHER and "\n" not in value and plain(value)


def warned_values(user: dict[str, Any], switches: Switches = DEFAULT_SWITCHES) -> Warned | None:
    """None: "look closer"; else the (path, value) of each value of the user that is not plain.

    A user passes when every rule that looks beyond one string value passes it (the shape
    `is_plainly_valid_user` asks for, the required attributes, reserved-name, the address parts
    present and not blank): then its findings are exactly those of `check_string` over these
    values, in this order (what `ResourceChecker.check_values` returns). The paths are those
    the full walk gives (resources.py). An empty userName, externalId or email is no key for
    the duplicate tracker (`add_user_keys`), so such a user is looked at closer.
    """
    warned: list[tuple[str, str]] = []
    note = warned.append
    for key, value in user.items():
        kind = type(value)
        if key in _USER_STRINGS:
            if kind is not str:
                return None
            if not _plain_one(value):
                if not value and key in ("userName", "externalId"):
                    return None
                note((key, value))
        elif key in _SKIPPED:
            continue
        elif key == "name":
            if kind is not dict:
                return None
            for sub, item in value.items():
                if sub not in _NAME_SUBS or type(item) is not str:
                    return None
                if not _plain_one(item):
                    note((f"name.{sub}", item))
        elif key in _MULTI_SUBS:
            if kind is not list or len(value) != 1 or type(value[0]) is not dict:
                return None
            element = value[0]
            allowed = _MULTI_SUBS[key]
            for sub, item in element.items():
                if sub == "primary":
                    if item is not True and item is not False:
                        return None
                elif sub not in allowed or type(item) is not str:
                    return None
                elif not _plain_one(item):
                    if key == "addresses" and sub in _ADDRESS_PARTS and not item.strip():
                        return None  # a part that counts as missing (incomplete-address)
                    if key == "emails" and sub == "value" and not item:
                        return None
                    note((f"{key}[0].{sub}", item))
            if key == "emails":
                if element.get("primary") is not True:
                    return None
            elif key == "addresses" and switches.require_complete_address:
                present = sum(part in element for part in _ADDRESS_PARTS)
                if present and present != len(_ADDRESS_PARTS):
                    return None
        elif key == "active":
            if kind is not bool:
                return None
        elif key == _ENTERPRISE:
            if kind is not dict:
                return None
            for sub, item in value.items():
                if sub in _ENTERPRISE_STRINGS and type(item) is str:
                    if not _plain_one(item):
                        note((_ENTERPRISE_PATH + sub, item))
                elif sub == "manager" and type(item) is dict:
                    for manager_sub, manager_item in item.items():
                        if type(manager_item) is not str or manager_sub not in _MANAGER_PATHS:
                            return None
                        if not _plain_one(manager_item, uri=manager_sub == "$ref"):
                            note((_MANAGER_PATHS[manager_sub], manager_item))
                else:
                    return None
        elif key == "profileUrl":
            if kind is not str:
                return None
            if not _plain_one(value, uri=True):
                note((key, value))
        else:
            return None
    username = user.get("userName")
    name = user.get("name")
    if (
        username is None
        or "displayName" not in user
        or name is None
        or "givenName" not in name
        or "familyName" not in name
        or " " in username
        or username.lower() in _RESERVED
    ):
        return None
    warned_keys = {path for path, _value in warned}
    if "userName" not in warned_keys and len(username) > _MAX_USERNAME:
        return None
    external_id = user.get("externalId")
    if external_id is not None and (
        " " in external_id
        or ("externalId" not in warned_keys and len(external_id) > _MAX_EXTERNAL_ID)
    ):
        return None
    return tuple(warned)
