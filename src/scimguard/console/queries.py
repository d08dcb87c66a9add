"""What the pages read from the engine's tables beyond the task API: runs and owned resources.

The engine owns these tables (`scimguard.sync.tables`); the console only reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, or_, select

from scimguard.sync.tables import resources, runs, tasks
from scimguard.sync.tasks import OPEN_STATES, Task, row_to_task

RESOURCE_STATES = ("active", "inactive", "pending", "deleted")
MANUAL = "manually-sourced"  # the rule of a record the target holds, made there by hand


@dataclass
class Run:
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    target_url: str
    dry_run: bool
    summary: dict[str, Any]
    message: str | None


@dataclass
class Resource:
    id: int
    kind: str
    name: str | None
    external_id: str | None
    target_id: str | None
    state: str
    record_key: str
    target_url: str
    updated_at: datetime
    task_id: int | None  # the record's open task, if any
    task_state: str | None
    task_rule: str | None


def _json(value: str | None) -> Any:
    try:
        return json.loads(value) if value else {}
    except ValueError:
        return {}


def newest_tasks(
    engine: Engine,
    state: str | tuple[str, ...] | None,
    rule: str | None,
    kind: str | None,
    limit: int,
    before: int | None = None,
) -> list[Task]:
    """Like `sync.tasks.list_tasks`, but reads rows only until `limit` tasks matched, so a
    page of the newest tasks costs the same with 100 or 100,000 tasks in the store. `before`:
    only tasks with a smaller id (the next page)."""
    query = select(tasks).order_by(tasks.c.id.desc())
    if before is not None:
        query = query.where(tasks.c.id < before)
    if isinstance(state, str):
        query = query.where(tasks.c.state == state)
    elif state:
        query = query.where(tasks.c.state.in_(list(state)))
    if kind:
        query = query.where(tasks.c.kind == kind)
    if rule:  # a pre-filter; the parsed findings decide (as list_tasks does)
        query = query.where((tasks.c.rule == rule) | tasks.c.findings.contains(json.dumps(rule)))
    else:
        query = query.limit(limit)
    found: list[Task] = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            task = row_to_task(row)
            if rule and rule not in task.rules:
                continue
            found.append(task)
            if len(found) >= limit:
                break
    return found


def _counts(summary: Any) -> dict[str, int]:
    """A run's counts as the dashboard labels them (`still_failed` -> "still failed")."""
    if not isinstance(summary, dict):
        return {}
    return {k.replace("_", " "): v for k, v in summary.items() if isinstance(v, int)}


def recent_runs(engine: Engine, limit: int = 5) -> list[Run]:
    with engine.connect() as conn:
        rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).all()
    return [
        Run(
            id=r.id,
            status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            target_url=r.target_url,
            dry_run=bool(r.dry_run),
            summary=_counts(_json(r.summary)),
            message=r.message,
        )
        for r in rows
    ]


def provisioned_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """{kind: {state: count}} of what the engine holds in its targets."""
    counts = {kind: dict.fromkeys(RESOURCE_STATES, 0) for kind in ("user", "group")}
    with engine.connect() as conn:
        for kind, state, count in conn.execute(
            select(resources.c.kind, resources.c.state, func.count()).group_by(
                resources.c.kind, resources.c.state
            )
        ):
            counts.setdefault(kind, {})[state] = count
    return counts


def _needle(search: str) -> str:
    """A LIKE pattern for a case-insensitive substring search (wildcards escaped)."""
    escaped = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped + "%"


def list_resources(
    engine: Engine,
    kind: str,
    search: str = "",
    state: str = "",
    limit: int = 500,
    offset: int = 0,
) -> tuple[list[Resource], int]:
    """One page of the resources of one kind matching a search (name, externalId, target id):
    `limit` of them from `offset`, and the total number that matched."""
    query = select(resources).where(resources.c.kind == kind)
    if state in RESOURCE_STATES:
        query = query.where(resources.c.state == state)
    if search.strip():
        needle = _needle(search)
        query = query.where(
            or_(
                resources.c.name_lower.like(needle, escape="\\"),
                func.lower(resources.c.external_id).like(needle, escape="\\"),
                func.lower(resources.c.target_id).like(needle, escape="\\"),
                func.lower(resources.c.record_key).like(needle, escape="\\"),
            )
        )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(resources.c.name_lower, resources.c.id).limit(limit).offset(offset)
        ).all()
        keys = [r.record_key for r in rows]
        open_tasks = {}
        if keys:
            for t in conn.execute(
                select(tasks.c.id, tasks.c.record_key, tasks.c.state, tasks.c.rule).where(
                    tasks.c.kind == kind,
                    tasks.c.record_key.in_(keys),
                    tasks.c.state.in_(OPEN_STATES),
                )
            ):
                open_tasks[t.record_key] = t
    found = []
    for r in rows:
        task = open_tasks.get(r.record_key)
        found.append(
            Resource(
                id=r.id,
                kind=r.kind,
                name=r.name,
                external_id=r.external_id,
                target_id=r.target_id,
                state=r.state,
                record_key=r.record_key,
                target_url=r.target_url,
                updated_at=r.updated_at,
                task_id=task.id if task else None,
                task_state=task.state if task else None,
                task_rule=task.rule if task else None,
            )
        )
    return found, total


def manual_tasks(engine: Engine, kind: str, search: str = "", limit: int = 200) -> list[Task]:
    """Open `manually-sourced` tasks of one kind: records the target already holds, made by hand
    there (not by this engine), which the engine therefore left alone. They have no row in
    `resources` (the engine owns nothing of them), so the Users and Groups pages list them from
    here, marked."""
    query = (
        select(tasks)
        .where(
            tasks.c.kind == kind,
            tasks.c.rule == MANUAL,
            tasks.c.state.in_(OPEN_STATES),
        )
        .order_by(tasks.c.display, tasks.c.id)
        .limit(limit)
    )
    if search.strip():
        needle = _needle(search)
        query = query.where(
            or_(
                func.lower(tasks.c.display).like(needle, escape="\\"),
                func.lower(tasks.c.record_key).like(needle, escape="\\"),
            )
        )
    with engine.connect() as conn:
        return [row_to_task(row) for row in conn.execute(query)]
