"""The Check page's grid: the checked upload fixed with `scimguard fix`'s engine, downloadable.

The upload is kept beside its report (one day, the session's only). From the grid an admin
accepts the suggestion of one finding, or every suggestion of one rule, or types a value of
their own; the engine then fixes a copy of the upload exactly as `scimguard fix` would (each
change re-checked, no duplicate made, identifiers left alone) and keeps the fixed file, its
change log and its undo file for download. A typed value is taken whole, never cut down by the
engine's review of suggestions, and is still re-checked: a value that breaks a rule is not
applied, and the change log says why.

Nothing names the server's temporary path: the engine runs on a temporary copy named as the
upload, and the path is replaced by the upload's name in the log and the undo file.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from scimguard.console.checking import KEEP
from scimguard.console.db import now
from scimguard.console.tables import uploads
from scimguard.fix import Fixer, FixInputError, FixResult, change_log, run_fix
from scimguard.fix.editors import Editor
from scimguard.fix.keys import KeyIndex
from scimguard.fix.undo import undo_document
from scimguard.profile import Finding, Kind, Profile, Severity, Switches
from scimguard.records import MappingError, Record, UnusableInput

Chosen = dict[tuple[int, str], Any]  # (record number, attribute) -> the value to give it


@dataclass
class Upload:
    id: str
    filename: str
    data: bytes
    options: dict[str, Any]
    fixed: bytes | None
    changes: str | None
    undo: str | None


@dataclass
class GridResult:
    applied: list[dict[str, Any]]  # the changes made, as the undo file lists them
    skipped: list[tuple[str, str, str]]  # (record, attribute, why) of what was asked, not done
    left: int  # errors still in the fixed file
    error: str | None = None


def keep_upload(
    engine: Engine,
    report_id: str,
    session_hash: str,
    filename: str,
    data: bytes,
    options: dict[str, Any],
) -> None:
    moment = now()
    with engine.begin() as conn:
        conn.execute(delete(uploads).where(uploads.c.created_at < moment - KEEP))
        conn.execute(
            insert(uploads).values(
                id=report_id,
                session_hash=session_hash,
                filename=filename,
                data=data,
                options=json.dumps(options),
                created_at=moment,
            )
        )


def load_upload(engine: Engine, session_hash: str, report_id: str) -> Upload | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(uploads).where(uploads.c.id == report_id, uploads.c.session_hash == session_hash)
        ).first()
    if row is None:
        return None
    return Upload(
        row.id,
        row.filename,
        row.data,
        json.loads(row.options),
        row.fixed,
        row.changes,
        row.undo,
    )


class GridFixer(Fixer):
    """The engine's Fixer held to the (record, attribute) pairs chosen in the grid, each
    offered the chosen value as its suggestion."""

    def __init__(self, profile: Profile, chosen: Chosen) -> None:
        super().__init__(profile)
        self.chosen = chosen
        self.current: int | None = None
        self.typed: set[tuple[int, str]] = set()

    def fix_record(self, record: Record, editor: Editor | None, index: KeyIndex) -> None:
        self.current = record.index
        try:
            super().fix_record(record, editor, index)
        finally:
            self.current = None

    def selected(self, finding: Finding) -> bool:
        return super().selected(finding) and (self.current, finding.attribute) in self.chosen

    def _check(self, resource: dict[str, Any], kind: Kind, walk: bool = False) -> list[Finding]:
        found = super()._check(resource, kind, walk)
        if self.current is None:
            return found
        out = []
        for f in found:
            key = (self.current, f.attribute)
            if key in self.chosen:
                value = self.chosen[key]
                if not (f.has_suggestion and f.suggested_value == value):
                    self.typed.add(key)
                f = dataclasses.replace(f, suggested_value=value)
            out.append(f)
        return out

    def _reviewed(
        self, record: Record, resource: dict[str, Any], findings: list[Finding], finding: Finding
    ) -> Any:
        if (record.index, finding.attribute) in self.typed:
            return finding.suggested_value  # typed: taken whole, still re-checked
        return super()._reviewed(record, resource, findings, finding)


def fixed_name(filename: str) -> str:
    path = Path(filename)
    return f"{path.stem}.fixed{path.suffix}"


def _profile(options: dict[str, Any]) -> Profile:
    return Profile(Switches.from_dict(options))


def fix_upload(
    engine: Engine, upload: Upload, *, rule: str | None = None, chosen: Chosen | None = None
) -> GridResult:
    """Fix the upload (every suggestion of `rule`, or the `chosen` values) and keep the fixed
    file, its change log and its undo file with it."""
    options = upload.options
    profile = _profile(options)
    fixer = GridFixer(profile, chosen or {}) if chosen is not None else None
    with tempfile.TemporaryDirectory(prefix="scimguard-grid-") as tmp:
        path = Path(tmp) / upload.filename
        path.write_bytes(upload.data)
        try:
            result = run_fix(
                str(path),
                profile,
                input_format=options.get("input_format") or None,
                empty_cells=options.get("empty_cells") or "absent",
                rules={rule} if rule else None,
                fixer=fixer,
            )
        except (FixInputError, UnusableInput, MappingError) as exc:
            return GridResult([], [], 0, str(exc).replace(str(path), upload.filename))
        saved_as = str(path)
        log = change_log(result.changes, result.leftovers).replace(saved_as, upload.filename)
        document = undo_document(result, str(path), str(path))
        document["input"], document["output"] = upload.filename, fixed_name(upload.filename)
        undo = json.dumps(document, ensure_ascii=False, indent=2).replace(saved_as, upload.filename)
    with engine.begin() as conn:
        conn.execute(
            update(uploads)
            .where(uploads.c.id == upload.id)
            .values(fixed=result.output_bytes, changes=log, undo=undo + "\n")
        )
    return _summary(result, chosen, rule, upload.filename, saved_as)


def _summary(
    result: FixResult, chosen: Chosen | None, rule: str | None, name: str, saved_as: str
) -> GridResult:
    applied = [
        json.loads(json.dumps(c.to_dict()).replace(json.dumps(saved_as)[1:-1], name))
        for c in result.changes
    ]
    done = {(c.record, c.attribute) for c in result.changes}
    skipped = []
    for item in result.leftovers:
        key = (item.ref.record, item.finding.attribute)
        asked = (chosen is not None and key in chosen) or (
            chosen is None and item.finding.rule == rule and item.finding.has_suggestion
        )
        if asked and key not in done:
            skipped.append((str(item.ref.record), item.finding.attribute, item.reason))
    left = sum(1 for item in result.leftovers if item.finding.severity is Severity.ERROR)
    return GridResult(applied, skipped, left)
