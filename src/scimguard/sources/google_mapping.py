"""Google Workspace users and groups (Admin SDK Directory API objects) to SCIM resources.

The default follows AWS IAM Identity Center's own Google Workspace integration: `primaryEmail`
is the userName and the one (work, primary) email, `name.givenName` / `name.familyName` the
name, "given family" the display name, and the *primary* element of `organizations`,
`addresses` and `phones` (the one marked `primary`, else the first) gives the title, the
enterprise department / cost center / organization, the one address and the one phone number.
The Google user `id` is the externalId: it never changes, so a renamed user (a new primary
email) is an update, not a removal and a create.

A Google user is first made flat (`name.givenName`, `organizations.title`, `phones.value`,
`customSchemas.Employment.costCode`, ...) and then goes through the shared `FieldMapper`, so a
`--mapping` TOML file overrides targets one by one with these names, templates included:

    displayName = "{name.fullName}"
    title = "customSchemas.Employment.jobCode"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimguard.profile.schema import ENTERPRISE_URN, GROUP_URN
from scimguard.records.mapping import AttributeMapping, EmptyCells, FieldMapper, Source

# SCIM target -> Google flat attribute (or a template of several).
GOOGLE_DEFAULTS: dict[str, str] = {
    "externalId": "id",
    "userName": "primaryEmail",
    "name.givenName": "name.givenName",
    "name.familyName": "name.familyName",
    "displayName": "{name.givenName} {name.familyName}",
    "emails[0].value": "primaryEmail",
    "emails[0].type": "emails.type",
    "title": "organizations.title",
    f"{ENTERPRISE_URN}:department": "organizations.department",
    f"{ENTERPRISE_URN}:costCenter": "organizations.costCenter",
    f"{ENTERPRISE_URN}:organization": "organizations.name",
    f"{ENTERPRISE_URN}:employeeNumber": "externalIds.organization",
    "addresses[0].streetAddress": "addresses.streetAddress",
    "addresses[0].locality": "addresses.locality",
    "addresses[0].region": "addresses.region",
    "addresses[0].postalCode": "addresses.postalCode",
    "addresses[0].country": "addresses.countryCode",
    "addresses[0].type": "addresses.type",
    "phoneNumbers[0].value": "phones.value",
    "phoneNumbers[0].type": "phones.type",
}

# Google's phone and address types -> SCIM's canonical types (RFC 7643 4.1.2).
_PHONE_TYPES = {
    "work": "work",
    "company_main": "work",
    "main": "work",
    "home": "home",
    "mobile": "mobile",
    "work_mobile": "mobile",
    "fax": "fax",
    "home_fax": "fax",
    "work_fax": "fax",
    "other_fax": "fax",
    "pager": "pager",
    "work_pager": "pager",
}
_ADDRESS_TYPES = {"work": "work", "home": "home"}
_ADDRESS_FIELDS = ("streetAddress", "locality", "region", "postalCode", "countryCode")
_ORG_FIELDS = ("title", "department", "costCenter", "name", "description", "location")


def primary(values: Any) -> dict[str, Any] | None:
    """The element of a Google list marked `primary`, else the first one (None: no list)."""
    if not isinstance(values, list):
        return None
    elements = [v for v in values if isinstance(v, dict)]
    return next(
        (v for v in elements if v.get("primary") is True), elements[0] if elements else None
    )


def flatten_user(user: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes a mapping may name, from one `users.list` item (projection=full)."""
    row: dict[str, Any] = {}
    for key in ("id", "primaryEmail", "orgUnitPath", "recoveryEmail", "suspended", "archived"):
        if user.get(key) is not None:
            row[key] = user[key]
    if user.get("primaryEmail") is not None:
        row["emails.type"] = "work"
    name = user.get("name")
    if isinstance(name, dict):
        for key, value in name.items():
            row[f"name.{key}"] = value
    org = primary(user.get("organizations"))
    if org:
        for key in _ORG_FIELDS:
            if org.get(key) is not None:
                row[f"organizations.{key}"] = org[key]
    address = primary(user.get("addresses"))
    if address and any(address.get(k) for k in _ADDRESS_FIELDS):
        for key in _ADDRESS_FIELDS:
            if address.get(key) is not None:
                row[f"addresses.{key}"] = address[key]
        row["addresses.type"] = _ADDRESS_TYPES.get(str(address.get("type")), "other")
    phone = primary(user.get("phones"))
    if phone and phone.get("value"):
        row["phones.value"] = phone["value"]
        row["phones.type"] = _PHONE_TYPES.get(str(phone.get("type")), "other")
    for ext in user.get("externalIds") or []:
        if isinstance(ext, dict) and ext.get("type") and ext.get("value") is not None:
            row.setdefault(f"externalIds.{ext['type']}", ext["value"])
    schemas = user.get("customSchemas")
    if isinstance(schemas, dict):
        for schema, values in schemas.items():
            if isinstance(values, dict):
                for key, value in values.items():
                    if not isinstance(value, (dict, list)):
                        row[f"customSchemas.{schema}.{key}"] = value
    return row


class GoogleConverter:
    """Google users and groups to SCIM, by the default mapping plus `--mapping`."""

    def __init__(
        self, mapping: AttributeMapping | None = None, empty_cells: EmptyCells = "absent"
    ) -> None:
        targets: dict[str, Source | None] = {
            target: Source.parse(source) for target, source in GOOGLE_DEFAULTS.items()
        }
        if mapping is not None:
            targets.update(mapping.targets)
        self.mapper = FieldMapper(
            (), AttributeMapping(targets), empty_cells=empty_cells, okta_only=True
        )
        self.maps_active = "active" in targets

    def user(self, user: Mapping[str, Any]) -> dict[str, Any]:
        """A SCIM user; suspended (or archived) users are inactive, as AWS's integration does."""
        resource = self.mapper.build(flatten_user(user))
        if not self.maps_active:
            resource["active"] = not (user.get("suspended") is True or user.get("archived") is True)
        return resource

    @staticmethod
    def group(group: Mapping[str, Any], members: list[str]) -> dict[str, Any]:
        """A SCIM group: Google's group name, its id as externalId, the (flattened) members."""
        resource: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": group.get("name")}
        if group.get("id") is not None:
            resource["externalId"] = group["id"]
        resource["members"] = [{"value": value} for value in members]
        return resource
