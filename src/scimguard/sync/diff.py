"""What differs between the resource we want and the one the target holds.

Both sides are normalised first: server-owned attributes (`id`, `meta`, `schemas`), null
values and empty lists are dropped, booleans given as strings are read as booleans, and
`active` defaults to true on our side, so that an unchanged user never looks changed.
"""

from __future__ import annotations

from typing import Any

from scimguard.profile import as_bool

SERVER_OWNED = frozenset({"id", "meta", "schemas", "groups", "members"})


def payload(resource: dict[str, Any], kind: str) -> dict[str, Any]:
    """The body to send for a source resource (no server-owned attributes)."""
    body = {k: v for k, v in resource.items() if k not in ("id", "meta", "groups")}
    if kind == "user":
        body.pop("members", None)
        if body.get("active") is None:
            body["active"] = True
    else:
        body.pop("members", None)
    return body


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("$ref", "display") and not isinstance(item, dict):
                continue
            item = _norm(item)
            if item is not None:
                out[key] = item
        return out or None
    if isinstance(value, list):
        items = [i for i in (_norm(v) for v in value) if i is not None]
        return items or None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return as_bool(value)
    return value


def normalise(resource: dict[str, Any], kind: str) -> dict[str, Any]:
    out = {}
    for key, value in resource.items():
        if key in SERVER_OWNED:
            continue
        value = _norm(value)
        if value is not None:
            out[key] = value
    if kind == "user":
        out["active"] = as_bool(resource.get("active")) is True
        for key in ("emails", "phoneNumbers", "addresses", "roles"):
            for item in out.get(key) or []:
                if isinstance(item, dict) and "primary" in item:
                    item["primary"] = as_bool(item["primary"]) is True
    return out


def changed_attributes(desired: dict[str, Any], actual: dict[str, Any], kind: str) -> list[str]:
    """Dotted paths of the attributes that differ (sub-attributes for objects)."""
    want = normalise(desired, kind)
    have = normalise(actual, kind)
    if kind == "group":
        have = {k: v for k, v in have.items() if k in ("displayName", "externalId")}
        want = {k: v for k, v in want.items() if k in ("displayName", "externalId")}
    changes: list[str] = []
    for key in sorted(set(want) | set(have)):
        a, b = want.get(key), have.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for sub in sorted(set(a) | set(b)):
                if a.get(sub) != b.get(sub):
                    changes.append(f"{key}.{sub}")
        else:
            changes.append(key)
    return changes
