"""One unattended run: under the target's lease, stoppable, reported.

`Runner.attempt()` takes the target's lease (`lease.py`) or reports `busy`, runs
`run_sync_async` with a drain gate (`sync/drain.py`) while a thread renews the lease, and
reports the run as events and metrics. Closing the gate (SIGTERM, a lost lease) lets the
requests in flight finish, then cancels the run: the executor records what was done, and the
run's row says `stopped`. `schedule.py` decides when attempts happen.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update

from scimguard.sync.db import now
from scimguard.sync.drain import Gate, current_gate
from scimguard.sync.report import Status, run_statuses, worst
from scimguard.sync.run import RunResult, SyncConfig, run_sync_async
from scimguard.sync.tables import runs, tasks
from scimguard.sync.tasks import rule_counts
from scimguard.unattended import events
from scimguard.unattended.lease import Lease
from scimguard.unattended.metrics import Health, Metrics
from scimguard.unattended.options import Mode

# outcome -> (exit status of a single run, healthy). The statuses are `scimguard sync`'s
# (`sync/report.py`, one table for both, `Status.BUSY` included).
EXIT_BUSY = Status.BUSY
OUTCOMES: dict[str, tuple[int, bool]] = {
    "ok": (Status.OK, True),
    "tasks": (Status.TASKS, True),  # the run went through; some records are tasks
    "held": (Status.HELD, True),  # removals held back by the safety fuse: a person decides
    "incomplete": (Status.SOURCE_PROBLEM, False),  # a source read partially: nothing removed
    "not-found": (Status.NOT_FOUND, False),  # a group or app named in the config is not there
    "stopped": (Status.STOPPED, False),  # token refused, target unreadable
    "crashed": (Status.STOPPED, False),  # an unexpected error (logged)
    "interrupted": (Status.STOPPED, True),  # SIGTERM: the in-flight requests were recorded
    "lease-lost": (Status.STOPPED, False),  # another scheduler took the lease over
    "busy": (EXIT_BUSY, True),  # another run holds the target's lease
}
BY_STATUS = {
    Status.OK: "ok",
    Status.TASKS: "tasks",
    Status.HELD: "held",
    Status.SOURCE_PROBLEM: "incomplete",
    Status.NOT_FOUND: "not-found",
    Status.STOPPED: "stopped",
}
GRACE = 60.0  # seconds the in-flight requests get to finish after SIGTERM


class Interrupted(Exception):
    """The run was stopped through its gate (SIGTERM or a lost lease)."""


@dataclass
class Attempt:
    outcome: str
    result: RunResult | None = None

    @property
    def exit_status(self) -> int:
        return OUTCOMES[self.outcome][0]

    @property
    def healthy(self) -> bool:
        return OUTCOMES[self.outcome][1]


def classify(result: RunResult) -> str:
    """The run's outcome, by the same statuses as `scimguard sync` (sync/report.py)."""
    plan = result.plan
    statuses = run_statuses(
        stopped=bool(result.error or (result.outcome is not None and result.outcome.stopped)),
        problems=list(result.snapshot.problems),
        held=len(plan.held) if plan is not None else 0,
        hold_reason=plan.hold_reason if plan is not None else None,
        counts=result.summary,
    )
    return BY_STATUS[worst(statuses)]


class Runner:
    def __init__(self, cfg: SyncConfig, engine: Engine, mode: Mode) -> None:
        self.cfg = cfg
        self.engine = engine
        self.mode = mode
        self.lease = Lease(engine, cfg.target_url, mode.lease_ttl)
        self.metrics = Metrics()
        self.health = Health(interval=mode.every or 0.0)
        self.gate: Gate | None = None
        self.stopping = False

    # --- one run ---------------------------------------------------------------------------

    async def attempt(self) -> Attempt:
        """One run if the lease is ours, reported as events and metrics."""
        if self.stopping:  # the signal came between two awaits: do not start
            return Attempt("interrupted")
        if not self.cfg.dry_run and not self.lease.acquire():
            holder = self.lease.current()
            events.emit(
                "lease_held",
                target=self.cfg.target_url,
                holder=holder.holder if holder else None,
                expires_in=round(holder.expires_in, 1) if holder else None,
            )
            return self._report(Attempt("busy"))
        loop = asyncio.get_running_loop()
        gate = self.gate = Gate()
        lost: list[bool] = []

        def on_lost() -> None:
            lost.append(True)
            loop.call_soon_threadsafe(gate.close)

        if self.stopping:
            gate.close()
        held: AbstractContextManager[None] = (
            nullcontext() if self.cfg.dry_run else self.lease.renewing(on_lost)
        )
        with held:
            events.emit(
                "run_started",
                target=self.cfg.target_url,
                sources=len(self.cfg.sources),
                dry_run=self.cfg.dry_run,
            )
            self.health.begin()
            token = current_gate.set(gate)
            try:
                task = asyncio.create_task(
                    run_sync_async(self.cfg, self.engine, on_progress=self.health.progress)
                )
            finally:
                current_gate.reset(token)
            try:
                result = await self._supervise(task, gate)
                attempt = Attempt(classify(result), result)
            except Interrupted:
                attempt = Attempt("lease-lost" if lost else "interrupted")
                self._close_run_row("stopped", _STOP_MESSAGE[attempt.outcome])
            except Exception as exc:  # reported and retried at the next tick, never raised
                events.emit("run_crashed", logging.ERROR, error=_short(exc))
                attempt = Attempt("crashed")
                self._close_run_row("crashed", f"crashed: {_short(exc)}")
        self.gate = None
        return self._report(attempt)

    async def _supervise(self, task: asyncio.Task, gate: Gate) -> RunResult:
        closed = asyncio.ensure_future(gate.closed.wait())
        await asyncio.wait({task, closed}, return_when=asyncio.FIRST_COMPLETED)
        closed.cancel()
        if task.done():
            return task.result()
        events.emit("stopping", in_flight=gate.in_flight)
        idle = asyncio.ensure_future(gate.idle.wait())
        await asyncio.wait({task, idle}, timeout=GRACE, return_when=asyncio.FIRST_COMPLETED)
        idle.cancel()
        for _ in range(3):  # let the callers of the last answers record them
            await asyncio.sleep(0)
        if task.done():
            return task.result()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        raise Interrupted

    def _close_run_row(self, status: str, message: str) -> None:
        """The run's row, left `running` by a cancelled or crashed run, says what happened."""
        c = runs.c
        with self.engine.begin() as conn:
            run_id = conn.execute(
                select(c.id)
                .where(c.target_url == self.cfg.target_url, c.status == "running")
                .order_by(c.id.desc())
                .limit(1)
            ).scalar()
            if run_id is not None:
                conn.execute(
                    update(runs)
                    .where(c.id == run_id)
                    .values(status=status, finished_at=now(), message=message)
                )

    def _report(self, attempt: Attempt) -> Attempt:
        result = attempt.result
        if result is not None:
            for problem in result.snapshot.problems:  # a reader's diagnosis: file:line, status
                events.emit("source_problem", logging.WARNING, message=problem[:300])
            for group_id in result.plan.drift if result.plan is not None else ():
                # members changed in the target outside the engine (the plan line names them)
                events.emit("member_drift", logging.WARNING, group_id=group_id)
            if result.plan is not None and result.plan.held:
                events.emit(
                    "removals_held",
                    logging.WARNING,
                    count=len(result.plan.held),
                    reason=result.plan.hold_reason,
                )
        filed = self._filed(result)
        for task_id, kind, operation, state, rule in filed:
            events.emit(
                "task_filed",
                task_id=task_id,
                kind=kind,
                operation=operation,
                state=state,
                rule=rule,
            )
        fields: dict[str, Any] = {"outcome": attempt.outcome, "target": self.cfg.target_url}
        if result is not None:
            fields.update(
                run_id=result.run_id,
                seconds=round(result.seconds, 3),
                **result.summary,
                source_problems=len(result.snapshot.problems),
                held=len(result.plan.held) if result.plan is not None else 0,
                member_reads=dict(result.plan.member_reads) if result.plan is not None else None,
                **{k: v for k, v in result.counts.items() if k in ("reads", "writes", "retries")},
                error=result.error or (result.outcome.stopped if result.outcome else None),
            )
        if attempt.outcome != "busy":
            events.emit(
                "run_finished", logging.INFO if attempt.healthy else logging.WARNING, **fields
            )
        try:
            open_by_rule = rule_counts(self.engine)
        except Exception:  # the state database is away: the figures wait for the next run
            open_by_rule = None
        if attempt.outcome != "busy":
            self.metrics.observe(
                attempt.outcome,
                attempt.healthy,
                summary=result.summary if result else None,
                task_states=[(operation, state) for _, _, operation, state, _ in filed],
                counts=result.counts if result else None,
                seconds=result.seconds if result else None,
                open_by_rule=open_by_rule,
            )
        self.health.record(attempt.outcome, attempt.healthy)
        return attempt

    def _filed(self, result: RunResult | None) -> list[tuple[int, str, str, str, str | None]]:
        if result is None or result.outcome is None or not result.outcome.task_ids:
            return []
        ids = sorted(set(result.outcome.task_ids))
        c = tasks.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.kind, c.operation, c.state, c.rule).where(c.id.in_(ids))
            ).all()
        return [tuple(row) for row in rows]


_STOP_MESSAGE = {
    "interrupted": "stopped by a signal: the requests in flight finished and were recorded; "
    "the next run picks up the rest",
    "lease-lost": "stopped: another scheduler took the target's lease over",
}


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {text[:300]}" if text else exc.__class__.__name__
