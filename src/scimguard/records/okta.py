"""Okta Users (and Groups) API exports: `{"id", "status", "profile": {...}}` to SCIM.

The profile goes through the same mapping as a CSV with Okta column names; `id` becomes
`externalId`, as Okta's AWS IAM Identity Center app sends it, and `status` gives `active`.
"""

from __future__ import annotations

from typing import Any

from scimguard.profile.schema import GROUP_URN
from scimguard.records.mapping import OKTA_ATTRIBUTES, AttributeMapping, EmptyCells, FieldMapper

_INACTIVE = frozenset({"SUSPENDED", "DEPROVISIONED"})
_GROUP_TYPES = frozenset({"OKTA_GROUP", "APP_GROUP", "BUILT_IN"})


def is_okta_object(obj: dict[str, Any]) -> bool:
    """An Okta API object rather than a SCIM resource: a `profile` object, no SCIM keys."""
    return (
        isinstance(obj.get("profile"), dict)
        and "schemas" not in obj
        and "userName" not in obj
        and "members" not in obj
    )


def is_okta_group(obj: dict[str, Any]) -> bool:
    """An Okta group object (its `type`), rather than a user."""
    return isinstance(obj.get("type"), str) and obj["type"] in _GROUP_TYPES


class OktaConverter:
    def __init__(
        self, mapping: AttributeMapping | None = None, empty_cells: EmptyCells = "absent"
    ) -> None:
        self.mapper = FieldMapper(OKTA_ATTRIBUTES, mapping, empty_cells=empty_cells, okta_only=True)
        self.maps_external_id = mapping is not None and "externalId" in mapping.targets

    def sources(self) -> dict[str, tuple[str, ...]]:
        """The Okta fields behind each SCIM path, for reports (`location.Locations.sources`):
        the mapping's profile attributes, the user id behind externalId, the status behind
        active."""
        sources = dict(self.mapper.sources)
        sources.setdefault("externalId", ("id",))
        sources["active"] = ("status",)
        return sources

    def convert(self, obj: dict[str, Any]) -> dict[str, Any]:
        profile = obj["profile"]
        okta_id = obj.get("id")
        if is_okta_group(obj):
            group: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": profile.get("name")}
            if okta_id is not None:
                group["externalId"] = okta_id
            return group
        resource = self.mapper.build(profile)
        if okta_id is not None and not self.maps_external_id:
            resource["externalId"] = okta_id
        status = obj.get("status")
        if isinstance(status, str):
            resource["active"] = status.upper() not in _INACTIVE
        return resource
