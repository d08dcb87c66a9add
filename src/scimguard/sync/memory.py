"""What the engine remembers of its tasks, so that a later run does not repeat a refusal.

Okta does not push a failed task again on its own: it waits for the profile to change or for
*Retry Selected*. The engine does the same. Every failed or blocked task keeps a digest of the
request it sent (or would have sent). The next run computes the digest of what it plans for
the same record and, when they are equal:

- a permanent refusal (a 4xx other than 401/403/429) is `still-failed`: not sent, no write;
- a blocked record is `still-blocked` (it costs no write either way; the count says it is old);
- a record whose task was dismissed is `dismissed`: not sent.

A different digest (the record changed at its source, or the target changed so that another
request is needed) is sent. A transient refusal (`target-unavailable`: 429, 5xx or no answer
after every retry; `target-unauthorized`) is always sent again at the next run. `tasks retry`
and the console's *Retry Selected* leave the retried records out of the memory (`forget`), so
they are sent on demand. Membership changes are remembered the same way, per group.

Pure but for `load`, which reads the task table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, select

from scimguard.sync.ops import Op
from scimguard.sync.planner import MemberOp, Plan
from scimguard.sync.tables import tasks

TRANSIENT_RULES = frozenset({"target-unavailable", "target-unauthorized"})
REMEMBERED_STATES = ("failed", "blocked", "dismissed")
WRITES = ("create", "update", "adopt", "deactivate", "delete")


@dataclass(frozen=True)
class Remembered:
    """The newest failed, blocked or dismissed task of one record."""

    task_id: int
    state: str
    rule: str | None
    digest: str

    @property
    def transient(self) -> bool:
        return self.rule in TRANSIENT_RULES


Memory = dict[tuple[str, str], Remembered]


def load(engine: Engine | None, target_url: str, forget: Iterable[tuple[str, str]] = ()) -> Memory:
    """The remembered tasks of one target, by (kind, record key), minus `forget`."""
    if engine is None:
        return {}
    t = tasks.c
    query = (
        select(t.id, t.kind, t.record_key, t.state, t.rule, t.digest)
        .where(t.target_url == target_url, t.state.in_(REMEMBERED_STATES), t.digest.is_not(None))
        .order_by(t.id)
    )
    with engine.connect() as conn:
        memory = {
            (r.kind, r.record_key): Remembered(r.id, r.state, r.rule, r.digest)
            for r in conn.execute(query)
        }
    for key in forget:
        memory.pop(key, None)
    return memory


def _digest(parts: list[Any]) -> str:
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()


def task_operation(op: Op) -> str:
    """The operation a task of `op` is filed under (a blocked record: what it would have been)."""
    if op.action == "blocked":
        return "update" if op.target_id and op.rule != "manually-sourced" else "create"
    return op.action


def op_digest(op: Op) -> str:
    """The request of one operation; a blocked one never equals a sent one."""
    sent = "blocked" if op.action == "blocked" else "sent"
    return _digest([op.kind, task_operation(op), sent, op.target_id, op.body])


def stamp(plan: Plan) -> list[Op]:
    """Set the digest of each operation that may become or meet a task (all but `unchanged`:
    a resync of 20,000 users would hash 20,000 requests nobody compares), and return those
    operations. Records sharing a key (two rows with one userName and no externalId) share one
    task, so their digest is that of all of them together."""
    keys: dict[str, set[str]] = {"user": set(), "group": set()}
    for op in plan.ops:
        if op.action != "unchanged":
            keys[op.kind].add(op.key)
    shared: dict[tuple[str, str], list[Op]] = {}
    for op in plan.ops if keys["user"] or keys["group"] else ():
        if op.key in keys[op.kind]:
            shared.setdefault((op.kind, op.key), []).append(op)
    for ops in shared.values():
        for op in ops:
            op.digest = op_digest(op)
        if len(ops) > 1:
            together = _digest(sorted(op.digest or "" for op in ops))
            for op in ops:
                op.digest = together
    return [op for ops in shared.values() for op in ops]


def members_digest(m: MemberOp) -> str:
    return _digest(["group", "members", sorted(m.add), sorted(m.remove)])


def hold_ops(plan: Plan, memory: Memory) -> None:
    """Turn the planned operations that would only repeat a remembered refusal into holds.

    Runs before memberships are planned, so that a user still failing is not added to groups.
    """
    stamped = stamp(plan)
    if not memory:
        return
    for op in stamped:
        if op.action != "blocked" and op.action not in WRITES:
            continue
        seen = memory.get((op.kind, op.key))
        if seen is None or seen.digest != op.digest:
            continue
        if seen.state == "dismissed":
            op.action = "dismissed"
        elif op.action == "blocked" and seen.state == "blocked":
            op.action = "still-blocked"
        elif op.action != "blocked" and seen.state == "failed" and not seen.transient:
            op.action = "still-failed"
            op.rule = seen.rule
        else:
            continue
        op.note = f"task {seen.task_id}"


def hold_members(plan: Plan, memory: Memory) -> None:
    """Membership changes of a group whose last identical change was refused: not sent."""
    if not memory:
        return
    send: list[MemberOp] = []
    for m in plan.members:
        seen = memory.get(("group", m.group_key))
        if (
            seen is not None
            and seen.digest == members_digest(m)
            and seen.state in ("failed", "dismissed")
            and not seen.transient
        ):
            plan.still_members.append(m)
        else:
            send.append(m)
    plan.members = send
