"""AWS's filters: `<attr> eq "<value>"`, at most two terms joined by `and`, and only the
combinations AWS documents (aws-identity-center-scim.md section 5). Anything else is
400 `Invalid Filter format`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson

from scimguard.profile.schema import ENTERPRISE_URN
from scimguard.server import codes
from scimguard.server.errors import GENERIC_400, INVALID_FILTER, ScimError

_TERM = re.compile(
    r'\s*(?P<attr>[A-Za-z][\w.:$-]*)\s+(?P<op>[A-Za-z]+)\s+(?P<value>"(?:[^"\\]|\\.)*")\s*',
    re.DOTALL,
)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)

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


def parse(text: str | None, kind: str) -> Filter | None:
    """The filter of a list request, or None; raises 400 for anything AWS does not take."""
    if text is None:
        return None
    if not text.strip():
        raise _invalid()
    parts = _AND.split(text.strip())
    if len(parts) > 2:
        raise _invalid()
    names = _USER_ATTRS if kind == "user" else _GROUP_ATTRS
    terms: dict[str, str] = {}
    for part in parts:
        match = _TERM.fullmatch(part)
        if not match or match["op"].lower() != "eq":
            raise _invalid()
        attr = names.get(match["attr"].lower())
        if attr is None or attr in terms:
            raise _invalid()
        try:
            value = orjson.loads(match["value"])
        except orjson.JSONDecodeError:
            raise _invalid() from None
        if value == "":
            raise _invalid(GENERIC_400)  # idp-scim-sync #75: `members eq ""` is a bare 400
        terms[attr] = value
    combos = USER_COMBINATIONS if kind == "user" else GROUP_COMBINATIONS
    if frozenset(terms) not in combos:
        raise _invalid()
    return Filter(terms, text.strip())
