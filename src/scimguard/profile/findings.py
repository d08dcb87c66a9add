"""The finding: what every part of scimguard says about a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        return 2 if self is Severity.ERROR else 1


class _NoSuggestion:
    """Marks a finding without a suggestion, distinct from "suggest null" (drop the value)."""

    _instance: _NoSuggestion | None = None

    def __new__(cls) -> _NoSuggestion:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_SUGGESTION"

    def __bool__(self) -> bool:
        return False


NO_SUGGESTION: Any = _NoSuggestion()


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule broken by one value of one record.

    `suggested_value` is a replacement that itself passes every rule; `None` means "send null
    (drop the attribute)", and `NO_SUGGESTION` means a person has to decide. In JSON both are
    written as null; `has_suggestion` tells them apart for `scimguard fix`.
    """

    rule: str
    severity: Severity
    attribute: str
    value: Any
    message: str
    fix: str
    suggested_value: Any = NO_SUGGESTION
    related: tuple[int, ...] = field(default=())  # other records involved (duplicates)

    @property
    def has_suggestion(self) -> bool:
        return self.suggested_value is not NO_SUGGESTION

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "attribute": self.attribute,
            "value": self.value,
            "message": self.message,
            "fix": self.fix,
            "suggested_value": self.suggested_value if self.has_suggestion else None,
        }
