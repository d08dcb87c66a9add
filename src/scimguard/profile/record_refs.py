"""Where a record is, as findings name it: a `RecordRef` (its position across all inputs, its
file and line, its name), and `Located`, whatever the duplicate tracker can pack.

A leaf of the profile: the tracker (duplicates.py), the look-alike finder (lookalikes.py) and
every report use it, and it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Where a record is: its 1-based position across all inputs, its file and line."""

    record: int
    file: str
    line: int
    kind: str  # "user" | "group"
    key: str | None  # userName (user) or displayName (group), as given

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"

    def describe(self) -> str:
        key = f"{self.key!r}, " if self.key is not None else ""
        return f"record {self.record} ({key}{self.source})"


class Located(Protocol):
    """Where a record is, as the tracker packs it: a RecordRef, or a records.model.Record."""

    @property
    def record(self) -> int: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
