"""PATCH as AWS does it (aws-identity-center-scim.md section 6).

Users: the operations are applied to a copy of the stored user, and the result is validated by
the profile like a PUT. Groups: the operations become a rename and membership changes. Request
shapes AWS does not support are refused here, before anything is touched.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from scimguard.profile import as_bool
from scimguard.profile import schema as s
from scimguard.server import codes
from scimguard.server.errors import GENERIC_400, MISSING_PATH, PATHLESS_PATCH, ScimError

MAX_MEMBER_CHANGES = 100
_OPS = ("add", "replace", "remove")
_VALUE_FILTER = re.compile(
    r'^(?P<attr>\w+)\[\s*(?P<sub>\w+)\s+eq\s+(?P<value>"(?:[^"\\]|\\.)*"|true|false)\s*\]'
    r"(?:\.(?P<tail>\w+))?$",
    re.IGNORECASE,
)
USER_TOP = s.USER_STRINGS | {"name", "active", "profileUrl", s.ENTERPRISE_URN} | set(s.MULTI_VALUED)


def _bad(
    specific: str | None = None, code: str = codes.INVALID_PATCH, detail: str = GENERIC_400
) -> ScimError:
    return ScimError(400, detail, [code], specific=specific)


def operations(body: Any) -> list[dict[str, Any]]:
    """The Operations of a PatchOp body, each with a lower-case `op`; 400 when malformed."""
    if not isinstance(body, dict):
        raise _bad("The PATCH body must be a JSON object.", codes.INVALID_JSON)
    ops = body.get("Operations")
    if not isinstance(ops, list) or not ops:
        raise _bad("Operations must be a non-empty list.")
    out = []
    for op in ops:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str):
            raise _bad("Each operation needs an op.")
        name = op["op"].lower()
        if name not in _OPS:
            raise _bad(f"Unsupported PATCH operation {op['op']!r}.")
        path = op.get("path")
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise _bad("The path of a PATCH operation must be a non-empty string.")
        if name == "remove" and path is None:
            raise _bad(MISSING_PATH)
        if name != "remove" and "value" not in op:
            raise _bad(f"The {name} operation needs a value.")
        if path is None:
            value = op.get("value")
            keys = (
                [k for k in value if k not in ("id", "schemas")] if isinstance(value, dict) else []
            )
            if len(keys) != 1 or not isinstance(value, dict):  # (a dict when a key was found)
                raise _bad(PATHLESS_PATCH, detail=PATHLESS_PATCH)
            value = {k: value[k] for k in keys}
            out.append({"op": name, "path": None, "value": value})
        else:
            out.append({"op": name, "path": path.strip(), "value": op.get("value")})
    return out


# --- users ----------------------------------------------------------------------------------


def _top_attribute(path: str) -> str:
    if path.startswith(s.ENTERPRISE_URN):
        return s.ENTERPRISE_URN
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def apply_user(resource: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """The user after the operations (not yet validated by the profile)."""
    touched: dict[str, int] = {}
    for op in ops:
        attrs = list(op["value"]) if op["path"] is None else [_top_attribute(op["path"])]
        for attr in attrs:
            if attr not in USER_TOP:
                raise _bad(
                    f"Unknown attribute {attr!r} (names are case-sensitive).",
                    codes.UNKNOWN_ATTRIBUTE,
                )
            if attr in ("userName", "active"):
                if op["op"] == "remove":
                    raise _bad(f"Removing {attr} is not supported.")
                touched[attr] = touched.get(attr, 0) + 1
                if touched[attr] > 1:
                    raise _bad(f"Multiple operations on {attr} in one request are not supported.")
    user = copy.deepcopy(resource)
    for op in ops:
        if op["path"] is None:
            for attr, value in op["value"].items():
                _set(user, attr, value, merge=True, op=op["op"])
        else:
            _apply_path(user, op["op"], op["path"], op["value"])
    return user


def _set(target: dict[str, Any], attr: str, value: Any, *, merge: bool, op: str) -> None:
    if value is None:
        target.pop(attr, None)
        return
    if attr == "active" and as_bool(value) is not None:
        value = as_bool(value)
    if attr in s.MULTI_VALUED and isinstance(value, dict):
        value = [value]
    if attr in s.MULTI_VALUED and op == "add" and isinstance(target.get(attr), list):
        existing = target[attr]
        value = existing + [v for v in value if v not in existing]
    if merge and isinstance(value, dict) and isinstance(target.get(attr), dict):
        merged = dict(target[attr])
        for key, sub in value.items():
            if sub is None:
                merged.pop(key, None)
            elif isinstance(sub, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **sub}
            else:
                merged[key] = sub
        value = merged
    target[attr] = value


def _apply_path(user: dict[str, Any], op: str, path: str, value: Any) -> None:
    if path.startswith(s.ENTERPRISE_URN):
        rest = path[len(s.ENTERPRISE_URN) :].lstrip(":")
        if not rest:
            _remove_or_set(user, s.ENTERPRISE_URN, op, value)
            return
        ext = (
            user.setdefault(s.ENTERPRISE_URN, {}) if op != "remove" else user.get(s.ENTERPRISE_URN)
        )
        if not isinstance(ext, dict):
            if op == "remove":
                return
            raise _bad("The value has the wrong type for this path.", "invalid-type")
        _apply_dotted(ext, op, rest, value)
        if not ext:
            user.pop(s.ENTERPRISE_URN, None)
        return
    match = _VALUE_FILTER.match(path)
    if match:
        _apply_value_filter(user, op, match, value)
        return
    if "[" in path or "]" in path:
        raise _bad(f"Unsupported path {path!r}: only eq value filters are supported.")
    _apply_dotted(user, op, path, value)


def _apply_dotted(target: dict[str, Any], op: str, path: str, value: Any) -> None:
    parts = path.split(".")
    if len(parts) > 2 or not all(parts):
        raise _bad(f"Unsupported path {path!r}.")
    if len(parts) == 1:
        _remove_or_set(target, parts[0], op, value)
        return
    head, sub = parts
    if head in s.MULTI_VALUED:  # e.g. emails.value: applies to the (single) element
        items = target.get(head)
        if op == "remove":
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    item.pop(sub, None)
            return
        if not isinstance(items, list) or not items:
            target[head] = [_new_element(head, sub, value)]
        else:
            for item in items:
                if isinstance(item, dict):
                    item[sub] = value
        return
    obj = target.get(head)
    if op == "remove":
        if isinstance(obj, dict):
            obj.pop(sub, None)
            if not obj:
                target.pop(head, None)
        return
    if obj is None:
        obj = target[head] = {}
    if not isinstance(obj, dict):
        raise _bad("The value has the wrong type for this path.", "invalid-type")
    if value is None:
        obj.pop(sub, None)
    else:
        obj[sub] = value


def _remove_or_set(target: dict[str, Any], attr: str, op: str, value: Any) -> None:
    if op == "remove":
        target.pop(attr, None)
    else:
        _set(target, attr, value, merge=op == "add" or attr == "name", op=op)


def _new_element(
    attr: str, sub: str, value: Any, match: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A new list element `{sub: value}`, holding what the value filter matched (`match`).

    `match` is a dict, not keyword arguments: its key may be `value` itself (issue 13)."""
    element = {**(match or {}), sub: value}
    if attr == "emails" and "primary" not in element:
        element["primary"] = True  # AWS stores one email, and it must be the primary one
    return element


def _apply_value_filter(user: dict[str, Any], op: str, match: re.Match[str], value: Any) -> None:
    attr, sub, tail = match["attr"], match["sub"], match["tail"]
    if attr not in s.MULTI_VALUED:
        raise _bad(f"Value filters apply only to {', '.join(s.MULTI_VALUED)}.")
    wanted = orjson.loads(match["value"].lower() if match["value"][0] != '"' else match["value"])
    items = user.get(attr)
    items = items if isinstance(items, list) else []

    def hit(item: Any) -> bool:
        if not isinstance(item, dict):
            return False
        have = item.get(sub)
        if isinstance(wanted, bool):
            return as_bool(have) is wanted
        return isinstance(have, str) and have.lower() == str(wanted).lower()

    hits = [item for item in items if hit(item)]
    if op == "remove":
        if tail is None:
            kept = [item for item in items if not hit(item)]
            if kept:
                user[attr] = kept
            else:
                user.pop(attr, None)
        else:
            for item in hits:
                item.pop(tail, None)
        return
    if tail is None:
        if not isinstance(value, dict):
            raise _bad("The value has the wrong type for this path.", "invalid-type")
        if hits:
            for item in hits:
                item.update(value)
        else:
            items.append({sub: wanted, **value})
            user[attr] = items
        return
    if hits:
        for item in hits:
            item[tail] = value
    else:
        items.append(_new_element(attr, tail, value, {sub: wanted}))
        user[attr] = items


# --- groups ---------------------------------------------------------------------------------


@dataclass
class GroupChanges:
    """What a group PATCH asks for: new attribute values and membership changes, in order."""

    attributes: dict[str, Any] = field(default_factory=dict)
    removed_attributes: set[str] = field(default_factory=set)
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    member_objects: list[Any] = field(default_factory=list)  # for the profile (nested groups)


def _member_values(value: Any) -> list[Any]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise _bad("The value has the wrong type for this path.", "invalid-type")
    return value


_MEMBER_PATH = re.compile(r'^members\[\s*value\s+eq\s+"(?P<id>[^"]*)"\s*\]$', re.IGNORECASE)


def group_changes(ops: list[dict[str, Any]]) -> GroupChanges:
    out = GroupChanges()
    for op in ops:
        items = list(op["value"].items()) if op["path"] is None else [(op["path"], op["value"])]
        for path, value in items:
            member = _MEMBER_PATH.match(path)
            if member:
                if op["op"] != "remove":
                    raise _bad("A member value path can only be removed.")
                out.remove.append(member["id"])
                continue
            if path == "members":
                if op["op"] == "replace":
                    raise _bad("Replacing all members is not supported.")
                values = [] if value is None else _member_values(value)
                if op["op"] == "remove" and not values:
                    raise _bad("Removing all members is not supported.")
                for element in values:
                    if not isinstance(element, dict) or not isinstance(element.get("value"), str):
                        raise _bad("The value has the wrong type for this path.", "invalid-type")
                    out.member_objects.append(element)
                    (out.add if op["op"] == "add" else out.remove).append(element["value"])
            elif path in ("displayName", "externalId"):
                if op["op"] == "remove":
                    if path == "displayName":
                        raise _bad("Removing displayName is not supported.")
                    out.removed_attributes.add(path)
                    out.attributes.pop(path, None)
                else:
                    out.attributes[path] = value
                    out.removed_attributes.discard(path)
            else:
                raise _bad(f"Unknown group attribute {path!r}.", codes.UNKNOWN_ATTRIBUTE)
    if len(out.add) + len(out.remove) > MAX_MEMBER_CHANGES:
        raise _bad(
            f"At most {MAX_MEMBER_CHANGES} membership changes per request.", codes.TOO_MANY_MEMBERS
        )
    return out
