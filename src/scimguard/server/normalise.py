"""What the emulator keeps of a resource, and the keys it is found and refused by.

`clean_user` is the user AWS stores (known attributes, booleans coerced, no manager `$ref`);
`match_key` is the one normalised form of a case-insensitive unique value (userName, the
primary email, displayName), written to the key columns of `tables` and used by every lookup
of them, so equal values always meet. The store writes both; bench/serve_throughput.py fills
the tables directly with them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scimguard.profile import ENTERPRISE_URN, as_bool, primary_email
from scimguard.profile import schema as s


def clean_user(body: dict[str, Any], default_active: bool | None) -> dict[str, Any]:
    """What AWS keeps of a (valid) user: known attributes, booleans coerced, no manager $ref."""
    allowed = s.USER_STRINGS | {"name", "active", "profileUrl", ENTERPRISE_URN, *s.MULTI_VALUED}
    user = {k: v for k, v in body.items() if k in allowed and v is not None}
    if "active" in user:
        user["active"] = as_bool(user["active"])
    elif default_active is not None:
        user["active"] = default_active
    if isinstance(user.get("name"), dict):
        user["name"] = {k: v for k, v in user["name"].items() if v is not None}
    for key in s.MULTI_VALUED:
        items = user.get(key)
        if isinstance(items, list):
            if not items:
                user.pop(key)
                continue
            user[key] = [
                {
                    k: (as_bool(v) if k == "primary" else v)
                    for k, v in item.items()
                    if v is not None and k != "display"
                }
                for item in items
            ]
    ext = user.get(ENTERPRISE_URN)
    if isinstance(ext, dict):
        ext = {k: v for k, v in ext.items() if v is not None}
        if isinstance(ext.get("manager"), dict):
            manager = {k: v for k, v in ext["manager"].items() if k == "value" and v is not None}
            if manager:
                ext["manager"] = manager
            else:
                ext.pop("manager")
        if ext:
            user[ENTERPRISE_URN] = ext
        else:
            user.pop(ENTERPRISE_URN)
    return user


MAX_KEY_BYTES = 512


def match_key(value: str) -> str:
    """The stored key of a case-insensitive unique value: lower-cased, or, when that is longer
    than MAX_KEY_BYTES in UTF-8, `sha256:` and its digest.

    A 1024-character display name or email is valid (AWS's limit) but, lower-cased, may be
    2048 characters or 4 KiB: more than its column and than a PostgreSQL B-tree entry
    (2704 bytes) can hold, which answered 500 (issue 13). Every write and lookup of a key
    column goes through here, so equal values always meet."""
    lowered = value.lower()
    raw = lowered.encode("utf-8", "surrogatepass")
    if len(raw) <= MAX_KEY_BYTES:
        return lowered
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def user_keys(user: dict[str, Any]) -> dict[str, Any]:
    email = primary_email(user)
    return {
        "user_name_key": match_key(user["userName"]),
        "email_key": match_key(email) if email else None,
        "external_id": user.get("externalId"),
    }


def group_keys(group: dict[str, Any]) -> dict[str, Any]:
    return {
        "display_name_key": match_key(group["displayName"]),
        "external_id": group.get("externalId"),
    }
