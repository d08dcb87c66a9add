"""SCIM attribute paths (`emails[0].value`, `name.givenName`, enterprise URN paths) to nested dicts.

Flat sources (CSV cells, Okta profile attributes) become SCIM resources by setting one path at a
time; this module is the only one that knows the path syntax.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from scimguard.errors import PathError
from scimguard.profile.schema import ENTERPRISE_URN

Segment = tuple[str, int | None]  # attribute name, list index (None: not a list)

_SEGMENT = re.compile(r"^([^\[\].]+)(?:\[(\d+)\])?$")
_URN_PREFIX = "urn:"


@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[Segment, ...]:
    """`emails[0].value` -> (("emails", 0), ("value", None)); URN paths keep the URN as one key.

    Enterprise attributes may be written `urn:...:User:department` (RFC 7644 style) or
    `urn:...:User.department`.
    """
    path = path.strip()
    if not path:
        raise PathError("empty attribute path")
    head: list[Segment] = []
    rest = path
    if path.lower().startswith(_URN_PREFIX):
        for urn in (ENTERPRISE_URN,):
            if path.startswith(urn + ":") or path.startswith(urn + "."):
                head = [(urn, None)]
                rest = path[len(urn) + 1 :]
                break
        else:
            # another schema URN: `urn:...:Schema:attr` -> the URN is everything before the
            # last colon.
            urn, _, rest = path.rpartition(":")
            if not rest:
                raise PathError(f"{path!r} names a schema but no attribute")
            head = [(urn, None)]
    segments = list(head)
    for part in rest.split("."):
        match = _SEGMENT.match(part)
        if not match:
            raise PathError(f"{path!r} is not a SCIM attribute path (at {part!r})")
        index = match.group(2)
        segments.append((match.group(1), int(index) if index is not None else None))
    return tuple(segments)


def set_path(resource: dict[str, Any], segments: tuple[Segment, ...], value: Any) -> None:
    """Set one value; lists grow with empty placeholders that `compact` removes."""
    node: Any = resource
    last = len(segments) - 1
    for i, (name, index) in enumerate(segments):
        if index is None:
            if i == last:
                node[name] = value
                return
            child = node.get(name)
            if not isinstance(child, dict):
                child = node[name] = {}
            node = child
        else:
            items = node.get(name)
            if not isinstance(items, list):
                items = node[name] = []
            while len(items) <= index:
                items.append(_PLACEHOLDER())
            if i == last:
                items[index] = value
                return
            if not isinstance(items[index], dict):
                items[index] = {}
            node = items[index]


class _PLACEHOLDER(dict):
    """A list slot nobody filled (e.g. phoneNumbers[1] set, [0] absent)."""


def compact(resource: dict[str, Any]) -> dict[str, Any]:
    """Drop unfilled list slots, so `mobilePhone` alone becomes `phoneNumbers[0]`."""
    for key, value in list(resource.items()):
        if isinstance(value, list):
            kept = [v for v in value if not (type(v) is _PLACEHOLDER and not v)]
            if not kept:
                del resource[key]
            else:
                resource[key] = [dict(v) if type(v) is _PLACEHOLDER else v for v in kept]
        elif isinstance(value, dict):
            compact(value)
    return resource
