"""Which groups' members a run reads, and what the engine records of them to skip the others.

AWS returns no members on `GET /Groups`: each group's members cost one filtered read
(`GET /Users?filter=groups.value eq "<id>"`) of a 40-a-second quota. A run reads a group's
members only when one of these says so (the reason is counted in the plan):

    verify-members    `--verify-members`: every group
    no record         the engine has no record of the group: first run, state deleted, or its
                      members were written since (a write drops the record)
    source changed    the source wants other members than when the group was last read, or a
                      wanted user is still to be created
    target changed    the group's `meta.lastModified` differs from the recorded one (or the
                      target gives none)
    verification due  the group was last read longer ago than `--verify-period`
    rotation          the groups read longest ago, ceil(groups x time since the previous
                      completed run / period) of them: a scheduled run spreads the reads so
                      that every group is read within the period, and a change made by hand
                      (which may not move `meta.lastModified`) is found and reported as drift

A group not read is taken to hold exactly the members the source wants: its record says a read
found the target holding exactly those, and nothing above says it changed since. Records are
written after a complete run that was not stopped, for the groups read that needed no change;
if in doubt there is no record, and no record means a read. Never a wrong plan: a plan is
made only from what was read or what a record vouches for.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select

from scimguard.sync.planner import Options, Plan, Wanted
from scimguard.sync.tables import group_members, runs

REASONS = (
    "verify-members",
    "no record",
    "source changed",
    "target changed",
    "verification due",
    "rotation",
)
SKIPPED = "skipped"
CHUNK = 500


@dataclass(frozen=True)
class Record:
    """A group's members as last read: the digest of the ids the source wanted, which the
    target held exactly, the group's `meta.lastModified` listed before that read, and when."""

    digest: str
    last_modified: str | None
    verified_at: datetime


@dataclass
class Known:
    """The records of one target, and when the previous completed run started."""

    records: dict[str, Record] = field(default_factory=dict)
    previous_run: datetime | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Choice:
    """Whose members to read (group id -> reason), and how many groups are not read."""

    read: dict[str, str] = field(default_factory=dict)
    skipped: int = 0

    def counts(self) -> dict[str, int]:
        out = {reason: 0 for reason in REASONS}
        for reason in self.read.values():
            out[reason] += 1
        out[SKIPPED] = self.skipped
        return {k: v for k, v in out.items() if v}


def digest(ids: Iterable[str]) -> str:
    """Of a set of member ids, whatever their order."""
    return hashlib.sha256("\n".join(sorted(set(ids))).encode()).hexdigest()


def last_modified(group: dict[str, Any]) -> str | None:
    meta = group.get("meta")
    value = meta.get("lastModified") if isinstance(meta, dict) else None
    return value if isinstance(value, str) and value else None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite keeps no zone


def load(engine: Engine | None, target_url: str) -> Known | None:
    """The records of `target_url` (None without a state: every group is read)."""
    if engine is None:
        return None
    known = Known()
    t = group_members.c
    with engine.connect() as conn:
        for row in conn.execute(
            select(t.group_id, t.digest, t.last_modified, t.verified_at).where(
                t.target_url == target_url
            )
        ):
            known.records[row.group_id] = Record(
                row.digest, row.last_modified, _utc(row.verified_at)
            )
        previous = conn.execute(
            select(runs.c.started_at)
            .where(
                runs.c.target_url == target_url,
                runs.c.status == "completed",
                runs.c.dry_run.is_(False),
            )
            .order_by(runs.c.id.desc())
            .limit(1)
        ).scalar()
    known.previous_run = _utc(previous) if previous is not None else None
    return known


def _changed(group: dict[str, Any], record: Record) -> bool:
    """Whether the group looks changed in the target (no `meta.lastModified`: maybe)."""
    listed = last_modified(group)
    return listed is None or listed != record.last_modified


def choose(
    wanted: Iterable[Wanted],
    listed: dict[str, dict[str, Any]],
    known: Known | None,
    options: Options,
) -> Choice:
    """Which groups' members to read; `listed` is the target's groups by id, as just read."""
    choice = Choice()
    groups = {w.group_id: w for w in wanted if w.group_id is not None}
    period = options.verify_period
    candidates: list[tuple[datetime, str]] = []
    for gid, want in groups.items():
        record = known.records.get(gid) if known is not None else None
        if options.verify_members:
            reason = "verify-members"
        elif record is None or known is None:
            reason = "no record"
        elif not want.resolved or digest(want.ids) != record.digest:
            reason = "source changed"
        elif _changed(listed.get(gid, {}), record):
            reason = "target changed"
        elif period <= 0 or (known.now - record.verified_at).total_seconds() >= period:
            reason = "verification due"
        else:
            candidates.append((record.verified_at, gid))
            continue
        choice.read[gid] = reason
    if candidates and known is not None:
        since = known.previous_run
        elapsed = (known.now - since).total_seconds() if since is not None else period
        share = math.ceil(len(groups) * max(elapsed, 0.0) / period)
        rotated = sorted(candidates)[: min(share, len(candidates))]
        for _, gid in rotated:
            choice.read[gid] = "rotation"
        choice.skipped = len(candidates) - len(rotated)
    return choice


def drift(
    wanted: Iterable[Wanted],
    members: dict[str, set[str]],
    choice: Choice,
    known: Known | None,
    name_of: Callable[[str], str],
) -> dict[str, str]:
    """Groups whose record vouched for the source's members but whose read found others: a
    change made in the target outside this engine (the plan undoes it)."""
    if known is None:
        return {}
    found = {}
    for want in wanted:
        gid = want.group_id
        record = known.records.get(gid) if gid is not None else None
        if gid is None or record is None or gid not in choice.read or not want.resolved:
            continue
        if digest(want.ids) != record.digest:
            continue  # the source changed: a difference is the source's, not drift
        actual = members.get(gid, set())
        added = sorted(name_of(i) for i in actual - set(want.ids))
        removed = sorted(name_of(i) for i in set(want.ids) - actual)
        if added or removed:
            what = [f"+ {n}" for n in added] + [f"- {n}" for n in removed]
            found[gid] = (
                f"members of group {want.record.display} changed in the target since "
                f"{record.verified_at:%Y-%m-%d %H:%M:%S}Z (found by {choice.read[gid]}): "
                + ", ".join(what)
            )
    return found


def forget(engine: Engine | None, target_url: str, plan: Plan) -> None:
    """Before a run writes: drop the record of every group whose members it plans to change
    (a run stopped half-way leaves no record that vouches for what it did not finish)."""
    changed = {m.group_id for m in [*plan.members, *plan.still_members] if m.group_id}
    _delete(engine, target_url, changed)


def _delete(engine: Engine | None, target_url: str, group_ids: Iterable[str]) -> None:
    gone = sorted(set(group_ids))
    if engine is None or not gone:
        return
    t = group_members.c
    with engine.begin() as conn:
        for i in range(0, len(gone), CHUNK):
            conn.execute(
                delete(group_members).where(
                    t.target_url == target_url, t.group_id.in_(gone[i : i + CHUNK])
                )
            )


def save(
    engine: Engine | None,
    target_url: str,
    run_id: int | None,
    plan: Plan,
    wanted: Iterable[Wanted],
    choice: Choice,
    listed: dict[str, dict[str, Any]],
    known: Known | None,
) -> None:
    """After a complete run that was not stopped: record the groups read that needed no
    change of members (their record is replaced)."""
    if engine is None or known is None:
        return
    changed = {m.group_id for m in [*plan.members, *plan.still_members] if m.group_id}
    rows: list[dict[str, Any]] = []
    for want in wanted:
        gid = want.group_id
        if gid is None or gid not in choice.read or gid in changed or not want.resolved:
            continue
        rows.append(
            {
                "target_url": target_url,
                "group_id": gid,
                "digest": digest(want.ids),
                "last_modified": last_modified(listed.get(gid, {})),
                "verified_at": known.now,
                "run_id": run_id,
            }
        )
    _delete(engine, target_url, [r["group_id"] for r in rows])
    if rows:
        with engine.begin() as conn:
            conn.execute(group_members.insert(), rows)
