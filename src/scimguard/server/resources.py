"""A stored row as the SCIM resource the emulator answers with, in AWS's shape.

The stored JSON holds the attributes; `id` and `meta` come from the row's columns and `schemas`
from what the resource holds. A group is answered without its members, as AWS does (a list
carries an empty array).
"""

from __future__ import annotations

from typing import Any

import orjson

from scimguard.profile import ENTERPRISE_URN, GROUP_URN, USER_URN


def _meta(kind: str, row: Any) -> dict[str, str]:
    return {"resourceType": kind, "created": row.created, "lastModified": row.last_modified}


def render_user(row: Any) -> dict[str, Any]:
    resource = orjson.loads(row.resource)
    out: dict[str, Any] = {"id": row.id}
    if "externalId" in resource:
        out["externalId"] = resource.pop("externalId")
    out["meta"] = _meta("User", row)
    out["schemas"] = [USER_URN] + ([ENTERPRISE_URN] if ENTERPRISE_URN in resource else [])
    out.update(resource)
    return out


def render_group(row: Any, *, in_list: bool = False) -> dict[str, Any]:
    resource = orjson.loads(row.resource)
    out: dict[str, Any] = {"id": row.id}
    if "externalId" in resource:
        out["externalId"] = resource["externalId"]
    out["meta"] = _meta("Group", row)
    out["schemas"] = [GROUP_URN]
    out["displayName"] = resource["displayName"]
    if in_list:
        out["members"] = []  # AWS never returns members; lists carry an empty array
    return out
