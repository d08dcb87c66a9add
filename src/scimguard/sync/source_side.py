"""What a plan needs of the source alone, worked out while the target is being read.

The body each record would send, that body's `diff.compared_form`, and the duplicates across
records (every record takes part: a new user may clash with an unchanged one). The profile's
own verdict on a record is asked only of a record that is to be written (`errors`): a resync's
unchanged records are sent nowhere, whatever the profile would say. None of it needs the
target, so
`run.plan_and_read` works it out a slice at a time between the target's pages: a resync waits
for the target's cursor pages one after another (a cursor page cannot be asked for before the
one before it has come back), and the engine would otherwise sit idle through them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from scimguard.profile import DuplicateTracker, Finding, Kind, Profile, RecordRef, Severity
from scimguard.sources.snapshot import Snapshot, SourceRecord
from scimguard.sync.diff import compared_form, payload, uses_forms

SLICE = 25  # records between two pauses (run._between_pages decides which pause is a turn)


class SourceSide:
    """Per kind, by the record's position in the snapshot: bodies, compared forms, errors."""

    def __init__(self, snapshot: Snapshot, profile: Profile) -> None:
        self.snapshot = snapshot
        self.profile = profile
        self.bodies: dict[str, list[dict[str, Any]]] = {"user": [], "group": []}
        self.forms: dict[str, list[bytes | None]] = {"user": [], "group": []}
        self.duplicates: dict[tuple[str, int], list[Finding]] = {}
        # the source's users by externalId and by lower-cased userName (the last one wins),
        # which resolve the members of the source's groups
        self.users_by_ext: dict[str, SourceRecord] = {}
        self.users_by_name: dict[str, SourceRecord] = {}
        # each group's members (by position): the value given, and the source's user it names
        self.members: list[list[tuple[str, SourceRecord | None]]] = []
        # and, when every member names a source user, their keys and displays (else None)
        self.member_keys: list[tuple[list[str], list[str]] | None] = []
        self.done = False

    def steps(self, size: int = SLICE) -> Iterator[None]:
        """Do the work, pausing (yielding) after every `size` records. Each call starts over
        (one that stopped half-way leaves nothing behind that a later one would append to)."""
        self.bodies = {"user": [], "group": []}
        self.forms = {"user": [], "group": []}
        self.duplicates = {}
        self.members, self.member_keys = [], []
        self.done = False
        tracker = DuplicateTracker()
        number = 0
        kinds: tuple[tuple[Kind, list[SourceRecord]], ...] = (
            ("user", self.snapshot.users),
            ("group", self.snapshot.groups),
        )
        for kind, records in kinds:
            bodies, forms = self.bodies[kind], self.forms[kind]
            quick_forms = uses_forms(kind)
            for record in records:
                number += 1
                body = payload(record.resource, kind)
                bodies.append(body)
                forms.append(compared_form(body, kind) if quick_forms else None)
                if kind == "user":
                    tracker.add_user(_where(number, record), record.resource)
                else:
                    tracker.add_group(_ref(number, record), record.resource)
                if number % size == 0:
                    yield
        users = self.snapshot.users
        self.users_by_ext = {r.external_id: r for r in users if r.external_id}
        yield
        self.users_by_name = {r.name.lower(): r for r in users if r.name}
        yield
        self.members, self.member_keys = [], []
        for number, group in enumerate(self.snapshot.groups, 1):
            members = self._members_of(group)
            self.members.append(members)
            users = [user for _, user in members if user is not None]
            named = len(users) == len(members)
            self.member_keys.append(
                ([u.key for u in users], [u.display for u in users]) if named else None
            )
            if number % size == 0:
                yield
        for ref, finding in tracker.finish():
            if finding.severity is Severity.ERROR:
                # records are numbered from 1, the users first, then the groups
                user_count = len(self.snapshot.users)
                at = (
                    ("user", ref.record - 1)
                    if ref.record <= user_count
                    else ("group", ref.record - 1 - user_count)
                )
                self.duplicates.setdefault(at, []).append(finding)
        self.done = True

    def _members_of(self, group: SourceRecord) -> list[tuple[str, SourceRecord | None]]:
        """The group's member values (neither empty nor other than text), with the source's
        user each names by externalId, else by userName ignoring case (None: no such user)."""
        by_ext, by_name = self.users_by_ext, self.users_by_name
        out = []
        for member in group.resource.get("members") or []:
            value = member.get("value") if isinstance(member, dict) else member
            if isinstance(value, str) and value:
                out.append((value, by_ext.get(value) or by_name.get(value.lower())))
        return out

    def complete(self) -> SourceSide:
        """All of it at once (no target to wait for)."""
        if not self.done:
            for _ in self.steps():
                pass
        return self

    def errors(self, kind: Kind, index: int) -> list[Finding]:
        """The error findings that block the record at `index`: the profile's, then its
        duplicates'."""
        if kind == "user":
            judged = self.bodies[kind][index]
        else:
            judged = {**self.snapshot.groups[index].resource, "members": None}
        return self.profile.errors(judged, kind) + self.duplicates.get((kind, index), [])


class _Where(NamedTuple):
    """Where a record is, as the duplicate tracker takes it (`Located`): a tuple, a third of
    the cost of a frozen RecordRef, 20,000 times a resync."""

    record: int
    file: str
    line: int


def _where(number: int, record: SourceRecord) -> _Where:
    source = record.source
    return _Where(number, str(source.get("path", source.get("type"))), record.line or 0)


def _ref(number: int, record: SourceRecord) -> RecordRef:
    """A group's place and name (the tracker names groups in what it finds)."""
    where = _where(number, record)
    return RecordRef(where.record, where.file, where.line, "group", record.name)
