"""*Apply suggested fix*: a task's record changed at its source, then retried.

A `FixPlan` is what the console shows before anything is written: for every error the record
still has at its source (read again now, not as the task saw it), the attribute, the value
there, the value it would get (the profile's suggestion, or what the admin typed) and why it
cannot be applied, if it cannot. Applying writes every accepted change of one task in one step
or none of them: one partial profile update to Okta (fix_okta.py), one rewrite of the file
through `scimguard fix`'s engine with its change log and undo file (fix_file.py). Each applied
change is recorded (`console_fixes`: who, when, task, before, after) and shown on the task.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert, select

from scimguard.console.db import now
from scimguard.console.tables import fixes
from scimguard.fix.keys import identifiers
from scimguard.profile import Finding, Profile, Severity
from scimguard.sync.settings import RunSettings
from scimguard.sync.tables import runs
from scimguard.sync.tasks import Task


class _Missing:
    """No value yet: the profile has no suggestion and the admin typed nothing."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass
class Edit:
    """One attribute of one record: what is at the source, and what it would become."""

    attribute: str
    rules: list[str]
    message: str
    before: Any
    after: Any = MISSING  # MISSING: nothing to apply yet (type a value)
    suggested: bool = False  # `after` is the profile's own suggestion
    field: str | None = None  # the source field written (Okta attribute, column, JSON path)
    refused: str | None = None  # why it cannot be applied as it stands
    identifier: bool = False  # it changes what sync matches on: needs explicit confirmation
    chosen: bool = False  # the admin ticked it (with a value) in the form sent

    @property
    def ready(self) -> bool:
        return self.refused is None and self.after is not MISSING

    @property
    def key(self) -> str:
        return self.attribute


@dataclass
class FixPlan:
    task: Task
    source: str = ""  # okta | file
    where: str = ""  # the org and user id, or the file and line (shown)
    edits: list[Edit] = field(default_factory=list)
    problem: str | None = None  # nothing can be done (no source, source unreadable)

    @property
    def ready(self) -> list[Edit]:
        return [e for e in self.edits if e.ready]

    @property
    def needs_confirmation(self) -> bool:
        return any(e.identifier for e in self.ready)


@dataclass
class Applied:
    task_id: int
    ok: bool
    message: str
    edits: list[Edit] = field(default_factory=list)


def blocking(findings: list[Finding]) -> list[Finding]:
    """The findings a fix acts on: errors (a warning does not stop a record being sent)."""
    return [f for f in findings if f.severity is Severity.ERROR]


def by_attribute(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in blocking(findings):
        grouped.setdefault(finding.attribute, []).append(finding)
    return grouped


def first_edit(attribute: str, found: list[Finding], chosen: dict[str, Any]) -> Edit:
    """The edit for one attribute: the admin's value if given, else the first suggestion."""
    edit = Edit(
        attribute,
        list(dict.fromkeys(f.rule for f in found)),
        " ".join(dict.fromkeys(f.message for f in found)),
        found[0].value,
    )
    suggestion = next((f for f in found if f.has_suggestion), None)
    if attribute in chosen:
        edit.after, edit.chosen = chosen[attribute], True
        edit.suggested = suggestion is not None and suggestion.suggested_value == edit.after
    elif suggestion is not None:
        edit.after, edit.suggested = suggestion.suggested_value, True
    return edit


def touches_identifier(before: dict[str, Any], after: dict[str, Any], kind: str) -> bool:
    return identifiers(before, kind) != identifiers(after, kind)


def run_profile(engine: Engine, task: Task) -> Profile:
    """The profile the task's run checked with (its switches), as a retry will check again."""
    raw = None
    if task.run_id is not None:
        with engine.connect() as conn:
            raw = conn.execute(select(runs.c.options).where(runs.c.id == task.run_id)).scalar()
    try:
        return Profile(RunSettings.from_json(raw).switches)
    except (ValueError, TypeError):  # an unreadable record of the run: the defaults of one
        return Profile(RunSettings.from_dict({}).switches)


# --- the record of what was applied ------------------------------------------------------------


@dataclass
class FixRecord:
    admin: str
    applied_at: Any
    source: str
    attribute: str
    field: str | None
    before: Any
    after: Any
    note: str | None


def record_applied(
    engine: Engine, task: Task, admin: str, source: str, edits: list[Edit], note: str | None
) -> None:
    stamp = now()
    with engine.begin() as conn:
        for edit in edits:
            conn.execute(
                insert(fixes).values(
                    task_id=task.id,
                    admin=admin,
                    applied_at=stamp,
                    source=source,
                    attribute=edit.attribute,
                    field=edit.field,
                    before=json.dumps(edit.before, ensure_ascii=False),
                    after=json.dumps(edit.after, ensure_ascii=False),
                    note=note,
                )
            )


def applied_to(engine: Engine, task_id: int) -> list[FixRecord]:
    """The changes applied from the console to this task's record, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(fixes).where(fixes.c.task_id == task_id).order_by(fixes.c.id)
        ).all()
    return [
        FixRecord(
            r.admin,
            r.applied_at,
            r.source,
            r.attribute,
            r.field,
            json.loads(r.before),
            json.loads(r.after),
            r.note,
        )
        for r in rows
    ]
