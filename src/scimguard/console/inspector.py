"""The inspector: one value, code point by code point, and what the profile says about it.

The verdict is the profile's own: the value is placed into the chosen attribute of an otherwise
valid user (or group) and checked, so the inspector can never disagree with `check`, the
emulator or the engine.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass
from typing import Any

from scimguard import text
from scimguard.profile import Finding, Profile

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


@dataclass(frozen=True)
class CodePoint:
    position: int  # 1-based, as the profile's messages count
    char: str
    shown: str  # the character itself, or a printable stand-in
    codepoint: str
    name: str
    category: str
    category_text: str
    flags: tuple[str, ...]  # hidden, forbidden, whitespace, unusual space, other script...

    @property
    def bad(self) -> bool:
        return any(f in ("hidden", "forbidden") for f in self.flags)


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


def _resource(attribute: str, value: str) -> tuple[dict[str, Any], str, str]:
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


def _flags(ch: str, identifier: bool) -> tuple[str, ...]:
    flags = []
    if text.is_hidden(ch, free_text=not identifier):
        flags.append("hidden")
    if ch in text.FORBIDDEN_CHARACTERS:
        flags.append("forbidden")
    if ch in text.UNUSUAL_SPACES:
        flags.append("unusual space")
    elif identifier and text.is_whitespace(ch) and "hidden" not in flags:
        flags.append("whitespace")
    script = text.script_of(ch)
    if script and script != "Latin":
        flags.append(script)
    if unicodedata.combining(ch):
        flags.append("combining")
    return tuple(flags)


def inspect(
    value: str, attribute: str = "name.givenName", profile: Profile | None = None
) -> Inspection:
    if attribute not in ATTRIBUTE_NAMES:
        attribute = "name.givenName"
    identifier = attribute in ("userName", "externalId")
    points = []
    for i, ch in enumerate(value):
        category = unicodedata.category(ch)
        points.append(
            CodePoint(
                position=i + 1,
                char=ch,
                shown=text.stand_in(ch),
                codepoint=f"U+{ord(ch):04X}",
                name=text.char_name(ch),
                category=category,
                category_text=CATEGORIES.get(category, category),
                flags=_flags(ch, identifier),
            )
        )
    resource, kind, path = _resource(attribute, value)
    findings = (profile or Profile()).check(resource, kind)  # type: ignore[arg-type]
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
