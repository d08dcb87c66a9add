"""Rules on one whole group: its name, its members, and the attributes a group cannot have.

The group's half of the walk (resources.py holds the user's): `ResourceChecker` hands it its own
string check, so a group's strings are judged exactly as a user's are.
"""

from __future__ import annotations

from typing import Any, Protocol

from scimguard.profile import schema
from scimguard.profile.attribute_findings import (
    invalid_type,
    nested_group_finding,
    reserved,
    unknown,
    unsupported,
)
from scimguard.profile.catalogue import E
from scimguard.profile.findings import Finding


class StringCheck(Protocol):
    """`ResourceChecker._string`: judge one string attribute, appending its findings to `out`."""

    def __call__(
        self, path: str, value: Any, out: list[Finding], *, name: str, required: bool = False
    ) -> None: ...


class GroupChecker:
    """Checks single groups, with the string check of the profile's switches."""

    def __init__(self, string: StringCheck) -> None:
        self._string = string

    def check_group(self, group: dict[str, Any]) -> list[Finding]:
        out: list[Finding] = []
        for key, value in group.items():
            if key in schema.SKIPPED:
                continue
            if key in ("displayName", "externalId"):
                self._string(key, value, out, name=key, required=key == "displayName")
            elif key == "members":
                self._members(value, out)
            else:
                out.append(
                    unsupported(key, value, "groups hold only displayName, externalId, members")
                )
        reserved("displayName", group.get("displayName"), out)
        if group.get("displayName") is None:
            out.append(
                Finding(
                    "missing-required",
                    E,
                    "displayName",
                    None,
                    "The group has no name (displayName); AWS needs one for every group.",
                    "Give the group a display name.",
                )
            )
        return out

    def _members(self, value: Any, out: list[Finding]) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            out.append(invalid_type("members", value, "a list of objects"))
            return
        if len(value) > schema.MAX_MEMBERS:
            out.append(
                Finding(
                    "too-many-members",
                    E,
                    "members",
                    len(value),
                    f"The group has {len(value)} members; AWS refuses a create or PATCH with "
                    f"more than {schema.MAX_MEMBERS} member changes in one request.",
                    f"Create the group with at most {schema.MAX_MEMBERS} members, then add the "
                    f"rest in PATCH requests of at most {schema.MAX_MEMBERS} (scimguard sync "
                    "does this).",
                )
            )
        for index, member in enumerate(value):
            path = f"members[{index}]"
            if not isinstance(member, dict):
                out.append(invalid_type(path, member, "an object with a value"))
                continue
            for sub, subvalue in member.items():
                if sub in ("value", "type", "$ref"):
                    self._string(f"{path}.{sub}", subvalue, out, name=sub)
                elif sub == "display":
                    out.append(unsupported(f"{path}.{sub}", subvalue, "the display sub-attribute"))
                else:
                    out.append(unknown(f"{path}.{sub}", subvalue))
            if isinstance(member.get("type"), str) and member["type"].lower() == "group":
                out.append(nested_group_finding(path, member.get("value")))
