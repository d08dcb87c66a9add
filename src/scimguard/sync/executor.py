"""Applies a plan to the target: the order of its operations, their concurrency, the stop.

Order: users (create, update, adopt), groups, memberships (PATCH chunks of at most 100), then
removals. Within a phase, operations run concurrently; the client's rate limiter keeps them
within the quotas. Crash safety: a create is written down as an intent (`sync_resources`,
state `pending`) before it is sent, so a run killed after sending but before recording is
reconciled by the next run's planner (the resource is recognised as ours, not re-created and
not mistaken for a manual one). A 401/403 stops everything at once (`Outcome.stopped`). Each
operation is sent by the run's `Sender` (sync/sender.py), which files a task for every one that
does not succeed; what the run writes to the state database goes through its `Recorder`
(sync/recorder.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from scimguard.profile import Profile
from scimguard.sync.client import ScimClient, TargetUnauthorized
from scimguard.sync.memory import op_digest, task_operation
from scimguard.sync.ops import Op
from scimguard.sync.planner import MAX_MEMBERS_PER_PATCH, REMEMBERED, MemberOp, Plan
from scimguard.sync.recorder import Outcome, Recorder
from scimguard.sync.sender import Sender

log = logging.getLogger("scimguard.sync")
WRITES = frozenset({"create", "update", "adopt"})
# the actions of a record whose resource in the target is known (its id is sent for members)
KNOWN_ID = frozenset(
    {"update", "unchanged", "adopt", "blocked", "still-failed", "still-blocked", "dismissed"}
)


@dataclass
class Phases:
    """What a plan sends, in the order it is sent."""

    users: list[Op] = field(default_factory=list)  # creates, updates, adoptions
    groups: list[Op] = field(default_factory=list)
    removals: list[Op] = field(default_factory=list)  # deactivations, deletions


class Executor:
    """Sends a plan's operations in their order and concurrently within each phase, counts
    progress, and stops everything at a 401/403; each operation goes through the `Sender`, and
    what is written down goes through the `Recorder`."""

    def __init__(
        self,
        engine: Engine | None,
        client: ScimClient,
        *,
        target_url: str,
        run_id: int | None,
        profile: Profile | None = None,
        adopt_manual: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.engine = engine
        self.on_progress = on_progress
        self.total = 0  # operations to send (membership changes count one per group)
        self.finished = 0
        self.target_url = target_url
        self.run_id = run_id
        self.outcome = Outcome()
        self.record = Recorder(engine, target_url, run_id, self.outcome)
        self.send = Sender(
            client,
            self.record,
            self.outcome,
            profile=profile or Profile(),
            adopt_manual=adopt_manual,
        )
        self._user_done: dict[str, asyncio.Event] = {}

    # --- applying -------------------------------------------------------------------------------

    async def apply(self, plan: Plan, *, removals: bool = True) -> Outcome:
        self.record.load_open()
        self.record.write_claims(plan.claims)
        phases = self._take_in(plan)
        try:
            self.total = len(phases.users) + len(phases.groups) + len(plan.members)
            if removals:
                self.total += len(phases.removals)
            self._tick(0)
            self.send.members_with_create = {
                m.group_key: m
                for m in plan.members
                if m.group_id is None and not m.remove and len(m.add) <= MAX_MEMBERS_PER_PATCH
            }
            started = time.monotonic()
            await self._users_and_groups(phases.users, phases.groups)
            self.record.flush()
            log.info("users and groups in %.2fs", time.monotonic() - started)
            started = time.monotonic()
            await self._run_all([self._members(m) for m in plan.members])
            self.record.flush()
            log.info(
                "%d membership changes in %.2fs", len(plan.members), time.monotonic() - started
            )
            if removals:
                ops = sorted(phases.removals, key=lambda o: o.kind != "user")
                await self._run_all([self._remove(o) for o in ops])
        except TargetUnauthorized as exc:
            reply = exc.reply
            reason = "Unauthorized" if reply.status == 401 else "Forbidden"
            self.outcome.stopped = (
                f"the target answered {reply.status} ({reason})"
                f" to {reply.method} {reply.path}: the token is wrong, expired or revoked. "
                "The run stopped; the unfinished work is kept and the next run picks it up."
            )
            self.outcome.not_attempted = max(0, self.total - self.finished)
            if self.outcome.not_attempted:
                self.outcome.stopped += (
                    f" {self.outcome.not_attempted} operation(s) were not finished."
                )
        finally:
            self.record.flush()
        return self.outcome

    def _take_in(self, plan: Plan) -> Phases:
        """One pass over the plan's operations (a resync's are 20,000 unchanged records): the
        target id of each record that has one, the outcome of what is not sent (blocked, held,
        unchanged), and what is to be sent, by phase."""
        phases = Phases()
        member_groups = {m.group_key for m in plan.members}
        waiting = {m.group_key for m in plan.still_members}
        for m in plan.still_members:
            self.record.keep_open.add(("group", m.group_key))
        user_ids, group_ids = self.send.user_ids, self.send.group_ids
        unchanged = {"user": 0, "group": 0}
        for op in plan.ops:
            action = op.action
            if op.target_id and action in KNOWN_ID and op.rule != "manually-sourced":
                (user_ids if op.kind == "user" else group_ids)[op.key] = op.target_id
            if action == "unchanged":
                if op.kind == "group" and op.key in member_groups:
                    self.send.deferred.add(op.key)  # updated if a membership write succeeds
                elif op.kind == "group" and op.key in waiting:
                    self.outcome.add("group", "still_failed")
                else:
                    unchanged[op.kind] += 1
                    self.record.succeeded(op.kind, op.key)
            elif action in WRITES:
                (phases.users if op.kind == "user" else phases.groups).append(op)
            elif action in ("deactivate", "delete"):
                phases.removals.append(op)
            elif action == "blocked":
                self._blocked(op)
            elif action in REMEMBERED:
                self.outcome.add(op.kind, action.replace("-", "_"))
                self.record.keep_open.add((op.kind, op.key))
        for kind, count in unchanged.items():
            self.outcome.add(kind, "unchanged", count)
        return phases

    def _blocked(self, op: Op) -> None:
        """A record the profile or the target's state blocks: its task, nothing sent."""
        self.record.task(
            op.kind,
            op.key,
            op.display,
            task_operation(op),
            "blocked",
            op.rule or "",
            op.findings,
            None,
            {
                "method": "PUT" if op.target_id else "POST",
                "path": op.resource + (f"/{op.target_id}" if op.target_id else ""),
                "body": op.body,
            },
            op.record.source if op.record else None,
            op.digest or op_digest(op),
        )

    async def _users_and_groups(self, user_ops: list[Op], group_ops: list[Op]) -> None:
        """Users and groups in one stream: a new group goes as soon as its members exist.

        Users are sent group by group (the members of the first group first, and so on), so
        each group's create, with its members, overlaps the remaining user writes instead of
        waiting for all of them. The intents of every create are written before any is sent.
        """
        waits: dict[str, list[str]] = {}
        for key, m in self.send.members_with_create.items():
            waits[key] = [k for k in m.add if not k.startswith("id:")]
        rank: dict[str, int] = {}
        for index, op in enumerate(group_ops):
            for key in waits.get(op.key, ()):
                rank.setdefault(key, index)
        user_ops.sort(key=lambda o: rank.get(o.key, len(group_ops)))
        self._user_done = {o.key: asyncio.Event() for o in user_ops}
        self.record.write_intents([o for o in user_ops + group_ops if o.action == "create"])
        await self._run_all(
            [self._upsert(o) for o in user_ops]
            + [self._group_when_ready(o, waits.get(o.key, [])) for o in group_ops]
        )

    async def _group_when_ready(self, op: Op, member_keys: list[str]) -> None:
        for key in member_keys:
            event = self._user_done.get(key)
            if event is not None:
                await event.wait()
        await self._upsert(op)

    async def _run_all(self, coros: list) -> None:
        if not coros:
            return
        try:
            async with asyncio.TaskGroup() as group:
                for coro in coros:
                    group.create_task(coro)
        except* TargetUnauthorized as eg:
            raise eg.exceptions[0] from None

    # --- one operation each (sent by the Sender) -------------------------------------------------

    def _tick(self, step: int = 1) -> None:
        self.finished += step
        if self.on_progress is not None:
            self.on_progress(self.finished, self.total)

    async def _upsert(self, op: Op) -> None:
        try:
            await self.send.upsert(op)
        finally:
            if op.kind == "user" and op.key in self._user_done:
                self._user_done[op.key].set()
        self._tick()

    async def _members(self, m: MemberOp) -> None:
        await self.send.members(m)
        self._tick()

    async def _remove(self, op: Op) -> None:
        await self.send.remove(op)
        self._tick()
