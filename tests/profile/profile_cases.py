"""Helpers for profile tests: a valid user to vary, and the rules that fire on resources."""

from __future__ import annotations

import copy
from typing import Any

from scimguard.check import check_resources
from scimguard.profile import ENTERPRISE_URN, Profile, Switches

VALID_USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_URN],
    "externalId": "00u1abc",
    "userName": "jane.doe@example.com",
    "name": {"givenName": "Jane", "familyName": "Doe"},
    "displayName": "Jane Doe",
    "emails": [{"value": "jane.doe@example.com", "type": "work", "primary": True}],
    "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
    "addresses": [
        {
            "streetAddress": "1 Main St",
            "locality": "Springfield",
            "region": "IL",
            "postalCode": "62701",
            "country": "US",
            "type": "work",
        }
    ],
    "title": "Engineer",
    "active": True,
    ENTERPRISE_URN: {"department": "Engineering", "employeeNumber": "E1"},
}


def user(**changes: Any) -> dict[str, Any]:
    """The valid user with top-level attributes replaced (None removes one)."""
    out = copy.deepcopy(VALID_USER)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def named(given: Any = "Jane", family: Any = "Doe", **changes: Any) -> dict[str, Any]:
    name = {}
    if given is not None:
        name["givenName"] = given
    if family is not None:
        name["familyName"] = family
    return user(name=name, **changes)


# The rules as the profile states them: a partial address is the error `incomplete-address`
# (the default `incomplete_address = omit` turns it into the warning `address-omitted`).
BLOCK = Switches(incomplete_address="block")


def rules_of(*resources: dict[str, Any], switches: Switches | None = None) -> set[str]:
    report = check_resources(list(resources), Profile(switches or BLOCK))
    return {finding.rule for _ref, finding in report.findings}
