"""The Check page: an uploaded export through `scimguard.check`, kept for its CSV download.

The report is the one `scimguard check` makes (same reader, same profile, same CSV columns);
records are named by the uploaded file's name, not the temporary path it was saved under.
"""

from __future__ import annotations

import dataclasses
import io
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, delete, insert, select

from scimguard.check import CsvReport, Summary, run_check
from scimguard.console.db import now
from scimguard.console.limits import MAX_UPLOAD, size_text
from scimguard.console.tables import reports
from scimguard.errors import InputError
from scimguard.profile import DEFAULT_SWITCHES, Finding, Profile, RecordRef, Switches
from scimguard.records import (
    FORMATS,
    InputProblem,
    Locations,
    read_records,
)
from scimguard.records.mapping import EmptyCells

SHOWN = 500  # findings shown on the page; the CSV has them all
KEEP = timedelta(days=1)


@dataclass
class RecordFindings:
    ref: RecordRef
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CheckResult:
    filename: str
    summary: Summary | None = None
    records: list[RecordFindings] = field(default_factory=list)
    shown: int = 0
    total: int = 0
    problems: list[InputProblem] = field(default_factory=list)
    error: str | None = None  # the upload could not be read at all
    report_id: str | None = None


class _PageReport:
    """Tees findings into the CSV report and, up to SHOWN of them, into the page's list."""

    def __init__(
        self, result: CheckResult, csv_out: IO[str], saved_as: str, locations: Locations
    ) -> None:
        self.result = result
        locations.alias(result.filename, saved_as)  # the findings name the upload's own name
        self.csv = CsvReport(csv_out, locations)
        self.saved_as = saved_as
        self.by_record: dict[int, RecordFindings] = {}

    def _ref(self, ref: RecordRef) -> RecordRef:
        return (
            dataclasses.replace(ref, file=self.result.filename)
            if ref.file == self.saved_as
            else ref
        )

    def start(self) -> None:
        self.csv.start()

    def _scrub(self, finding: Finding) -> Finding:
        """The finding with the temporary path (a duplicate names the other record's file
        and line) replaced by the upload's own name: the server's paths are not shown."""
        if self.saved_as not in finding.message and self.saved_as not in finding.fix:
            return finding
        return dataclasses.replace(
            finding,
            message=finding.message.replace(self.saved_as, self.result.filename),
            fix=finding.fix.replace(self.saved_as, self.result.filename),
        )

    def finding(self, ref: RecordRef, finding: Finding) -> None:
        ref = self._ref(ref)
        finding = self._scrub(finding)
        self.csv.finding(ref, finding)
        self.result.total += 1
        if self.result.shown < SHOWN:
            self.result.shown += 1
            entry = self.by_record.get(ref.record)
            if entry is None:
                entry = self.by_record[ref.record] = RecordFindings(ref)
            # the grid tells "no suggestion" from "leave it out" (both null in to_dict)
            entry.findings.append({**finding.to_dict(), "has_suggestion": finding.has_suggestion})

    def finish(self, summary: Summary, problems: list[InputProblem]) -> None:
        self.csv.finish(summary, problems)
        self.result.summary = summary
        self.result.records = [self.by_record[k] for k in sorted(self.by_record)]
        self.result.problems = [
            dataclasses.replace(
                p,
                file=self.result.filename if p.file == self.saved_as else p.file,
                message=p.message.replace(self.saved_as, self.result.filename),
            )
            for p in problems
        ]


def safe_name(filename: str) -> str:
    """The uploaded file's base name, reduced to harmless characters."""
    base = Path(filename.replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or "upload"
    return base[:100]


def switches_from_form(field: Callable[[str], str]) -> Switches:
    """The profile's switches from the check page's form (`field(name)` is the posted value):
    the one place the console turns a form into `Switches`. An unchecked box is off."""
    return Switches(
        allow_legacy_characters=field("allow_legacy_characters") == "1",
        require_complete_address=field("require_complete_address") == "1",
        incomplete_address="block" if field("incomplete_address") == "block" else "omit",
    )


def check_upload(
    data: IO[bytes],
    filename: str,
    *,
    input_format: str | None = None,
    switches: Switches = DEFAULT_SWITCHES,
    empty_cells: EmptyCells = "absent",
) -> tuple[CheckResult, str]:
    """(result for the page, CSV report) for one uploaded file."""
    name = safe_name(filename)
    result = CheckResult(name)
    csv_out = io.StringIO()
    if input_format not in FORMATS:
        input_format = None
    with tempfile.TemporaryDirectory(prefix="scimguard-check-") as tmp:
        path = Path(tmp) / name
        size = 0
        with path.open("wb") as out:
            while chunk := data.read(1 << 20):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    result.error = f"{name} is larger than {size_text(MAX_UPLOAD)}."
                    return result, ""
                out.write(chunk)
        if size == 0:
            result.error = f"{name} is empty: there is nothing to check."
            return result, ""
        profile = Profile(switches)
        try:
            stream = read_records([str(path)], input_format, None, empty_cells)
            report = _PageReport(result, csv_out, str(path), stream.locations)
            summary = run_check(stream, profile, report)
        except InputError as exc:
            result.error = str(exc).replace(str(path), name)
            return result, ""
    if summary.exit_code() == 2:  # as `scimguard check` exits 2: unusable input
        result.error = f"Not a single record could be read from {name}."
        return result, ""
    return result, csv_out.getvalue()


def keep_report(engine: Engine, session_hash: str, filename: str, csv_text: str) -> str:
    report_id = secrets.token_urlsafe(16)
    moment = now()
    with engine.begin() as conn:
        conn.execute(delete(reports).where(reports.c.created_at < moment - KEEP))
        conn.execute(
            insert(reports).values(
                id=report_id,
                session_hash=session_hash,
                filename=filename,
                csv=csv_text,
                created_at=moment,
            )
        )
    return report_id


def load_report(engine: Engine, session_hash: str, report_id: str) -> tuple[str, str] | None:
    """(filename, csv) of a report made in this session, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(reports.c.filename, reports.c.csv).where(
                reports.c.id == report_id, reports.c.session_hash == session_hash
            )
        ).first()
    return (row.filename, row.csv) if row else None
