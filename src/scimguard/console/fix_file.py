"""A task's record fixed in its source file, through `scimguard fix`'s engine.

The engine runs over the whole file as `scimguard fix` does (so its safety rules hold: each
change re-checked, no key two records would share, identifiers only when confirmed), but acts
on one record only, the task's, and on the attributes the admin accepted, with the values
chosen (the profile's suggestion, or a typed one offered to the engine as the suggestion).
Unlike `scimguard fix`, the result replaces the source file itself (the run reads it again on
retry); beside it go the change log and the undo file (`scimguard fix --undo UNDO FILE`
restores the file byte for byte).
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scimguard.console.fixing import FixPlan, by_attribute, first_edit, touches_identifier
from scimguard.fix import Fixer, FixInputError, FixResult, apply_suggestion, change_log, run_fix
from scimguard.fix.editors import Editor
from scimguard.fix.keys import KeyIndex
from scimguard.fix.undo import undo_document, write_atomic
from scimguard.profile import Finding, Kind, Profile
from scimguard.records import AttributeMapping, MappingError, Record, UnusableInput
from scimguard.sync.tasks import Task


class OneRecordFixer(Fixer):
    """The engine's Fixer held to one record (line and key) and to the chosen attributes, each
    offered the chosen value as its suggestion."""

    def __init__(
        self, profile: Profile, task: Task, chosen: dict[str, Any], *, identifiers: bool
    ) -> None:
        super().__init__(profile, identifiers=identifiers)
        self.line = (task.source or {}).get("line")
        self.record_key = task.record_key
        self.chosen = chosen
        self.target: Record | None = None
        self.found: list[Finding] = []  # the target's findings before any change
        self._inside = False
        self.typed: set[str] = set()  # attributes whose value is not the profile's suggestion

    def is_target(self, record: Record) -> bool:
        if record.line != self.line:
            return False
        ext = record.resource.get("externalId")
        return self.record_key in (ext, record.key)

    def fix_record(self, record: Record, editor: Editor | None, index: KeyIndex) -> None:
        if self.target is not None or not self.is_target(record):
            super().fix_record(record, None, index)  # checked, never changed
            return
        self.target = record
        self.found = self._check(record.resource, record.kind, walk=record.screened_out)
        self._inside = True
        try:
            super().fix_record(record, editor, index)
        finally:
            self._inside = False

    def selected(self, finding: Finding) -> bool:
        return self._inside and super().selected(finding) and finding.attribute in self.chosen

    def _check(self, resource: dict[str, Any], kind: Kind, walk: bool = False) -> list[Finding]:
        found = super()._check(resource, kind, walk)
        if not self._inside:
            return found
        out = []
        for f in found:
            if f.attribute in self.chosen:
                value = self.chosen[f.attribute]
                if not (f.has_suggestion and f.suggested_value == value):
                    self.typed.add(f.attribute)
                f = dataclasses.replace(f, suggested_value=value)
            out.append(f)
        return out

    def _reviewed(
        self, record: Record, resource: dict[str, Any], findings: list[Finding], finding: Finding
    ) -> Any:
        """A value the admin typed is taken whole (the engine's review would cut it down to
        the edits the finding asks for, as it does a suggestion); it is still re-checked."""
        if finding.attribute in self.typed:
            return finding.suggested_value
        return super()._reviewed(record, resource, findings, finding)


def _run(task: Task, profile: Profile, chosen: dict[str, Any], identifiers: bool):  # type: ignore[no-untyped-def]
    spec = task.source or {}
    mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
    fixer = OneRecordFixer(profile, task, chosen, identifiers=identifiers)
    result = run_fix(
        spec["path"],
        profile,
        input_format=spec.get("format"),
        mapping=mapping,
        empty_cells=spec.get("empty_cells", "absent"),
        fixer=fixer,
    )
    return fixer, result


def plan_file(
    task: Task, profile: Profile, chosen: dict[str, Any]
) -> tuple[FixPlan, FixResult | None]:
    """(plan, the engine's result) for a task whose record comes from a file. The plan lists
    every error of the record; each edit the engine would make carries its value and field."""
    spec = task.source or {}
    plan = FixPlan(task, "file", f"{spec.get('path')}, line {spec.get('line')}")
    if not spec.get("path") or not isinstance(spec.get("line"), int):
        plan.problem = "the task does not say which file and line its record is on"
        return plan, None
    try:
        # A first pass finds the record's errors and the suggestions; the second offers every
        # attribute its value (the admin's or the suggestion) with identifiers allowed, so
        # that the plan can say which change touches one.
        probe, _ = _run(task, profile, {}, True)
        if probe.target is None:
            plan.problem = "the record is no longer on that line of the file: run a sync again"
            return plan, None
        grouped = by_attribute(probe.found)
        offered = {}
        for attribute, found in grouped.items():
            edit = first_edit(attribute, found, chosen)
            plan.edits.append(edit)
            if edit.after == "":
                edit.refused = "an empty value is not a value: type one, or leave it out"
            if edit.ready:
                offered[attribute] = edit.after
        fixer, result = _run(task, profile, offered, True)
    except (FixInputError, UnusableInput, MappingError, OSError) as exc:
        plan.problem = f"the file cannot be fixed: {exc}"
        return plan, None
    made = {c.attribute: c for c in result.changes if c.record == fixer.target.index}
    for edit in plan.edits:
        if not edit.ready:
            continue
        change = made.get(edit.attribute)
        if change is None:
            reason = next(
                (
                    fixer.reasons[(fixer.target.index, rule, edit.attribute)]
                    for rule in edit.rules
                    if (fixer.target.index, rule, edit.attribute) in fixer.reasons
                ),
                "the engine would not make this change",
            )
            edit.refused = reason.replace("with --identifiers", "when confirmed")
            continue
        edit.after = change.new
        edit.field = ", ".join(dict.fromkeys(e.field for e in change.edits))
        before = fixer.target.resource
        edit.identifier = touches_identifier(
            before, apply_suggestion(before, edit.attribute, edit.after), task.kind
        )
    return plan, result


def apply_file(plan: FixPlan, profile: Profile, confirmed: bool) -> str:
    """Write the plan's ready edits into the source file (all or none), with the change log
    and the undo file beside it; the note naming them. Raises FixInputError when the engine
    would not make every accepted change now."""
    task = plan.task
    spec = task.source or {}
    chosen = {e.attribute: e.after for e in plan.ready}
    fixer, result = _run(task, profile, chosen, confirmed)
    target = fixer.target
    made = {c.attribute for c in result.changes if target and c.record == target.index}
    missing = sorted(set(chosen) - made)
    if target is None or missing:
        raise FixInputError(
            "the file changed, or the engine refused "
            + (", ".join(missing) if missing else "the record")
            + "; nothing was written: review the fix again"
        )
    path = Path(spec["path"])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    base = f"{path}.console-{stamp}"
    log_path, undo_path = f"{base}.changes.csv", f"{base}.undo.json"
    mode = path.stat().st_mode & 0o7777
    document = undo_document(result, str(path), str(path))
    write_atomic(log_path, change_log(result.changes).encode(), mode)
    write_atomic(undo_path, _json(document), mode)
    write_atomic(path, result.output_bytes)  # last: without the undo file, no rewrite
    return f"change log {os.path.basename(log_path)}, undo file {os.path.basename(undo_path)}"


def _json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
