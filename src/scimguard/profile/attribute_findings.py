"""The findings on an attribute as a whole: its type, its name, whether AWS takes it at all.

The string rules (values.py) judge what a string holds; these say that the attribute itself is
wrong: a value of the wrong type, an attribute AWS does not support or does not know, a name it
reserves, a group among a group's members. The walk (resources.py) writes them all, and the
cross-record rules (duplicates.py) write the nested-group one, in the same words.
"""

from __future__ import annotations

from typing import Any

from scimguard.profile import schema
from scimguard.profile.catalogue import E, W
from scimguard.profile.findings import NO_SUGGESTION, Finding


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else "a value"


def invalid_type(path: str, value: Any, expected: str, suggestion: Any = NO_SUGGESTION) -> Finding:
    return Finding(
        "invalid-type",
        E,
        path,
        value,
        f"{path} is {_type_name(value)}, but AWS expects {expected}.",
        f"Send {path} as {expected}.",
        suggestion,
    )


def unsupported(path: str, value: Any, why: str) -> Finding:
    return Finding(
        "unsupported-attribute",
        E,
        path,
        value,
        f"{path} is not supported by AWS IAM Identity Center ({why}).",
        f"Stop sending {path}: remove it from the attribute mapping.",
        None,
    )


def unknown(path: str, value: Any) -> Finding:
    return Finding(
        "unknown-attribute",
        W,
        path,
        value,
        f"{path} is not an attribute of the AWS IAM Identity Center user schema (names are "
        "case-sensitive).",
        f"Check the spelling of {path}, or stop mapping it.",
    )


def reserved(path: str, value: Any, out: list[Finding]) -> None:
    """reserved-name: the Identity Store keeps `Administrator` and `AWSAdministrators`."""
    if isinstance(value, str) and value.lower() in schema.RESERVED_NAMES:
        out.append(
            Finding(
                "reserved-name",
                W,
                path,
                value,
                f"{path} is {value!r}, a name AWS IAM Identity Center reserves; creating it may "
                "fail or collide with the built-in one.",
                f"Choose another {path}.",
            )
        )


def nested_group_finding(path: str, value: Any) -> Finding:
    return Finding(
        "nested-group",
        E,
        f"{path}.value",
        value,
        f"The member {value!r} is a group; AWS IAM Identity Center groups contain users only.",
        "Remove the group from the members and add its users instead.",
    )
