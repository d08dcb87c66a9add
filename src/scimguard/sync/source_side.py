"""What a plan needs of the source alone, worked out while the target is being read.

The profile's errors of each record (duplicates across records included), the body each
record would send, and that body's `diff.compared_form`. None of it needs the target, so
`run.plan_and_read` works it out a slice at a time between the target's pages: a resync waits
for the target's cursor pages one after another (a cursor page cannot be asked for before the
one before it has come back), and the engine would otherwise sit idle through them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scimguard.profile import DuplicateTracker, Finding, Profile, RecordRef, Severity
from scimguard.sources.snapshot import Snapshot, SourceRecord
from scimguard.sync.diff import compared_form, payload

SLICE = 200  # records between two looks at the target's pages: well under a millisecond


class SourceSide:
    """Per kind, by the record's position in the snapshot: errors, bodies, compared forms."""

    def __init__(self, snapshot: Snapshot, profile: Profile) -> None:
        self.snapshot = snapshot
        self.profile = profile
        self.errors: dict[str, dict[int, list[Finding]]] = {"user": {}, "group": {}}
        self.bodies: dict[str, list[dict[str, Any]]] = {"user": [], "group": []}
        self.forms: dict[str, list[bytes | None]] = {"user": [], "group": []}
        self.done = False

    def steps(self, size: int = SLICE) -> Iterator[None]:
        """Do the work, pausing (yielding) after every `size` records."""
        tracker = DuplicateTracker()
        refs: dict[int, tuple[str, int]] = {}
        number = 0
        for kind, records in (("user", self.snapshot.users), ("group", self.snapshot.groups)):
            errors, bodies, forms = self.errors[kind], self.bodies[kind], self.forms[kind]
            add = tracker.add_user if kind == "user" else tracker.add_group
            for i, record in enumerate(records):
                number += 1
                refs[number] = (kind, i)
                body = payload(record.resource, kind)
                bodies.append(body)
                forms.append(compared_form(body, kind))
                judged = body if kind == "user" else {**record.resource, "members": None}
                found = self.profile.errors(judged, kind)
                if found:
                    errors[i] = found
                add(_ref(number, record, kind), record.resource)
                if number % size == 0:
                    yield
        for ref, finding in tracker.finish():
            if finding.severity is Severity.ERROR:
                kind, index = refs[ref.record]
                self.errors[kind].setdefault(index, []).append(finding)
        self.done = True

    def complete(self) -> SourceSide:
        """All of it at once (no target to wait for)."""
        if not self.done:
            for _ in self.steps():
                pass
        return self


def _ref(number: int, record: SourceRecord, kind: str) -> RecordRef:
    return RecordRef(
        number,
        str(record.source.get("path", record.source.get("type"))),
        record.line or 0,
        kind,
        record.name,
    )
