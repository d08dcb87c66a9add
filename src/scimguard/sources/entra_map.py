"""Microsoft Graph users and groups to SCIM, as AWS's Entra ID integration maps them.

The default follows the attribute mappings of the "AWS IAM Identity Center" enterprise app in
Entra ID (Microsoft's and AWS's tutorials): `userPrincipalName` -> `userName`, `givenName`,
`surname` -> `name.familyName`, `mail` -> the work email, `jobTitle` -> `title`, the address
parts -> the work address, `businessPhones` -> the work phone (`mobilePhone` when there is
none), `employeeId` and `department` -> the enterprise extension, the object `id` ->
`externalId`, `accountEnabled` -> `active`. A `--mapping` TOML file overrides targets one by
one with Graph property names (`userName = "mail"`, `displayName = "{givenName} {surname}"`);
a property it names is added to the `$select` of every read. A list property
(`businessPhones`, `otherMails`) gives its first value.
"""

from __future__ import annotations

from typing import Any

from scimguard.profile.schema import ENTERPRISE_URN, GROUP_URN
from scimguard.records.mapping import AttributeMapping, EmptyCells, FieldMapper, Source

ENTRA_ATTRIBUTES: dict[str, str] = {
    "userName": "userPrincipalName",
    "displayName": "displayName",
    "name.givenName": "givenName",
    "name.familyName": "surname",
    "emails[0].value": "mail",
    "title": "jobTitle",
    "preferredLanguage": "preferredLanguage",
    "addresses[0].streetAddress": "streetAddress",
    "addresses[0].locality": "city",
    "addresses[0].region": "state",
    "addresses[0].postalCode": "postalCode",
    "addresses[0].country": "country",
    "phoneNumbers[0].value": "businessPhones",
    "phoneNumbers[1].value": "mobilePhone",  # a fallback: `keep_one` sends one phone
    f"{ENTERPRISE_URN}:employeeNumber": "employeeId",
    f"{ENTERPRISE_URN}:department": "department",
}
ALWAYS_SELECTED = ("id", "accountEnabled")
# The type each default list element is sent with (AWS's app: `emails[type eq "work"]`, ...).
_TYPES = {"emails": "work", "addresses": "work"}


class EntraConverter:
    """Graph user objects (as `$select`ed) to SCIM users; groups with their members."""

    def __init__(
        self, mapping: AttributeMapping | None = None, empty_cells: EmptyCells = "absent"
    ) -> None:
        targets: dict[str, Source | None] = {
            target: Source(attribute=name) for target, name in ENTRA_ATTRIBUTES.items()
        }
        if mapping is not None:
            targets.update(mapping.targets)
        self.targets = targets
        self.mapper = FieldMapper((), AttributeMapping(targets), empty_cells=empty_cells)
        self.maps_external_id = "externalId" in targets
        self.maps_active = "active" in targets
        self.typed = {path.split("[", 1)[0] for path in targets if path.endswith("].type")}

    def select(self) -> list[str]:
        """The user properties a read asks for: the mapping's sources, `id`, `accountEnabled`."""
        names = list(ALWAYS_SELECTED)
        for source in self.targets.values():
            for name in source.fields if source is not None else ():
                if name not in names:
                    names.append(name)
        return names

    def user(self, obj: dict[str, Any]) -> dict[str, Any]:
        row = {k: (v[0] if v else None) if isinstance(v, list) else v for k, v in obj.items()}
        resource = self.mapper.build(row)
        for key, kind in _TYPES.items():
            if key not in self.typed:
                for element in resource.get(key) or []:
                    if isinstance(element, dict):
                        element.setdefault("type", kind)
        if "phoneNumbers" not in self.typed:
            for element in resource.get("phoneNumbers") or []:
                if isinstance(element, dict):
                    mobile = element.get("value") == row.get("mobilePhone") and not row.get(
                        "businessPhones"
                    )
                    element.setdefault("type", "mobile" if mobile else "work")
        if not self.maps_external_id and isinstance(obj.get("id"), str):
            resource["externalId"] = obj["id"]
        if not self.maps_active and isinstance(obj.get("accountEnabled"), bool):
            resource["active"] = obj["accountEnabled"]
        return resource

    @staticmethod
    def group(obj: dict[str, Any], member_ids: list[str]) -> dict[str, Any]:
        """A group: its name, its object id as externalId, its users (nested groups flattened:
        AWS has no nested groups)."""
        resource: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": obj.get("displayName")}
        if isinstance(obj.get("id"), str):
            resource["externalId"] = obj["id"]
        resource["members"] = [{"value": uid} for uid in member_ids]
        return resource
