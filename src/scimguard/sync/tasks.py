"""The task queue: every operation that did not succeed, with its request, response and diagnosis.

This is the API the `tasks` command and the web console build on. All functions take a
SQLAlchemy `Engine` on the engine database (`scimguard.sync.db.open_engine(url)`).

    list_tasks(engine, state=None, rule=None, kind=None, limit=None) -> list[Task]
        newest first; `state` one of STATES (or a list of them); `rule` matches the main
        diagnosis or any finding of the task.
    get_task(engine, task_id) -> Task | None
    dismiss_tasks(engine, ids) -> int                  number of tasks dismissed
    scimguard.sync.retry.retry(engine, ids, *, token=None) -> list[RetryOutcome]
        (in `retry`: tasks are data the engine writes and retry reads, so this module is a
        leaf and imports neither) re-reads each record's current data from its source, checks
        it again with the profile, sends only that record's operations to the task's target
        (token: the argument, else the run's --token-env variable / --token-file), and updates
        the task (`succeeded`, or `failed`/`blocked` with the new diagnosis). A 401/403 stops
        the batch: the remaining outcomes say so and their tasks stay as they were.
    open_task_ids(engine) -> list[int]                 every failed or blocked task (for --all)
    open_count(engine, target_url=None) -> int         how many are open (of one target)
    task_counts(engine) -> dict[str, int]              {state: count} for every state in STATES
    rule_counts(engine, states=OPEN_STATES) -> dict[str, int]   {rule: count}, biggest first
    last_run(engine) -> RunInfo | None                 the newest run: status, times, summary
    okta_message(task) -> str
        the message as Okta would put it ("Automatic provisioning of user X to app AWS IAM
        Identity Center failed: Error while creating user X: Bad Request. Errors reported by
        remote server: ..."), followed by the diagnosis in plain words.

`Task.request` is `{"method", "path", "body"}`, `Task.response` is `{"status", "body",
"request_id"}` (None when nothing was sent: a blocked record), `Task.findings` a list of
`Finding.to_dict()` dicts. Values are raw: show them through `scimguard.text.visible`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from scimguard.sync.db import now
from scimguard.sync.tables import runs, tasks

STATES = ("failed", "blocked", "succeeded", "dismissed")
OPEN_STATES = ("failed", "blocked")
APP_NAME = "AWS IAM Identity Center"


@dataclass
class Task:
    id: int
    run_id: int | None
    kind: str
    record_key: str
    display: str
    operation: str
    state: str
    rule: str | None
    request: dict[str, Any]
    response: dict[str, Any] | None
    findings: list[dict[str, Any]]
    attempts: int
    source: dict[str, Any] | None
    target_url: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def rules(self) -> list[str]:
        """Every rule code of the task, the main one first, without repeats."""
        codes = [self.rule] if self.rule else []
        for finding in self.findings:
            code = finding.get("rule")
            if code and code not in codes:
                codes.append(code)
        return codes

    @property
    def message(self) -> str:
        return okta_message(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run_id": self.run_id,
            "kind": self.kind,
            "record_key": self.record_key,
            "display": self.display,
            "operation": self.operation,
            "state": self.state,
            "rule": self.rule,
            "request": self.request,
            "response": self.response,
            "findings": self.findings,
            "attempts": self.attempts,
            "source": self.source,
            "target_url": self.target_url,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "message": self.message,
        }


@dataclass
class RetryOutcome:
    task_id: int
    state: str  # the task's state after the retry (or unchanged when not attempted)
    message: str  # one line for a person
    task: Task | None = None


@dataclass
class RunInfo:
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    target_url: str
    dry_run: bool
    summary: dict[str, int] = field(default_factory=dict)
    message: str | None = None


def _loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    try:
        return json.loads(text)
    except ValueError:
        return text


def _body(text: str | None) -> Any:
    """A stored body: parsed JSON when it is JSON, else the raw text."""
    return _loads(text, None)


def row_to_task(row: Any) -> Task:
    m = row._mapping
    response = None
    if m["response_status"] is not None or m["response_body"] is not None:
        response = {
            "status": m["response_status"],
            "body": _body(m["response_body"]),
            "request_id": m["request_id"],
        }
    return Task(
        id=m["id"],
        run_id=m["run_id"],
        kind=m["kind"],
        record_key=m["record_key"],
        display=m["display"],
        operation=m["operation"],
        state=m["state"],
        rule=m["rule"],
        request={
            "method": m["request_method"],
            "path": m["request_path"],
            "body": _body(m["request_body"]),
        },
        response=response,
        findings=_loads(m["findings"], []) or [],
        attempts=m["attempts"],
        source=_loads(m["source"]),
        target_url=m["target_url"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def list_tasks(
    engine: Engine,
    state: str | Sequence[str] | None = None,
    rule: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[Task]:
    query = select(tasks).order_by(tasks.c.id.desc())
    if isinstance(state, str):
        query = query.where(tasks.c.state == state)
    elif state:
        query = query.where(tasks.c.state.in_(list(state)))
    if kind:
        query = query.where(tasks.c.kind == kind)
    if rule:
        query = query.where((tasks.c.rule == rule) | tasks.c.findings.contains(json.dumps(rule)))
    with engine.connect() as conn:
        found = [row_to_task(r) for r in conn.execute(query)]
    if rule:  # the LIKE above is a pre-filter; decide on the parsed findings
        found = [t for t in found if rule in t.rules]
    return found[:limit] if limit else found


def get_task(engine: Engine, task_id: int) -> Task | None:
    with engine.connect() as conn:
        row = conn.execute(select(tasks).where(tasks.c.id == int(task_id))).first()
    return row_to_task(row) if row else None


def dismiss_tasks(engine: Engine, ids: Iterable[int]) -> int:
    ids = [int(i) for i in ids]
    if not ids:
        return 0
    with engine.begin() as conn:
        result = conn.execute(
            update(tasks)
            .where(tasks.c.id.in_(ids), tasks.c.state.in_(OPEN_STATES))
            .values(state="dismissed", updated_at=now())
        )
    return result.rowcount or 0


def open_task_ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(tasks.c.id).where(tasks.c.state.in_(OPEN_STATES)).order_by(tasks.c.id)
            ).scalars()
        )


def open_count(engine: Engine, target_url: str | None = None) -> int:
    """Failed and blocked tasks (of one target, when given)."""
    query = select(func.count()).select_from(tasks).where(tasks.c.state.in_(OPEN_STATES))
    if target_url is not None:
        query = query.where(tasks.c.target_url == target_url)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def task_counts(engine: Engine) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    with engine.connect() as conn:
        for state, count in conn.execute(
            select(tasks.c.state, func.count()).group_by(tasks.c.state)
        ):
            counts[state] = count
    return counts


def rule_counts(engine: Engine, states: Sequence[str] = OPEN_STATES) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(tasks.c.rule, func.count())
            .where(tasks.c.state.in_(list(states)))
            .group_by(tasks.c.rule)
        ).all()
    pairs = sorted(((r or "unknown", c) for r, c in rows), key=lambda p: (-p[1], p[0]))
    return dict(pairs)


def last_run(engine: Engine) -> RunInfo | None:
    with engine.connect() as conn:
        row = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    m = row._mapping
    return RunInfo(
        id=m["id"],
        status=m["status"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
        target_url=m["target_url"],
        dry_run=bool(m["dry_run"]),
        summary=_loads(m["summary"], {}) or {},
        message=m["message"],
    )


# --- writing tasks (the executor and retry) ---------------------------------------------------


def file_task(
    conn: Connection,
    *,
    run_id: int | None,
    kind: str,
    record_key: str,
    display: str,
    operation: str,
    state: str,
    rule: str | None,
    request: dict[str, Any] | None,
    response: dict[str, Any] | None,
    findings: list[dict[str, Any]],
    attempts: int,
    source: dict[str, Any] | None,
    target_url: str | None,
    digest: str | None = None,
) -> int:
    """Create or update the open task of one record (one open task per record and kind).

    A record already dismissed stays dismissed while it fails the same way (same request);
    a different request reopens it. `digest` is what a later run compares (sync/memory.py).
    """
    request = request or {}
    body_text = None if request.get("body") is None else json.dumps(request["body"])
    values = {
        "run_id": run_id,
        "display": display,
        "operation": operation,
        "state": state,
        "rule": rule,
        "request_method": request.get("method"),
        "request_path": request.get("path"),
        "request_body": body_text,
        "response_status": (response or {}).get("status"),
        "response_body": _dump_body((response or {}).get("body")),
        "request_id": (response or {}).get("request_id"),
        "findings": json.dumps(findings),
        "attempts": attempts,
        "source": None if source is None else json.dumps(source),
        "target_url": target_url,
        "digest": digest,
        "updated_at": now(),
    }
    existing = conn.execute(
        select(tasks.c.id, tasks.c.state, tasks.c.request_body, tasks.c.attempts)
        .where(
            tasks.c.kind == kind,
            tasks.c.record_key == record_key,
            tasks.c.state.in_((*OPEN_STATES, "dismissed")),
        )
        .order_by(tasks.c.id.desc())
        .limit(1)
    ).first()
    if existing is not None:
        if existing.state == "dismissed" and existing.request_body == body_text:
            if digest is not None:
                conn.execute(update(tasks).where(tasks.c.id == existing.id).values(digest=digest))
            return existing.id
        values["attempts"] = (existing.attempts or 0) + attempts  # every try, across runs
        conn.execute(update(tasks).where(tasks.c.id == existing.id).values(**values))
        return existing.id
    result = conn.execute(
        tasks.insert().values(kind=kind, record_key=record_key, created_at=now(), **values)
    )
    key = result.inserted_primary_key
    assert key is not None  # None only for an insert() that does not create a row
    return int(key[0])


def close_tasks(conn: Connection, kind: str, record_key: str, run_id: int | None) -> None:
    """The record went through: its open tasks are `succeeded`."""
    conn.execute(
        update(tasks)
        .where(tasks.c.kind == kind, tasks.c.record_key == record_key)
        .where(tasks.c.state.in_(OPEN_STATES))
        .values(state="succeeded", run_id=run_id, updated_at=now())
    )


def dismiss_gone(
    conn: Connection, target_url: str, present: Mapping[str, AbstractSet[str]], run_id: int | None
) -> int:
    """Open create/update tasks of records no longer in a complete source read are moot.
    `present`: the source's record keys by kind (`Snapshot.keys`)."""
    rows = conn.execute(
        select(tasks.c.id, tasks.c.kind, tasks.c.record_key).where(
            tasks.c.state.in_(OPEN_STATES),
            tasks.c.target_url == target_url,
            tasks.c.operation.notin_(("deactivate", "delete")),
        )
    ).all()
    gone = [r.id for r in rows if r.record_key not in present.get(r.kind, ())]
    if gone:
        conn.execute(
            update(tasks)
            .where(tasks.c.id.in_(gone))
            .values(state="dismissed", run_id=run_id, updated_at=now())
        )
    return len(gone)


def _dump_body(body: Any) -> str | None:
    if body is None:
        return None
    if isinstance(body, str):
        return body
    return json.dumps(body)


# --- the Okta-style message -------------------------------------------------------------------

_VERBS = {
    "create": "creating",
    "update": "updating",
    "adopt": "updating",
    "deactivate": "deactivating",
    "delete": "deleting",
    "members": "updating the members of",
}
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _remote_detail(response: dict[str, Any] | None) -> str | None:
    if not response:
        return None
    body = response.get("body")
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, str) and detail:
            return detail
        return json.dumps(body)
    if isinstance(body, str) and body.strip():
        return body.strip()
    return None


def okta_message(task: Task) -> str:
    """The task as Okta's dashboard would word it, then scimguard's diagnosis in plain words."""
    who = task.display or task.record_key
    verb = _VERBS.get(task.operation, task.operation)
    if task.state == "succeeded" and not task.response:  # provisioned, with a warning
        lines = [f"Provisioned {task.kind} {who} to app {APP_NAME}, with warnings:"]
        lines += [_finding_line(f) for f in task.findings]
        return "\n".join(lines)
    head = f"Automatic provisioning of {task.kind} {who} to app {APP_NAME} failed: "
    head += f"Error while {verb} {task.kind} {who}: "
    response = task.response
    status = (response or {}).get("status")
    if status:
        head += f"{_REASONS.get(status, f'HTTP {status}')}."
        detail = _remote_detail(response)
        if detail:
            head += f" Errors reported by remote server: {detail}"
    elif task.state == "blocked":
        head += "Not sent: the record breaks a rule of the target, which would refuse it."
    else:
        head += "No answer from the remote server."
    lines = [head]
    errors = [f for f in task.findings if f.get("severity") in (None, "error")]
    lines += [_finding_line(f) for f in errors or task.findings]
    return "\n".join(lines)


def _finding_line(finding: dict[str, Any]) -> str:
    where = f" ({finding['attribute']})" if finding.get("attribute") else ""
    text = f"- {finding.get('rule')}{where}: {finding.get('message', '')}"
    if finding.get("fix"):
        text += f" Fix: {finding['fix']}"
    return text
