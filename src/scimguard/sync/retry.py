"""Retry of tasks: re-read the record from its source, check it again, send only its operations.

Tasks are retried in batches per run (the run knows the target, where the token comes from,
and the sources). The sources are read again (the admin fixed the record there), the target is
read again, and the planner runs as for a sync; then only the operations of the retried
records are applied (and the membership additions that waited for a retried user).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, select

from scimguard.profile import Profile
from scimguard.sources import ReadContext, read_all
from scimguard.sync import memory
from scimguard.sync.backoff import RetryPolicy
from scimguard.sync.client import ScimClient, TargetReadFailed, TargetUnauthorized
from scimguard.sync.executor import Executor
from scimguard.sync.omitted import omit_incomplete, record_notes
from scimguard.sync.planner import MemberOp, Plan
from scimguard.sync.run import load_owned, plan_against
from scimguard.sync.settings import RunSettings
from scimguard.sync.source_state import EngineSourceState
from scimguard.sync.tables import runs
from scimguard.sync.tasks import RetryOutcome, Task, get_task
from scimguard.unattended.lease import DEFAULT_LEASE, Lease

T = TypeVar("T")


def _token(run: dict[str, Any], given: str | None) -> str | None:
    if given:
        return given
    if run.get("token_file"):
        try:
            return Path(run["token_file"]).read_text(encoding="utf-8").strip() or None
        except OSError:
            return None
    return os.environ.get(run.get("token_env") or "SCIMGUARD_TARGET_TOKEN", "").strip() or None


def _load_run(engine: Engine, run_id: int | None) -> dict[str, Any] | None:
    if run_id is None:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(runs).where(runs.c.id == run_id)).first()
    return dict(row._mapping) if row else None


def _restrict(plan: Plan, keys: set[tuple[str, str]]) -> Plan:
    user_keys = {k for kind, k in keys if kind == "user"}
    out = Plan(claims=plan.claims, held=[o for o in plan.held if (o.kind, o.key) in keys])
    out.hold_reason = plan.hold_reason if out.held else None
    out.ops = [o for o in plan.ops if (o.kind, o.key) in keys]
    for m in plan.members:
        if ("group", m.group_key) in keys:
            out.members.append(m)
        else:
            add = [k for k in m.add if k in user_keys]
            if add:
                names = [n for k, n in zip(m.add, m.add_display, strict=False) if k in user_keys]
                out.members.append(
                    MemberOp(m.group_key, m.group_display, m.group_id, add, [], names, [])
                )
    return out


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also when called from a thread that already runs a loop (an ASGI app)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class RetryReport:
    """A retry as `tasks retry` reports it: each task's outcome and what held the batch back."""

    outcomes: list[RetryOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # source reads that failed or look partial
    held: list[str] = field(default_factory=list)  # removals the fuse held, one line each
    hold_reason: str | None = None
    stopped: str | None = None  # no token, token refused, target unreadable
    busy: str | None = None  # another run held the target's lease: nothing was sent


def retry(engine: Engine, ids: list[int], *, token: str | None = None) -> list[RetryOutcome]:
    return retry_report(engine, ids, token=token).outcomes


def retry_report(engine: Engine, ids: list[int], *, token: str | None = None) -> RetryReport:
    report = RetryReport()
    outcomes: dict[int, RetryOutcome] = {}
    batches: dict[int | None, list[Task]] = {}
    for task_id in ids:
        task = get_task(engine, task_id)
        if task is None:
            outcomes[task_id] = RetryOutcome(task_id, "missing", "no such task")
        elif task.state == "succeeded":
            outcomes[task_id] = RetryOutcome(task_id, "succeeded", "already succeeded", task)
        else:
            batches.setdefault(task.run_id, []).append(task)
    for run_id, batch in batches.items():
        for outcome in _leased(engine, run_id, batch, token, report):
            outcomes[outcome.task_id] = outcome
    report.outcomes = [outcomes[i] for i in ids if i in outcomes]
    return report


def _leased(
    engine: Engine, run_id: int | None, batch: list[Task], token: str | None, report: RetryReport
) -> list[RetryOutcome]:
    """A batch under its target's lease, as a run: a retry never writes beside a live run."""
    run = _load_run(engine, run_id) or {}
    target_url = str(run.get("target_url") or batch[0].target_url or "")
    lease = Lease(engine, target_url, DEFAULT_LEASE)
    if not lease.acquire():
        holder = lease.current()
        who = f" ({holder.holder}, {holder.expires_in:.0f} s left)" if holder else ""
        report.busy = f"another run holds the lease of {target_url}{who}: try again when it ends"
        return [RetryOutcome(t.id, t.state, report.busy, t) for t in batch]
    # A lease lost mid-retry (taken over after expiry) cannot stop requests already sent;
    # renewing every third of the TTL keeps that from happening while the process lives.
    with lease.renewing(on_lost=lambda: None):
        return _run(_retry_batch(engine, run_id, batch, token, report))


async def _retry_batch(
    engine: Engine, run_id: int | None, batch: list[Task], token: str | None, report: RetryReport
) -> list[RetryOutcome]:
    run = _load_run(engine, run_id) or {}
    target_url = run.get("target_url") or batch[0].target_url
    sources = json.loads(run["sources"]) if run.get("sources") else []
    if not sources:
        sources = [{k: v for k, v in t.source.items() if k != "line"} for t in batch if t.source]
    settings = RunSettings.from_json(run.get("options"))
    bearer = _token(run, token)

    def unchanged(message: str) -> list[RetryOutcome]:
        report.stopped = message
        return [RetryOutcome(t.id, t.state, message, t) for t in batch]

    if not target_url:
        return unchanged("the task has no target to send to")
    if not bearer:
        where = run.get("token_file") or f"${run.get('token_env') or 'SCIMGUARD_TARGET_TOKEN'}"
        return unchanged(f"no target token: {where} is not set")
    policy = RetryPolicy()  # one policy for the source (Okta) and the target
    snapshot = read_all(sources, context=ReadContext(retry=policy, state=EngineSourceState(engine)))
    report.problems.extend(p for p in snapshot.problems if p not in report.problems)
    keys = {(t.kind, t.record_key) for t in batch}
    present = snapshot.keys()
    profile = Profile(settings.switches)
    snapshot.notes.update(omit_incomplete(snapshot, profile))
    plan_options = settings.options
    async with ScimClient(
        target_url,
        bearer,
        rate_writes=settings.rate_writes,
        rate_reads=settings.rate_reads,
        retry=policy,
    ) as client:
        try:
            # The retried records are sent whatever they were refused for; the others are not.
            remembered = memory.load(engine, target_url, forget=keys)
            plan = await plan_against(
                client, snapshot, load_owned(engine, target_url), plan_options, profile, remembered
            )
        except TargetUnauthorized as exc:
            return unchanged(f"the target answered {exc.reply.status}: the token was refused")
        except TargetReadFailed as exc:
            return unchanged(f"{exc}; nothing was sent")
        restricted = _restrict(plan, keys)
        if restricted.held:
            report.held.extend(f"{o.action} {o.kind} {o.display}" for o in restricted.held)
            report.hold_reason = restricted.hold_reason
        executor = Executor(
            engine,
            client,
            target_url=target_url,
            run_id=run_id,
            profile=profile,
            adopt_manual=plan_options.adopt_manual,
        )
        outcome = await executor.apply(restricted, removals=True)
    notes = {k: v for k, v in snapshot.notes.items() if k in keys}
    record_notes(engine, target_url, run_id, notes, snapshot, restricted, outcome.task_ids)
    results = []
    for t in batch:
        fresh = get_task(engine, t.id) or t
        if outcome.stopped and fresh.state != "succeeded":
            report.stopped = message = outcome.stopped
        elif fresh.state == "succeeded":
            message = "provisioned"
        elif any((o.kind, o.key) == (t.kind, t.record_key) for o in restricted.held):
            message = f"held back: {restricted.hold_reason}"
        elif t.record_key not in present[t.kind] and t.operation not in ("deactivate", "delete"):
            message = "the record is no longer in its source; dismiss the task"
        else:
            message = fresh.message.splitlines()[0]
            if len(fresh.message.splitlines()) > 1:
                message += " " + fresh.message.splitlines()[1].strip()
        results.append(RetryOutcome(t.id, fresh.state, message, fresh))
    return results
