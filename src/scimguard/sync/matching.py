"""How one source record meets the target: the resource it matches, and what to do with it.

The planner decides every record in order (sync/planner.py). A resync does most of that work
earlier (`EarlyMatches`): a record whose externalId the target lists is decided as soon as the
page holding that resource comes in, because nothing that comes later can change its match.
The resource matched by externalId is the first one listed under it (`TargetIndex.by_ext`
never replaces an entry), and a record matched by externalId keeps its resource even when an
earlier record took the same one (only a match by name gives way to an earlier record). What
does depend on the other records, whether a write is blocked by a duplicate across records,
is asked in the planner's pass, as for every record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scimguard.profile import Kind
from scimguard.sources.snapshot import SourceRecord
from scimguard.sync.diff import COMPARED_USER, changed_attributes, same_attributes, uses_forms
from scimguard.sync.ops import Op, Owned, target_finding
from scimguard.sync.source_side import SLICE, SourceSide
from scimguard.sync.target_index import TargetIndex, lowered

WRITES = frozenset({"create", "update", "adopt"})


def owned_rows(owned: list[Owned], kind: str) -> tuple[dict[str, Owned], list[Owned]]:
    """The engine's live rows of one kind by target id, and its pending creates (an intent
    written before a create that may or may not have reached the target)."""
    by_id = {}
    pending = []
    for row in owned:
        if row.kind != kind or row.state == "deleted":
            continue
        if row.target_id:
            by_id[row.target_id] = row
        elif row.state == "pending":
            pending.append(row)
    return by_id, pending


@dataclass(slots=True)
class Decision:
    """A record matched with a target resource."""

    op: Op  # update | unchanged | adopt, or blocked (manually-sourced)
    claim: Owned | None  # ownership learned by matching (the record's externalId, an intent)
    matched: bool  # the resource is the record's own: its memberships may be planned


class Decisions:
    """What the records of one kind come to, by position: filled early (`EarlyMatches`, in
    the order the target lists resources) or in the planner's pass (in the records' order),
    kept so that the answer is the one the records' order gives either way."""

    def __init__(self, count: int) -> None:
        self.ops: list[Op | None] = [None] * count
        self.first_use: dict[str, int] = {}  # target id -> first position matched with it
        self.matched: dict[str, str] = {}  # record key -> target id (the last record's)
        self._matched_at: dict[str, int] = {}
        self.claims: list[tuple[int, Owned]] = []
        self.writes: list[int] = []  # positions of creates, updates and adoptions

    def take(self, i: int, key: str, decision: Decision) -> None:
        """The record at `i` (of key `key`) matched a resource."""
        op = self.ops[i] = decision.op
        rid = op.target_id or ""
        first = self.first_use.get(rid)
        if first is None or i < first:
            self.first_use[rid] = i
        if decision.claim is not None:
            self.claims.append((i, decision.claim))
        if decision.matched:
            at = self._matched_at.get(key)
            if at is None or at < i:
                self.matched[key] = rid
                self._matched_at[key] = i
        if op.action in WRITES:
            self.writes.append(i)

    def create(self, i: int, op: Op) -> None:
        """The record at `i` matched nothing."""
        self.ops[i] = op
        self.writes.append(i)

    def taken_before(self, rid: str, i: int) -> bool:
        """Whether a record before position `i` matched the resource `rid`."""
        first = self.first_use.get(rid)
        return first is not None and first < i

    def claimed(self) -> list[Owned]:
        """The ownership learned, in the records' order."""
        return [claim for _, claim in sorted(self.claims, key=lambda pair: pair[0])]


class Matcher:
    """Decides a record of one kind against the target, given the engine's rows and the
    source's side (bodies and compared forms, sync/source_side.py)."""

    def __init__(
        self,
        kind: Kind,
        index: TargetIndex,
        owned: list[Owned],
        adopt_manual: bool,
        side: SourceSide,
    ) -> None:
        self.kind = kind
        self.index = index
        self.adopt_manual = adopt_manual
        self.bodies, self.forms = side.bodies[kind], side.forms[kind]
        self.by_id, self.pending = owned_rows(owned, kind)
        self.name_attr = "userName" if kind == "user" else "displayName"
        # the C comparison of users (sync/diff.py), asked here first: most records are the same
        self.quick = None if uses_forms(kind) else same_attributes

    def create(self, i: int, record: SourceRecord) -> Op:
        """The op of a record that matches nothing in the target."""
        body = self.bodies[i]
        return Op(self.kind, "create", record.key, record.display, record=record, body=body)

    def decide(self, i: int, record: SourceRecord, item: dict[str, Any]) -> Decision:
        """The record at position `i` against `item`, the target resource it matched."""
        kind = self.kind
        body = self.bodies[i]
        rid = item["id"]
        claim = self._claim(item, record)
        owned = claim is not None or rid in self.by_id
        adopt = not owned and self.adopt_manual and not item.get("externalId")
        if owned or adopt:
            if self.quick is not None and self.quick(body, item, COMPARED_USER):
                changes = []  # a resync's usual answer, without a call more
            else:
                changes = changed_attributes(
                    body, item, kind, self.forms[i], self.index.form_of(item)
                )
            action = "adopt" if adopt else "update" if changes else "unchanged"
            op = Op(kind, action, record.key, record.display, record, rid, body, changes)
            return Decision(op, claim, True)
        op = self.create(i, record)
        op.target_id = rid
        op.action = "blocked"
        op.rule = "manually-sourced"
        ext = item.get("externalId")
        how = f"another externalId ({ext!r})" if ext else "no externalId"
        op.findings = [
            target_finding(
                "manually-sourced",
                self.name_attr,
                record.name,
                f"The target already holds a {kind} {item.get(self.name_attr)!r} "
                f"(id {rid}) with {how}: it was not created by this engine, so it is left alone.",
            )
        ]
        return Decision(op, None, False)

    def _claim(self, item: dict[str, Any], record: SourceRecord) -> Owned | None:
        """Ownership that matching learns: the resource carries the record's externalId, or
        it is a create this engine intended before a crash. None when there is nothing to
        learn (a row of the engine's already says it owns `item`, or it does not)."""
        rid = item["id"]
        if rid in self.by_id:
            return None
        ext = item.get("externalId")
        if record.external_id and ext == record.external_id:
            return Owned(self.kind, record.key, rid, ext, lowered(record.name), "active")
        for row in self.pending:
            same_ext = row.external_id and row.external_id == ext
            same_name = row.name_lower and row.name_lower == lowered(item.get(self.name_attr))
            if (same_ext or (same_name and not ext)) and row.record_key == record.key:
                return Owned(self.kind, record.key, rid, ext, row.name_lower, "active")
        return None


class EarlyMatches:
    """The users decided while the target's pages come in (run.plan_and_read).

    `offer` is the users' `TargetIndex` listener: each listed user whose externalId some
    source records carry decides them at once, or waits while the engine's rows and the
    source's side are still being loaded. `steps` (between pages, after them) catches up with
    what waited. The planner then takes `decisions` as its answers for those records."""

    def __init__(self, records: list[SourceRecord], index: TargetIndex) -> None:
        self.records = records
        self.index = index
        self.decisions = Decisions(len(records))
        self.matcher: Matcher | None = None
        # the records by externalId: the first one's position, and the others' (rare)
        self._first: dict[str, int] = {}
        self._more: dict[str, list[int]] = {}
        self._waiting: list[dict[str, Any]] = []

    def offer(self, item: dict[str, Any]) -> None:
        if self.matcher is None:
            self._waiting.append(item)
        else:
            self._decide(self.matcher, item)

    def steps(self, make_matcher: Callable[[], Matcher], size: int = SLICE) -> Iterator[None]:
        """Index the records by externalId, then decide what came in before (pausing every
        `size`), then leave the rest to `offer`. `make_matcher` is called once the engine's
        rows and the source's side are complete (the steps before these)."""
        first, more = self._first, self._more
        for i, record in enumerate(self.records):
            if ext := record.external_id:
                if ext not in first:
                    first[ext] = i
                else:  # one externalId on several records (a duplicate, blocked if written)
                    more.setdefault(ext, []).append(i)
            if i % (size * 10) == 0:
                yield
        matcher = make_matcher()
        done = 0
        while done < len(self._waiting):  # more come in at every pause
            self._decide(matcher, self._waiting[done])
            done += 1
            if done % size == 0:
                yield
        self._waiting = []
        self.matcher = matcher

    def _decide(self, matcher: Matcher, item: dict[str, Any]) -> None:
        ext = item.get("externalId")
        if not isinstance(ext, str) or self.index.by_ext.get(ext) is not item:
            return  # no externalId, or not the first resource listed under it
        first = self._first.get(ext)
        if first is None:
            return
        for i in (first, *self._more[ext]) if ext in self._more else (first,):
            record = self.records[i]
            self.decisions.take(i, record.key, matcher.decide(i, record, item))
