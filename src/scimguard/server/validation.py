"""Turning the profile's findings into AWS's 400 (generic or per-attribute detail).

The rules themselves are the profile's; this only words the refusal the way AWS does
(aws-identity-center-scim.md section 7.3).
"""

from __future__ import annotations

from typing import Any

from scimguard.profile import Finding, Kind, Profile
from scimguard.server.errors import GENERIC_400, ScimError

_NAME_PATTERN = r"[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]+"
_ID_PATTERN = r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+"
_PATTERN_RULES = ("forbidden-character", "hidden-character", "whitespace-in-identifier")


def _pattern(attribute: str) -> str:
    leaf = attribute.rsplit(".", 1)[-1]
    return _ID_PATTERN if leaf in ("userName", "externalId") else _NAME_PATTERN


def _constraints(finding: Finding) -> list[str]:
    pattern = f"Member must satisfy regular expression pattern: {_pattern(finding.attribute)}"
    if finding.rule in ("missing-required", "empty-string"):
        # AWS words a missing name like an empty one (UG-ts: "Empty or missing given name")
        return [pattern, "Member must have length greater than or equal to 1"]
    if finding.rule in _PATTERN_RULES:
        return [pattern]
    if finding.rule == "too-long":
        limit = 128 if finding.attribute == "userName" else 256
        if not finding.attribute.endswith(("userName", "externalId")):
            limit = 1024
        return [f"Member must have length less than or equal to {limit}"]
    return [finding.message]


def specific_detail(findings: list[Finding]) -> str:
    """AWS's newer wording: `N validation errors detected: Value at '<path>' failed to ...`."""
    for finding in findings:
        if finding.rule == "multiple-values":
            return f"List attribute {finding.attribute} exceeds allowed limit of 1"
    clauses = []
    seen = set()
    for finding in findings:
        for constraint in _constraints(finding):
            clause = f"Value at '{finding.attribute}' failed to satisfy constraint: {constraint}"
            if clause not in seen:
                seen.add(clause)
                clauses.append(clause)
    return f"{len(clauses)} validation errors detected: " + "; ".join(clauses)


def refusal(findings: list[Finding]) -> ScimError:
    return ScimError(
        400, GENERIC_400, [f.rule for f in findings], specific=specific_detail(findings)
    )


def validate(profile: Profile, resource: Any, kind: Kind) -> None:
    """Raise AWS's 400 when the profile finds an error in the resource."""
    errors = profile.errors(resource, kind)
    if errors:
        raise refusal(errors)
