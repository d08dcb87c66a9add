"""The inspector: one value, code point by code point, and what the profile says about it.

Code points and their verdicts come from `scimguard.inspect_value` (shared with `scimguard
inspect`). The findings are the profile's own: the value is placed into the chosen attribute of
an otherwise valid user (or group) and checked, so the inspector can never disagree with
`check`, the emulator or the engine.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from scimguard import text
from scimguard.inspect_value import CodePoint, code_points
from scimguard.profile import Finding, Kind, Profile

CATEGORIES = {
    "Lu": "letter, uppercase",
    "Ll": "letter, lowercase",
    "Lt": "letter, titlecase",
    "Lm": "letter, modifier",
    "Lo": "letter, other",
    "Mn": "mark, nonspacing",
    "Mc": "mark, spacing combining",
    "Me": "mark, enclosing",
    "Nd": "number, decimal digit",
    "Nl": "number, letter",
    "No": "number, other",
    "Pc": "punctuation, connector",
    "Pd": "punctuation, dash",
    "Ps": "punctuation, open",
    "Pe": "punctuation, close",
    "Pi": "punctuation, initial quote",
    "Pf": "punctuation, final quote",
    "Po": "punctuation, other",
    "Sm": "symbol, math",
    "Sc": "symbol, currency",
    "Sk": "symbol, modifier",
    "So": "symbol, other",
    "Zs": "separator, space",
    "Zl": "separator, line",
    "Zp": "separator, paragraph",
    "Cc": "other, control",
    "Cf": "other, format",
    "Cs": "other, surrogate",
    "Co": "other, private use",
    "Cn": "other, not assigned",
}

_SAMPLE_USER: dict[str, Any] = {
    "userName": "inspector.sample",
    "displayName": "Sample Person",
    "name": {"givenName": "Sample", "familyName": "Person"},
}
_SAMPLE_GROUP: dict[str, Any] = {"displayName": "Inspector sample"}

# (form value, label, kind, identifier?)
ATTRIBUTES: tuple[tuple[str, str, str, bool], ...] = (
    ("name.givenName", "User: first name (name.givenName)", "user", False),
    ("name.familyName", "User: last name (name.familyName)", "user", False),
    ("displayName", "User: display name", "user", False),
    ("userName", "User: username (userName)", "user", True),
    ("externalId", "User: externalId", "user", True),
    ("emails[0].value", "User: email", "user", False),
    ("title", "User: title", "user", False),
    ("group.displayName", "Group: display name", "group", False),
)
ATTRIBUTE_NAMES = {a[0] for a in ATTRIBUTES}
MAX_SHOWN = 2000  # code points listed; the verdict always covers the whole value


@dataclass(frozen=True)
class Inspection:
    value: str
    attribute: str
    visible: str
    nfc: str | None  # the NFC form when it differs
    codepoints: list[CodePoint]
    findings: list[Finding]

    @property
    def accepted(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def _resource(attribute: str, value: str) -> tuple[dict[str, Any], Kind, str]:
    """(resource, kind, path the findings use) with the value in place."""
    if attribute == "group.displayName":
        group = copy.deepcopy(_SAMPLE_GROUP)
        group["displayName"] = value
        return group, "group", "displayName"
    user = copy.deepcopy(_SAMPLE_USER)
    if attribute.startswith("name."):
        user["name"][attribute.split(".", 1)[1]] = value
    elif attribute == "emails[0].value":
        user["emails"] = [{"value": value, "primary": True, "type": "work"}]
    else:
        user[attribute] = value
    return user, "user", attribute


def inspect(
    value: str, attribute: str = "name.givenName", profile: Profile | None = None
) -> Inspection:
    if attribute not in ATTRIBUTE_NAMES:
        attribute = "name.givenName"
    profile = profile or Profile()
    path = "displayName" if attribute == "group.displayName" else attribute
    points = code_points(value[:MAX_SHOWN], path, profile)
    resource, kind, path = _resource(attribute, value)
    findings = profile.check(resource, kind)
    mine = [f for f in findings if f.attribute == path or f.attribute.startswith(path + ".")]
    nfc = text.nfc(value)
    return Inspection(
        value=value,
        attribute=attribute,
        visible=text.visible(value),
        nfc=None if nfc == value else nfc,
        codepoints=points,
        findings=mine,
    )
