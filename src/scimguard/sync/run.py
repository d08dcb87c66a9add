"""One sync run: read the sources and the target, plan, and (unless a dry run) apply.

The CLI (`scimguard sync`), Retry and the benchmark all go through `run_sync`, so a run is
recorded the same way everywhere: a `sync_runs` row (status running -> completed | stopped),
its tasks, and the resources the engine owns.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update

from scimguard.profile import Profile
from scimguard.rates import READS_PER_SECOND, WRITES_PER_SECOND
from scimguard.sources import ReadContext, read_all
from scimguard.sources.base import NoState
from scimguard.sources.snapshot import Snapshot
from scimguard.sync import membership, memory
from scimguard.sync.backoff import RetryPolicy
from scimguard.sync.client import ScimClient, TargetReadFailed, TargetUnauthorized, abandon
from scimguard.sync.db import now
from scimguard.sync.executor import Executor
from scimguard.sync.matching import EarlyMatches, Matcher
from scimguard.sync.omitted import omit_incomplete, record_notes
from scimguard.sync.ops import Owned
from scimguard.sync.planner import (
    COUNTS,
    Options,
    Plan,
    Planner,
    TargetState,
    Wanted,
    total,
)
from scimguard.sync.recorder import Outcome
from scimguard.sync.settings import RunSettings
from scimguard.sync.source_side import SourceSide
from scimguard.sync.source_state import EngineSourceState
from scimguard.sync.tables import resources, runs
from scimguard.sync.target_index import TargetIndex
from scimguard.sync.tasks import dismiss_gone


@dataclass
class SyncConfig:
    target_url: str
    token: str
    sources: list[dict[str, Any]]
    options: Options = field(default_factory=Options)
    dry_run: bool = False
    rate_writes: float = WRITES_PER_SECOND
    rate_reads: float = READS_PER_SECOND
    concurrency: int = 16
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    token_env: str | None = None
    token_file: str | None = None
    profile: Profile = field(default_factory=Profile)

    def client(self) -> ScimClient:
        """The SCIM client of a run against this target, at this pace."""
        return ScimClient(
            self.target_url,
            self.token,
            rate_writes=self.rate_writes,
            rate_reads=self.rate_reads,
            concurrency=self.concurrency,
            retry=self.retry,
        )

    @property
    def settings(self) -> RunSettings:
        """What the run records, and Retry plans with again."""
        return RunSettings(self.options, self.profile.switches, self.rate_writes, self.rate_reads)


# repr=False: asyncio.run looks up the SIGINT handler it installed, and `signal.getsignal`
# formats a ValueError naming it, whose repr holds the finished task's result; a dataclass
# repr of a run's snapshot and plan cost over a second at 20,000 users (bench/sync_quota.py).
@dataclass(repr=False)
class RunResult:
    run_id: int | None
    snapshot: Snapshot
    plan: Plan | None = None
    outcome: Outcome | None = None
    error: str | None = None  # the run could not plan (target unreadable, unauthorized)
    counts: dict[str, int] = field(default_factory=dict)  # calls: reads, writes, retries
    seconds: float = 0.0

    def __repr__(self) -> str:
        return f"RunResult(run_id={self.run_id!r}, error={self.error!r}, counts={self.counts!r})"

    @property
    def summary(self) -> dict[str, int]:
        return total(self.by_kind)

    @property
    def by_kind(self) -> dict[str, dict[str, int]]:
        """The counts per kind: what was done, else (a dry run, a stop) what was planned."""
        if self.outcome is not None:
            return self.outcome.by_kind()
        if self.plan is not None:
            return self.plan.by_kind()
        return {kind: dict.fromkeys(COUNTS, 0) for kind in ("user", "group")}


async def read_target(
    client: ScimClient, users: TargetIndex | None = None, groups: TargetIndex | None = None
) -> TargetState:
    """Every user and group of the target, indexed for the planner page by page (while the
    next page is on its way, sync/target_index.py) into `users` and `groups`, or new ones."""
    users = users or TargetIndex("user", parsed=True)
    groups = groups or TargetIndex("group", parsed=True)
    listed = await together(
        _collect(client, "/Users", into=users), _collect(client, "/Groups", into=groups)
    )
    return TargetState(listed[0], listed[1], indexes={"user": users, "group": groups})


async def together(*steps: Awaitable[Any]) -> list[Any]:
    """Run side by side; the first failure stops the others and is raised. (`asyncio.gather`
    lets the others run on, a listing reading pages for a run that has already failed, and a
    second failure is never retrieved.)"""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            error = task.exception() if task.done() and not task.cancelled() else None
            if error is not None:
                raise error
        return [task.result() for task in tasks]
    finally:
        for task in tasks:
            abandon(task)


async def _collect(
    client: ScimClient, resource: str, flt: str | None = None, into: TargetIndex | None = None
) -> list[dict]:
    items = []
    async for item in client.list_all(resource, flt):
        items.append(item)
        if into is not None:
            into.add(item)
    return items


async def read_memberships(client: ScimClient, group_ids: list[str]) -> dict[str, set[str]]:
    """Members of each group through `GET /Users?filter=groups.value eq "<id>"`."""

    async def one(gid: str) -> tuple[str, set[str]]:
        users = await _collect(client, "/Users", f'groups.value eq "{gid}"')
        return gid, {u["id"] for u in users if isinstance(u.get("id"), str)}

    pairs = await asyncio.gather(*[one(g) for g in group_ids])
    return dict(pairs)


def load_owned(engine: Engine | None, target_url: str) -> list[Owned]:
    owned: list[Owned] = []
    for rows in owned_slices(engine, target_url):
        owned.extend(rows)
    return owned


def owned_slices(engine: Engine | None, target_url: str, size: int = 250) -> Iterator[list[Owned]]:
    """The rows of `sync_resources` of one target, `size` at a time."""
    if engine is None:
        return
    t = resources.c
    with engine.connect() as conn:
        result = conn.execute(
            select(t.kind, t.record_key, t.target_id, t.external_id, t.name_lower, t.state).where(
                t.target_url == target_url
            )
        )
        for rows in result.partitions(size):
            yield [Owned(*row) for row in rows]


@dataclass
class EngineState:
    """What the state database says of the target: the resources the engine owns, the
    refusals it remembers (sync/memory.py), the member reads it recorded (sync/membership.py)."""

    owned: list[Owned] = field(default_factory=list)
    remembered: memory.Memory = field(default_factory=dict)
    known: membership.Known | None = None

    def loading(self, engine: Engine | None, target_url: str) -> Iterator[None]:
        """Load it a slice at a time (`_between_pages`: a run reads it while the target's
        pages come in)."""
        for rows in owned_slices(engine, target_url):
            self.owned.extend(rows)
            yield
        self.remembered = memory.load(engine, target_url)
        yield
        self.known = membership.load(engine, target_url)


@dataclass
class Reading:
    """Whose members a plan read and why, kept for `membership.save` after the run."""

    wanted: list[Wanted]
    choice: membership.Choice
    listed: dict[str, dict[str, Any]]
    known: membership.Known | None


async def plan_against(
    client: ScimClient,
    snapshot: Snapshot,
    owned: list[Owned],
    options: Options,
    profile: Profile,
    remembered: memory.Memory | None = None,
) -> Plan:
    """The plan against the target as it is now, every group's members read."""
    state = EngineState(owned, remembered or {})
    plan, _ = await plan_and_read(client, snapshot, state, options, profile)
    return plan


async def plan_and_read(
    client: ScimClient,
    snapshot: Snapshot,
    state: EngineState,
    options: Options,
    profile: Profile,
    loading: Iterable[None] = (),
) -> tuple[Plan, Reading]:
    """The plan against the target as it is now; what `state.remembered` says was refused the
    same way before is held (not sent again), before memberships are planned. The members of
    a group are read unless `state.known` vouches for them (sync/membership.py). `loading`
    (`state.loading`), then the source's side, are worked out while the target is read."""
    side = SourceSide(snapshot, profile)
    users = TargetIndex("user", parsed=True)
    early = EarlyMatches(snapshot.users, users)
    users.on_add = early.offer

    def matcher() -> Matcher:
        return Matcher("user", users, state.owned, options.adopt_manual, side)

    work = itertools.chain(loading, side.steps(), early.steps(matcher))
    target, _ = await together(
        read_target(client, users, TargetIndex("group", parsed=True)), _between_pages(work)
    )
    users.on_add = None
    known = state.known
    planner = Planner(snapshot, target, state.owned, options, profile, side, early)
    plan = planner.match()
    memory.hold_ops(plan, state.remembered)
    wanted = list(planner.wanted_members().values())
    listed = {g["id"]: g for g in target.groups if isinstance(g.get("id"), str)}
    choice = membership.choose(wanted, listed, known, options)
    members = await read_memberships(client, sorted(choice.read))
    plan.drift = membership.drift(wanted, members, choice, known, users.name_of)
    for want in wanted:  # not read: the record vouches that it holds what the source wants
        if want.group_id is not None and want.group_id not in members:
            members[want.group_id] = set(want.ids)
    plan.member_reads = choice.counts()
    plan = planner.plan_members(members)
    memory.hold_members(plan, state.remembered)
    return plan, Reading(wanted, choice, listed, known)


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a plan is built. Reading the target and planning
    allocate hundreds of thousands of dicts that live until the run ends, and each full
    collection walks all of them again: 40 % of a 20,000-user resync's CPU (bench/
    sync_quota.py). What they make holds no cycles; what others make in that time waits for
    the next collection, a bounded amount (one planning phase). On the way out what exists is
    frozen (`gc.freeze`), so that the collections of the rest of the run do not walk the
    plan either; the run thaws it when it ends (`thaw`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def thaw() -> None:
    """Hand what `collection_paused` froze back to the collector (its cycles, if any, are
    collected again; the run's acyclic data is freed by reference counting as usual)."""
    gc.unfreeze()


# How long the work between pages holds the event loop at a time. An answer from the target
# takes the loop several turns (the HTTP client's own futures and tasks) before its page is
# taken in and the next one asked for, and each turn waits for the slice in progress: slices
# of 1.5 ms made a cursor page cost 12 ms while they lasted (bench/sync_quota.py).
TURN = 0.00025


async def _between_pages(steps: Iterator[None]) -> None:
    """CPU work a short turn at a time (`TURN`), the event loop free in between: each of the
    target's pages that has come back is taken in, and the next asked for, while the work
    goes on. `steps` pauses (yields) often, at points where the work may stop for a while."""
    ends = time.perf_counter() + TURN
    for _ in steps:
        if time.perf_counter() >= ends:
            await asyncio.sleep(0)
            ends = time.perf_counter() + TURN


def _start_run(engine: Engine, cfg: SyncConfig) -> int:
    with engine.begin() as conn:
        conn.execute(
            # Only this target's: the lease allows one run per target, so an unfinished run of
            # the same target is a dead one; a run against another target may be alive.
            update(runs)
            .where(runs.c.status == "running", runs.c.target_url == cfg.target_url)
            .values(status="crashed", message="found unfinished at the start of a later run")
        )
        result = conn.execute(
            runs.insert().values(
                started_at=now(),
                status="running",
                target_url=cfg.target_url,
                token_env=cfg.token_env,
                token_file=cfg.token_file,
                sources=json.dumps(cfg.sources),
                options=cfg.settings.to_json(),
                dry_run=cfg.dry_run,
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # None only for an insert() that does not create a row
        return int(key[0])


def _finish_run(
    engine: Engine, run_id: int, status: str, summary: dict, message: str | None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(status=status, finished_at=now(), summary=json.dumps(summary), message=message)
        )


async def run_sync_async(
    cfg: SyncConfig,
    engine: Engine | None,
    *,
    on_plan: Callable[[Plan, Snapshot], None] | None = None,
    snapshot: Snapshot | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_read: Callable[[str], None] | None = None,
) -> RunResult:
    """`on_progress(done, total)` while applying; `on_read(line)` while the sources are read."""
    try:
        return await _run(cfg, engine, on_plan, snapshot, on_progress, on_read)
    finally:
        thaw()  # what the planning froze (collection_paused), however the run ended


async def _run(
    cfg: SyncConfig,
    engine: Engine | None,
    on_plan: Callable[[Plan, Snapshot], None] | None,
    snapshot: Snapshot | None,
    on_progress: Callable[[int, int], None] | None,
    on_read: Callable[[str], None] | None,
) -> RunResult:
    started = time.monotonic()
    if snapshot is None:
        state = EngineSourceState(engine) if engine is not None else NoState()
        context = ReadContext(retry=cfg.retry, state=state)
        if on_read is not None:
            context.progress = on_read
        snapshot = read_all(cfg.sources, context=context)
    with collection_paused():
        snapshot.notes.update(omit_incomplete(snapshot, cfg.profile))
    result = RunResult(None, snapshot)
    run_id = None
    if engine is not None and not cfg.dry_run:
        run_id = _start_run(engine, cfg)
    result.run_id = run_id
    async with cfg.client() as client:
        try:
            with collection_paused():
                held = EngineState()
                plan, reading = await plan_and_read(
                    client,
                    snapshot,
                    held,
                    cfg.options,
                    cfg.profile,
                    held.loading(engine, cfg.target_url),
                )
        except TargetUnauthorized as exc:
            result.error = (
                f"the target answered {exc.reply.status} to {exc.reply.method} {exc.reply.path}: "
                "the token is wrong, expired or revoked. Nothing was sent."
            )
        except TargetReadFailed as exc:
            result.error = f"{exc}. Nothing was sent: a plan on a partial read is not safe."
        else:
            result.plan = plan
            if on_plan is not None:
                on_plan(plan, snapshot)
            if not cfg.dry_run:
                executor = Executor(
                    engine,
                    client,
                    target_url=cfg.target_url,
                    run_id=run_id,
                    profile=cfg.profile,
                    adopt_manual=cfg.options.adopt_manual,
                    on_progress=on_progress,
                )
                membership.forget(engine, cfg.target_url, plan)
                result.outcome = await executor.apply(plan)
                if snapshot.complete and not result.outcome.stopped:
                    membership.save(
                        engine,
                        cfg.target_url,
                        run_id,
                        plan,
                        reading.wanted,
                        reading.choice,
                        reading.listed,
                        reading.known,
                    )
                if engine is not None:
                    record_notes(
                        engine,
                        cfg.target_url,
                        run_id,
                        snapshot.notes,
                        snapshot,
                        plan,
                        result.outcome.task_ids,
                    )
                if engine is not None and snapshot.complete and not result.outcome.stopped:
                    with engine.begin() as conn:
                        dismiss_gone(conn, cfg.target_url, snapshot.keys(), run_id)
        result.counts = dict(client.counts)
    result.seconds = time.monotonic() - started
    if engine is not None and run_id is not None:
        recorded = {**result.summary, "held": len(result.plan.held) if result.plan else 0}
        if result.error:
            _finish_run(engine, run_id, "stopped", recorded, result.error)
        elif result.outcome and result.outcome.stopped:
            _finish_run(engine, run_id, "stopped", recorded, result.outcome.stopped)
        else:
            _finish_run(engine, run_id, "completed", recorded, None)
    return result


def run_sync(cfg: SyncConfig, engine: Engine | None, **kwargs: Any) -> RunResult:
    return asyncio.run(run_sync_async(cfg, engine, **kwargs))
