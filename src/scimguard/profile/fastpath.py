"""A conservative shortcut for the common case: a user that no rule has anything to say about.

`check` runs over millions of users, most of them clean. Walking every attribute in Python
costs ~30 µs a user; this test costs a few. It answers only "certainly clean" (True) or "look
closer" (False), never a finding, so the full walk in `resources.py` stays the single source of
truth: any doubt, and the full walk runs.

The character test serialises the user with orjson and looks at the JSON text: in compact,
backslash-free ASCII JSON, splitting on `"` leaves strings at odd positions and structure at even
ones, so one regex over the joined strings finds every empty, padded or `<>;:%` value.
"""

from __future__ import annotations

from typing import Any

import orjson

from scimguard.profile import schema
from scimguard.profile.switches import Switches

# The forbidden characters other than the colon, which JSON itself uses and is counted.
_FORBIDDEN_BYTES = (b"<", b">", b";", b"%")
_ENTERPRISE_COLONS = schema.ENTERPRISE_URN.count(":")

_TOP = (
    schema.USER_STRINGS
    | set(schema.MULTI_SUBS)
    | {"name", "active", "schemas", "id", schema.ENTERPRISE_URN}
)
_BOOL_TEXT = frozenset({"true", "false", "True", "False", "TRUE", "FALSE"})


_STRING_KEYS = tuple(sorted(schema.USER_STRINGS - {"userName", "externalId", "displayName"}))
_MULTI = tuple((key, schema.MULTI_SUBS[key]) for key in schema.MULTI_VALUED)
_NOT_CLEAN = -1


def _bool_text(value: Any) -> bool:
    return type(value) is str and value in _BOOL_TEXT


def _padded(value: str) -> bool:
    """Empty, or blank at either end: left to the full walk."""
    return not value or value[0] == " " or value[-1] == " "


def _count_clean_keys(user: dict[str, Any], switches: Switches) -> int:
    """The number of JSON keys in a user with only known attributes of the right types, the
    required ones present, lists of exactly one element and no string empty or padded; else -1.
    """
    get = user.get
    if not user.keys() <= _TOP:
        return _NOT_CLEAN
    keys = len(user)
    username = get("userName")
    if type(username) is not str or len(username) > 128 or " " in username or not username:
        return _NOT_CLEAN
    display_name = get("displayName")
    if username.lower() in schema.RESERVED_NAMES or type(display_name) is not str:
        return _NOT_CLEAN
    if _padded(display_name):
        return _NOT_CLEAN
    external_id = get("externalId")
    if external_id is not None and (
        type(external_id) is not str
        or len(external_id) > 256
        or " " in external_id
        or not external_id
    ):
        return _NOT_CLEAN
    for key in _STRING_KEYS:
        value = get(key)
        if value is not None and (
            type(value) is not str or not value or value[0] == " " or value[-1] == " "
        ):
            return _NOT_CLEAN
    active = get("active")
    if active is not None and type(active) is not bool and not _bool_text(active):
        return _NOT_CLEAN
    name = get("name")
    if (
        type(name) is not dict
        or not name.keys() <= schema.NAME_SUBS
        or type(name.get("givenName")) is not str
        or type(name.get("familyName")) is not str
    ):
        return _NOT_CLEAN
    keys += len(name)
    for value in name.values():
        if value is not None and (
            type(value) is not str or not value or value[0] == " " or value[-1] == " "
        ):
            return _NOT_CLEAN
    for key, allowed in _MULTI:
        values = get(key)
        if values is None:
            continue
        if type(values) is not list or len(values) != 1 or type(values[0]) is not dict:
            return _NOT_CLEAN
        element = values[0]
        if not element.keys() <= allowed:
            return _NOT_CLEAN
        keys += len(element)
        for sub, value in element.items():
            if sub == "primary":
                if value is not None and type(value) is not bool and not _bool_text(value):
                    return _NOT_CLEAN
            elif value is not None and (
                type(value) is not str or not value or value[0] == " " or value[-1] == " "
            ):
                return _NOT_CLEAN
        primary = element.get("primary")
        if key == "emails" and not (
            primary is True or (_bool_text(primary) and primary.lower() == "true")
        ):
            return _NOT_CLEAN
        if key == "addresses" and switches.require_complete_address:
            for part in schema.ADDRESS_PARTS:
                if not element.get(part):
                    return _NOT_CLEAN
    enterprise = get(schema.ENTERPRISE_URN)
    if enterprise is not None:
        if type(enterprise) is not dict:
            return _NOT_CLEAN
        keys += len(enterprise)
        for sub, value in enterprise.items():
            if sub == "manager":
                if value is None:
                    continue
                if type(value) is not dict or not value.keys() <= schema.MANAGER_SUBS:
                    return _NOT_CLEAN
                keys += len(value)
                manager = value.get("value")
                if manager is not None and (type(manager) is not str or _padded(manager)):
                    return _NOT_CLEAN
            elif sub not in schema.ENTERPRISE_STRINGS or (
                value is not None and (type(value) is not str or _padded(value))
            ):
                return _NOT_CLEAN
    return keys


def _colons_in_keys_and_schemas(user: dict[str, Any]) -> int:
    """Colons the JSON text may hold outside values: the enterprise key and schema URNs."""
    colons = _ENTERPRISE_COLONS if schema.ENTERPRISE_URN in user else 0
    schemas = user.get("schemas")
    if schemas is not None:
        if type(schemas) is not list:
            return _NOT_CLEAN
        for urn in schemas:
            if type(urn) is not str:
                return _NOT_CLEAN
            colons += urn.count(":")
    return colons


def is_clean_user(user: dict[str, Any], switches: Switches) -> bool:
    """True only when the full check would certainly find nothing in this user."""
    keys = _count_clean_keys(user, switches)
    if keys < 0:
        return False
    try:
        raw = orjson.dumps(user)
    except TypeError:  # orjson.JSONEncodeError: a value JSON cannot hold, e.g. a huge int
        return False
    # Escapes (controls, quotes, backslashes) or non-ASCII text: let the full walk decide.
    # `find` of one byte is a memchr; a regex or a two-byte search costs ten times more.
    if not raw.isascii() or raw.find(b"\\") >= 0 or raw.find(b"\x7f") >= 0:
        return False
    if not switches.allow_legacy_characters:
        for ch in _FORBIDDEN_BYTES:
            if raw.find(ch) >= 0:
                return False
        # Every colon must be structural (one per key) or inside the schema URNs and the
        # enterprise extension's key, which no rule looks at.
        extra = _colons_in_keys_and_schemas(user)
        if extra < 0 or raw.count(b":") != keys + extra:
            return False
    if len(raw) > schema.DEFAULT_MAX_LENGTH:
        parts = raw.split(b'"')[1::2]
        if max(map(len, parts)) > schema.DEFAULT_MAX_LENGTH:
            return False
    return True
