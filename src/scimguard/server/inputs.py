"""The one gate between a request and the store: every path, query and body is checked here.

What reaches `Store` has the shape the store relies on: a member has a string `value`, no string
(id, filter value, attribute, key) holds a NUL (PostgreSQL cannot store or compare one), a body
is nested no deeper than JSON serialisation allows, a count and a cursor are in range. Anything
else is AWS's 400 (or the 401 an impossible tenant id deserves), decided before any database
call, the same on SQLite and PostgreSQL. The record rules themselves stay the profile's
(`validation.validate`), and run first, so a refused record carries the profile's rule codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimguard.profile import Kind, Profile
from scimguard.server import codes, filters, patch
from scimguard.server.cursors import Cursors
from scimguard.server.errors import GENERIC_400, UNAUTHORIZED_401, ScimError
from scimguard.server.validation import validate

MAX_DEPTH = 64  # orjson serialises 254 levels; no SCIM attribute needs more than 3
MAX_PATH_PART = 1024  # an id or schema URN; longer cannot exist
MAX_TENANT = 64  # the column's width


def _bad(specific: str, rule: str = codes.INVALID_JSON) -> ScimError:
    return ScimError(400, GENERIC_400, [rule], specific=specific)


def _nul(where: str) -> ScimError:
    return _bad(f"{where} holds the character U+0000 (NUL).", "hidden-character")


# --- path and query ---------------------------------------------------------------------------


def tenant(tenant_id: str) -> str:
    """A tenant id that could exist; anything else is the 401 an unknown tenant gets."""
    if not tenant_id or len(tenant_id) > MAX_TENANT or "\x00" in tenant_id:
        raise ScimError(401, UNAUTHORIZED_401, [codes.UNAUTHORIZED])
    return tenant_id


def path_parts(parts: list[str]) -> list[str]:
    for part in parts:
        if "\x00" in part:
            raise _nul("The path")
        if len(part) > MAX_PATH_PART:
            raise ScimError(404, "Resource not found.", [codes.NOT_FOUND])
    return parts


def query(params: Mapping[str, str]) -> None:
    for name, value in params.items():
        if "\x00" in name or "\x00" in value:
            raise _nul(f"The query parameter {name!r}")


@dataclass(frozen=True)
class ListRequest:
    """A list request's filter, page size and starting point, all checked."""

    filter: filters.Filter | None
    count: int
    cursor_mode: bool
    after: int | None


def list_request(
    params: Mapping[str, str], kind: Kind, cursors: Cursors, cap: int, legacy: bool
) -> ListRequest:
    flt = filters.parse(params.get("filter"), kind)
    count = cap
    raw = params.get("count")
    if raw:
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit():
            raise _bad("count must be a whole number.", codes.INVALID_FILTER)
        if len(digits) > 18:  # past any 64-bit integer: refused, not silently clamped
            raise _bad("count is out of range.", codes.INVALID_FILTER)
        count = max(0, min(int(text), cap))  # RFC 7644: a negative count is 0
    cursor_mode = "cursor" in params and not legacy
    after = cursors.read(params.get("cursor") or "", kind, flt) if cursor_mode else None
    return ListRequest(flt, count, cursor_mode, after)


# --- bodies -----------------------------------------------------------------------------------


def sweep(value: Any, where: str = "The body") -> None:
    """No NUL in any string or key, no nesting deeper than MAX_DEPTH (iterative: no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise _nul(where)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            raise _bad(f"{where} is nested deeper than {MAX_DEPTH} levels.")
        if isinstance(item, dict):
            for key, sub in item.items():
                if "\x00" in key:
                    raise _nul(where)
                stack.append((sub, depth + 1))
        else:
            stack.extend((sub, depth + 1) for sub in item)


def json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _bad("The body must be a JSON object.")
    return body


def user(
    profile: Profile, body: Any, also_refuse: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[str]]:
    """A user body (POST or PUT) the store can take, and the profile's warnings."""
    resource = json_object(body)
    warnings = validate(profile, resource, "user", also_refuse)
    sweep(resource)
    return resource, warnings


def group(profile: Profile, body: Any) -> tuple[dict[str, Any], list[str], list[str]]:
    """A group body the store can take: (group, member ids, the profile's warnings)."""
    resource = json_object(body)
    warnings = validate(profile, resource, "group")
    sweep(resource)
    members = resource.get("members")
    if members is None:
        return resource, [], warnings
    if not isinstance(members, list):
        raise _bad("members must be a list.", "invalid-type")
    ids = []
    for index, member in enumerate(members):
        value = member.get("value") if isinstance(member, dict) else None
        if not isinstance(value, str) or not value:
            raise _bad(f"members[{index}] needs a value: the id of a user.", "missing-required")
        ids.append(value)
    if len(ids) > patch.MAX_MEMBER_CHANGES:
        raise _bad(
            f"At most {patch.MAX_MEMBER_CHANGES} members per request.", codes.TOO_MANY_MEMBERS
        )
    return resource, ids, warnings


def patched(
    profile: Profile,
    resource: dict[str, Any],
    kind: Kind,
    also_refuse: frozenset[str] = frozenset(),
) -> list[str]:
    """A resource after PATCH, checked like a PUT before it is written: the warnings' codes."""
    warnings = validate(profile, resource, kind, also_refuse)
    sweep(resource)
    return warnings


def patch_operations(body: Any) -> list[dict[str, Any]]:
    """The Operations of a PatchOp body, in the shape `patch` applies (400 when malformed)."""
    sweep(body)
    return patch.operations(body)
