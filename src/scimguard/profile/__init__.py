"""The AWS IAM Identity Center profile: the one place that knows what the endpoint accepts.

`check`, the emulator (`serve`) and the engine's diagnoses all call this package, so the
prediction and the refusal can never disagree. Rule codes are in rules.md and `catalogue`.

    >>> from scimguard.profile import Profile
    >>> [f.rule for f in Profile().check_user({"userName": "jane", "displayName": "Jane"})]
    ['missing-required', 'missing-required']
"""

from __future__ import annotations

from typing import Any, Literal

from scimguard.profile.booleans import as_bool
from scimguard.profile.catalogue import BY_CODE, RULES, Rule
from scimguard.profile.duplicates import DuplicateTracker, primary_email
from scimguard.profile.findings import NO_SUGGESTION, Finding, Severity
from scimguard.profile.record_refs import RecordRef
from scimguard.profile.resources import ResourceChecker
from scimguard.profile.schema import ENTERPRISE_URN, GROUP_URN, USER_URN
from scimguard.profile.switches import DEFAULT_SWITCHES, Switches

Kind = Literal["user", "group"]
PROFILE_NAME = "aws-identity-center"

__all__ = [
    "BY_CODE",
    "DEFAULT_SWITCHES",
    "ENTERPRISE_URN",
    "GROUP_URN",
    "NO_SUGGESTION",
    "PROFILE_NAME",
    "RULES",
    "USER_URN",
    "DuplicateTracker",
    "Finding",
    "Kind",
    "Profile",
    "RecordRef",
    "Rule",
    "Severity",
    "Switches",
    "as_bool",
    "kind_of",
    "primary_email",
]


def kind_of(resource: dict[str, Any]) -> Kind:
    """User or group: by `schemas` when given, else a group has `members` and no `userName`."""
    schemas = resource.get("schemas")
    if isinstance(schemas, list):
        if GROUP_URN in schemas:
            return "group"
        if USER_URN in schemas:
            return "user"
    if "members" in resource and "userName" not in resource:
        return "group"
    return "user"


class Profile:
    """The aws-identity-center profile with its switches."""

    name = PROFILE_NAME

    def __init__(self, switches: Switches = DEFAULT_SWITCHES) -> None:
        self.switches = switches
        self._checker = ResourceChecker(switches)
        self.check_user = self._checker.check_user
        self.walk_user = self._checker.walk_user  # the same findings, without the fast path
        self.check_values = self._checker.check_values  # a user the screen passed, warned
        self.check_group = self._checker.check_group

    def check(self, resource: dict[str, Any], kind: Kind | None = None) -> list[Finding]:
        """Every single-record finding for one resource (duplicates need `DuplicateTracker`)."""
        if (kind or kind_of(resource)) == "group":
            return self._checker.check_group(resource)
        return self._checker.check_user(resource)

    def errors(self, resource: dict[str, Any], kind: Kind | None = None) -> list[Finding]:
        return [f for f in self.check(resource, kind) if f.severity is Severity.ERROR]
