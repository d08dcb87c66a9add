"""What differs between the resource we want and the one the target holds.

Both sides are normalised first: server-owned attributes (`id`, `meta`, `schemas`), null
values and empty lists are dropped, booleans given as strings are read as booleans, and
`active` defaults to true on our side, so that an unchanged user never looks changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from scimguard.profile import as_bool
from scimguard.profile.schema import ENTERPRISE_URN, MULTI_VALUED, USER_STRINGS

# What the target keeps of a user; anything else (an `unknown-attribute` warning) it drops,
# so comparing it would turn every run into an update.
USER_ATTRIBUTES = USER_STRINGS | {"name", "active", "profileUrl", ENTERPRISE_URN, *MULTI_VALUED}

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
        if key in SERVER_OWNED or (kind == "user" and key not in USER_ATTRIBUTES):
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


GROUP_ATTRIBUTES = ("displayName", "externalId")


_EXACT = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
COMPARED_USER = frozenset(USER_ATTRIBUTES)

Same = Callable[[dict[str, Any], dict[str, Any], frozenset[str]], bool]
same_attributes: Same | None
try:  # the quick comparison in C (sync/_exact.c); without a compiler, canonical JSON forms
    from scimguard.sync._exact import same_attributes
except ImportError:  # pragma: no cover - the build has a C compiler
    same_attributes = None


def uses_forms(kind: str) -> bool:
    """Whether a quick comparison of `kind` needs each side's `compared_form` (groups, and
    users when the C comparison is not built)."""
    return kind != "user" or same_attributes is None


def compared_form(resource: dict[str, Any], kind: str, *, parsed: bool = False) -> bytes | None:
    """The attributes a comparison looks at, as they stand, in one canonical form; None for
    what the form would not hold exactly, which only the normalised comparison can judge.

    orjson writes NaN as null and a tuple as a list, so a form of Python values is read back
    and compared (`parsed=True` skips that for what orjson itself parsed: a target's answer)."""
    if kind == "user":
        kept = {k: v for k, v in resource.items() if k in USER_ATTRIBUTES}
    else:
        kept = {k: resource.get(k) for k in GROUP_ATTRIBUTES}
    try:
        form = orjson.dumps(kept, option=_EXACT)
    except (TypeError, orjson.JSONEncodeError):  # a date, a set, a key that is not a string
        return None
    if not parsed and orjson.loads(form) != kept:  # NaN (never equal), a tuple, a subclass
        return None
    return form


def changed_attributes(
    desired: dict[str, Any],
    actual: dict[str, Any],
    kind: str,
    desired_form: bytes | None = None,
    actual_form: bytes | None = None,
) -> list[str]:
    """Dotted paths of the attributes that differ (sub-attributes for objects).

    First the usual answer of a resync, without normalising either side (a fifth of the
    cost): the target holds every compared attribute exactly as we would send it. Equal JSON
    (types included: `1` is not `true`) normalises equally, so this never hides a change.
    The forms are `compared_form` of each side, when the caller has them already (not needed
    for users when the C comparison is built: `uses_forms`)."""
    if not uses_forms(kind):
        assert same_attributes is not None  # what uses_forms says
        if same_attributes(desired, actual, COMPARED_USER):
            return []
    elif (
        wanted := desired_form if desired_form is not None else compared_form(desired, kind)
    ) is not None:
        held = actual_form if actual_form is not None else compared_form(actual, kind)
        if wanted == held:
            return []
    want = normalise(desired, kind)
    have = normalise(actual, kind)
    if kind == "group":
        have = {k: v for k, v in have.items() if k in GROUP_ATTRIBUTES}
        want = {k: v for k, v in want.items() if k in GROUP_ATTRIBUTES}
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
