"""Every code point of a value with the profile's verdict: the hidden-character checker.

Shared by `scimguard inspect` and the console's inspector.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from scimguard import text
from scimguard.profile import Finding, Profile, kind_of
from scimguard.profile.schema import IDENTIFIERS, MULTILINE
from scimguard.records.paths import compact, parse_path, set_path


@dataclass(frozen=True, slots=True)
class CodePoint:
    position: int  # 1-based
    char: str
    shown: str  # the character, or a visible stand-in
    codepoint: str  # U+XXXX
    name: str
    category: str
    verdict: str  # "ok", or the rule (and severity) this character triggers
    severity: str | None  # "error", "warning" or None

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "char": self.char,
            "codepoint": self.codepoint,
            "name": self.name,
            "category": self.category,
            "verdict": self.verdict,
            "severity": self.severity,
        }


def is_identifier(attribute: str) -> bool:
    return parse_path(attribute)[-1][0] in IDENTIFIERS


def code_points(value: str, attribute: str, profile: Profile) -> list[CodePoint]:
    identifier = is_identifier(attribute)
    legacy = profile.switches.allow_legacy_characters
    foreign = {
        start + i
        for word, _ in text.mixed_script_words(value)
        for start in _starts(value, word)
        for i, _ch in text.foreign_letters(word)
    }
    leaf = parse_path(attribute)[-1][0]
    hidden = set(text.hidden_positions(value, multiline=leaf in MULTILINE))
    stray = {position for position, _ch, _why in text.stray_marks(value)}
    out = []
    for index, ch in enumerate(value):
        verdict, severity = "ok", None
        if index in hidden:
            verdict, severity = "hidden-character", "error"
        elif ch in text.FORBIDDEN_CHARACTERS and not legacy:
            verdict, severity = "forbidden-character", "error"
        elif identifier and text.is_whitespace(ch):
            verdict, severity = "whitespace-in-identifier", "error"
        elif ch in text.UNUSUAL_SPACES:
            verdict, severity = "unusual-space", "warning"
        elif index in foreign:
            verdict, severity = "mixed-script", "warning"
        elif index in stray:
            verdict, severity = "stray-mark", "warning"
        elif unicodedata.combining(ch) and not text.is_nfc(value):
            verdict, severity = "not-normalized", "warning"
        out.append(
            CodePoint(
                index + 1,
                ch,
                text.stand_in(ch),
                f"U+{ord(ch):04X}",
                text.char_name(ch),
                unicodedata.category(ch),
                verdict,
                severity,
            )
        )
    return out


def _starts(value: str, word: str) -> list[int]:
    starts, at = [], value.find(word)
    while at >= 0:
        starts.append(at)
        at = value.find(word, at + 1)
    return starts


def findings_for(value: str, attribute: str, profile: Profile) -> list[Finding]:
    """What the profile says about the value when sent as `attribute` (that attribute only)."""
    resource: dict[str, Any] = {}
    set_path(resource, parse_path(attribute), value)

    compact(resource)
    kind = "group" if attribute.split(".")[0] == "members" else kind_of(resource)
    return [f for f in profile.check(resource, kind) if f.attribute.startswith(attribute)]
