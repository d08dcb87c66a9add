"""AWS's filters: `<attr> eq "<value>"`, at most two terms joined by `and`, and only the
combinations AWS documents (aws-identity-center-scim.md section 5). Anything else is
400 `Invalid Filter format`.

The filter is read by a hand-written scanner that looks at each character once, after a length
check, so no filter can stall the event loop (a backtracking regex took seconds on
`userName eq "a"` followed by thousands of spaces, issue 13). A quoted value may hold `and`.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from scimguard.profile.schema import ENTERPRISE_URN
from scimguard.server import codes
from scimguard.server.errors import GENERIC_400, INVALID_FILTER, ScimError

MAX_LENGTH = 8192  # characters; a 1024-character displayName written as \uXXXX escapes fits
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_NAME_REST = _NAME_START | frozenset("0123456789_.:$-")

# Canonical attribute names (filters compare attribute names case-insensitively, RFC 7644).
_USER_ATTRS = {
    "username": "userName",
    "externalid": "externalId",
    "groups.value": "groups.value",
    "groups": "groups.value",
    "id": "id",
    "manager": "manager",
    "manager.value": "manager",
    f"{ENTERPRISE_URN}:manager".lower(): "manager",
    f"{ENTERPRISE_URN}:manager.value".lower(): "manager",
}
_GROUP_ATTRS = {
    "displayname": "displayName",
    "externalid": "externalId",
    "members.value": "members",
    "members": "members",
    "id": "id",
}
USER_COMBINATIONS = {
    frozenset({"userName"}),
    frozenset({"externalId"}),
    frozenset({"groups.value"}),
    frozenset({"id"}),
    frozenset({"id", "manager"}),
}
GROUP_COMBINATIONS = {
    frozenset({"displayName"}),
    frozenset({"externalId"}),
    frozenset({"members"}),
    frozenset({"id", "members"}),
}


@dataclass(frozen=True)
class Filter:
    """A parsed filter: canonical attribute name -> value, plus the raw text for cursors."""

    terms: dict[str, str]
    text: str


def _invalid(detail: str = INVALID_FILTER) -> ScimError:
    return ScimError(400, detail, [codes.INVALID_FILTER])


def _space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _name(text: str, i: int) -> int:
    """The end of an attribute name or operator starting at `i` (== i when there is none)."""
    if i >= len(text) or text[i] not in _NAME_START:
        return i
    i += 1
    while i < len(text) and text[i] in _NAME_REST:
        i += 1
    return i


def _quoted(text: str, i: int) -> int:
    """The end (after the closing quote) of the JSON string starting at `i`; -1 if none."""
    if i >= len(text) or text[i] != '"':
        return -1
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == '"':
            return i + 1
        else:
            i += 1
    return -1


def _terms(text: str) -> list[tuple[str, str, str]]:
    """(attribute, operator, value) of each term, in one pass; 400 on any other shape."""
    out: list[tuple[str, str, str]] = []
    i = _space(text, 0)
    while True:
        end = _name(text, i)
        attr, i = text[i:end], end
        after = _space(text, i)
        if not attr or after == i:
            raise _invalid()
        end = _name(text, after)
        op, i = text[after:end], end
        after = _space(text, i)
        if not op or after == i:
            raise _invalid()
        end = _quoted(text, after)
        if end < 0:
            raise _invalid()
        try:
            value = orjson.loads(text[after:end])
        except orjson.JSONDecodeError:
            raise _invalid() from None
        out.append((attr, op, value))
        i = _space(text, end)
        if i == len(text):
            return out
        if i == end or len(out) == 2:
            raise _invalid()
        end = _name(text, i)
        if text[i:end].lower() != "and" or _space(text, end) == end:
            raise _invalid()
        i = _space(text, end)


def parse(text: str | None, kind: str) -> Filter | None:
    """The filter of a list request, or None; raises 400 for anything AWS does not take."""
    if text is None:
        return None
    if not text.strip() or len(text) > MAX_LENGTH:
        raise _invalid()
    names = _USER_ATTRS if kind == "user" else _GROUP_ATTRS
    terms: dict[str, str] = {}
    for raw_attr, op, value in _terms(text):
        if op.lower() != "eq":
            raise _invalid()
        attr = names.get(raw_attr.lower())
        if attr is None or attr in terms or not isinstance(value, str):
            raise _invalid()
        if value == "":
            raise _invalid(GENERIC_400)  # idp-scim-sync #75: `members eq ""` is a bare 400
        if "\x00" in value:
            raise _invalid()  # no stored value holds a NUL, and PostgreSQL cannot compare one
        terms[attr] = value
    combos = USER_COMBINATIONS if kind == "user" else GROUP_COMBINATIONS
    if frozenset(terms) not in combos:
        raise _invalid()
    return Filter(terms, text.strip())
