"""What a fix run hands back: the changes applied, the findings left and why, the output.

`Change` is an applied change as the change log, the undo file and `--format json` show it,
`Leftover` a finding still in the output with the reason fix did not repair it, `FixResult` the
whole run (input and output bytes, the patches between them, the changes, the leftovers).
`shown` keeps a value a JSON writer can write. Apart from the loop that makes them (fixer.py,
run.py), so that undo.py and the CLI read a result without importing the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scimguard.check import TOO_DEEP
from scimguard.fix.editors import FieldEdit
from scimguard.profile import Finding, RecordRef
from scimguard.records import InputProblem
from scimguard.records.location import Locations


@dataclass(slots=True)
class Change:
    """An applied change, as written to the change log (one row per field edit).

    `location` names the input's file, row or line, and the columns (CSV) or Okta attributes
    edited: `users.csv:6 (lastName)`; `places` the same for each edit."""

    record: int
    source: str
    key: str | None
    rules: tuple[str, ...]
    attribute: str
    old: Any
    new: Any
    edits: list[FieldEdit]
    location: str
    places: tuple[str, ...]

    def to_dict(self, field_value: Callable[[Any], Any] = lambda value: value) -> dict[str, Any]:
        """The change as JSON data (undo file, `--format json`); `field_value` renders the
        old and new value of each edited field."""
        return {
            "record": self.record,
            "source": self.source,
            "location": self.location,
            "key": self.key,
            "rules": list(self.rules),
            "attribute": self.attribute,
            "old": shown(self.old),
            "new": shown(self.new),
            "fields": [
                {
                    "attribute": e.attribute,
                    "field": e.field,
                    "location": place,
                    "old": field_value(shown(e.old)),
                    "new": field_value(shown(e.new)),
                }
                for e, place in zip(self.edits, self.places, strict=True)
            ],
        }


SHOWN_DEPTH = 200  # levels of nesting a report shows (json and orjson stop near 1000 and 254)


def shown(value: Any) -> Any:
    """`value` for a report or log, or TOO_DEEP when it is nested deeper than SHOWN_DEPTH (the
    readers take values up to 1024 levels deep; a JSON writer would fail on them)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > SHOWN_DEPTH:
                return TOO_DEEP
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value


@dataclass(slots=True)
class Leftover:
    """A finding still in the output, and why fix did not repair it."""

    ref: RecordRef
    finding: Finding
    reason: str


@dataclass(slots=True)
class FixResult:
    input_bytes: bytes
    output_bytes: bytes
    patches: list[tuple[int, int, bytes]]  # (offset in output, length in output, input bytes)
    changes: list[Change]
    leftovers: list[Leftover]
    problems: list[InputProblem]
    records: int
    quit: bool = False
    locations: Locations = field(default_factory=Locations)  # the input's, for the leftovers

    def leftovers_by_rule(self) -> dict[str, list[Leftover]]:
        groups: dict[str, list[Leftover]] = {}
        for item in self.leftovers:
            groups.setdefault(item.finding.rule, []).append(item)
        return dict(sorted(groups.items(), key=lambda kv: (-kv[1][0].finding.severity.rank, kv[0])))
