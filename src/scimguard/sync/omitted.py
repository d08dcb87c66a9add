"""Partial addresses in the desired state (switch `incomplete_address`), before any planning.

Under `omit` (the default, see profile/switches.py), each user whose address element is
partial is sent without it: the element is taken out of the record here, where the desired
state is built from the source records, so the planner and the executor only ever see records
AWS can take. Each element left out is an `address-omitted` warning: printed with the plan,
and written to the task list after the run (`record_notes`), so nothing is dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from scimguard.profile import Finding, Profile
from scimguard.profile.omission import OMITTED, omit_incomplete_addresses, omits
from scimguard.profile.schema import ADDRESS_PARTS as PARTS
from scimguard.sources.snapshot import Snapshot, SourceRecord
from scimguard.sync.db import now
from scimguard.sync.planner import NOT_SENT, Plan
from scimguard.sync.tables import tasks
from scimguard.sync.tasks import OPEN_STATES

Notes = dict[tuple[str, str], list[Finding]]  # (kind, record key) -> address-omitted findings


def omit_incomplete(snapshot: Snapshot, profile: Profile) -> Notes:
    """Take partial address elements out of the users of `snapshot` (in place); the notes."""
    notes: Notes = {}
    if not omits(profile):
        return notes
    for record in snapshot.users:
        if _whole(record.resource.get("addresses")):
            continue  # nothing to leave out: spare the profile's walk (the planner makes one)
        findings = profile.check_user(record.resource)
        sent, after = omit_incomplete_addresses(profile, record.resource, findings)
        if sent is record.resource:
            continue
        record.resource = sent
        notes[("user", record.key)] = [f for f in after if f.rule == OMITTED]
    return notes


def _whole(addresses: Any) -> bool:
    """No address, or only elements with all five parts: nothing a check could omit."""
    if addresses is None:
        return True
    return isinstance(addresses, list) and all(
        isinstance(element, dict)
        and all(isinstance(element.get(part), str) and element[part].strip() for part in PARTS)
        for element in addresses
    )


def note_lines(notes: Notes, snapshot: Snapshot) -> list[str]:
    """One line of the plan per address left out."""
    names = {("user", r.key): r.display for r in snapshot.users}
    return [
        f"! address omitted user {names.get(key, key[1])}: {f.attribute}: {f.message}"
        for key, findings in notes.items()
        for f in findings
    ]


def record_notes(
    engine: Engine,
    target_url: str,
    run_id: int | None,
    notes: Notes,
    snapshot: Snapshot,
    plan: Plan,
    task_ids: Iterable[int] = (),
) -> None:
    """Write the notes to the task list once the run is applied.

    A record that is a task of this run anyway (`task_ids`: blocked or failed) gets the notes
    among its findings; a record that went through gets a `succeeded` task whose rule is
    `address-omitted` (kept, not repeated, while the same address is left out run after run).
    """
    if not notes:
        return
    sources = {("user", r.key): r for r in snapshot.users}
    actions = {(o.kind, o.key): o.action for o in plan.ops}
    filed = set(task_ids)
    with engine.begin() as conn:
        for (kind, key), findings in notes.items():
            dicts = [f.to_dict() for f in findings]
            latest = conn.execute(
                select(tasks.c.id, tasks.c.state, tasks.c.rule, tasks.c.findings)
                .where(tasks.c.kind == kind, tasks.c.record_key == key)
                .order_by(tasks.c.id.desc())
                .limit(1)
            ).first()
            if latest is not None and (latest.id in filed or latest.state in OPEN_STATES):
                held = json.loads(latest.findings or "[]")
                extra = [d for d in dicts if d not in held]
                if extra:
                    conn.execute(
                        update(tasks)
                        .where(tasks.c.id == latest.id)
                        .values(findings=json.dumps(held + extra))
                    )
                continue
            if (
                latest is not None
                and latest.state == "succeeded"
                and latest.rule == OMITTED
                and json.loads(latest.findings or "[]") == dicts
            ):
                conn.execute(
                    update(tasks)
                    .where(tasks.c.id == latest.id)
                    .values(run_id=run_id, updated_at=now())
                )
                continue
            operation = actions.get((kind, key), "create")
            if operation in NOT_SENT:  # blocked, or a refusal remembered (#22): nothing went out
                continue
            operation = "update" if operation in ("unchanged", "adopt") else operation
            record = sources.get((kind, key))
            _file_note(conn, run_id, (kind, key), operation, record, dicts, target_url)


def _file_note(
    conn: Connection,
    run_id: int | None,
    ident: tuple[str, str],
    operation: str,
    record: SourceRecord | None,
    dicts: list[dict[str, Any]],
    target_url: str,
) -> None:
    kind, key = ident
    conn.execute(
        tasks.insert().values(
            run_id=run_id,
            kind=kind,
            record_key=key,
            display=record.display if record else key,
            operation=operation,
            state="succeeded",
            rule=OMITTED,
            request_body=json.dumps(record.resource) if record else None,
            findings=json.dumps(dicts),
            attempts=0,
            source=json.dumps(record.source) if record else None,
            target_url=target_url,
            created_at=now(),
            updated_at=now(),
        )
    )
