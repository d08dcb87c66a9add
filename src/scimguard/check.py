"""Records -> findings -> reports: the engine of `scimguard check`.

`run_check` streams: each record's own findings go to the report as soon as the record is read;
the cross-record ones (duplicates, nested groups, unknown members) follow once every record has
been seen. Memory grows with the number of distinct keys kept for duplicates, not with the
input. The JSON and CSV reports (here) write as they go; the text report (check_text.py) groups
findings by record, so it keeps the findings (not the records) until the end.

Exit codes (`exit_code`): 2 when input was unusable (not a single record could be read);
1 when a finding is at or above `fail_on`, or when a record could not be checked at all (a bad
line or row: an input problem that lost a record counts as an error); else 0.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

import orjson

from scimguard.profile import (
    PROFILE_NAME,
    DuplicateTracker,
    Finding,
    Profile,
    RecordRef,
    Severity,
    kind_of,
)
from scimguard.profile.omission import omit_incomplete_addresses, omits
from scimguard.profile.screen import make_screens
from scimguard.records import InputProblem, Record, RecordStream, ScreenedUsers
from scimguard.records.location import NO_LOCATIONS, Locations
from scimguard.spreadsheet import EXCEL_BOM, spreadsheet_safe

COLUMNS = (
    "record",
    "source",
    "location",
    "column",
    "kind",
    "key",
    "rule",
    "severity",
    "attribute",
    "value",
    "message",
    "fix",
    "suggested_value",
)
PROGRESS_EVERY = 4096


@dataclass(slots=True)
class Summary:
    records: int = 0
    users: int = 0
    groups: int = 0
    records_with_errors: int = 0
    errors: int = 0
    warnings: int = 0
    input_problems: int = 0
    records_not_checked: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "records": self.records,
            "users": self.users,
            "groups": self.groups,
            "records_with_errors": self.records_with_errors,
            "errors": self.errors,
            "warnings": self.warnings,
        }

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        if self.records == 0:
            return 2  # nothing usable was read: an empty export must not pass a CI gate
        if self.errors or self.records_not_checked:
            return 1
        if fail_on is Severity.WARNING and self.warnings:
            return 1
        return 0


def finding_row(
    ref: RecordRef, finding: Finding, locations: Locations = NO_LOCATIONS
) -> dict[str, Any]:
    """One finding as in the JSON report: where the record is, then the finding.

    `source` is file:line; `location` says the same in the source's own terms
    (`users.csv:6 (lastName)`), `column` the column or Okta attribute alone (null if none).
    """
    column, location = locations.locate(ref.file, ref.line, finding.attribute)
    row: dict[str, Any] = {
        "record": ref.record,
        "source": ref.source,
        "location": location,
        "column": column,
        "kind": ref.kind,
        "key": ref.key,
    }
    row.update(finding.to_dict())
    return row


class Report(Protocol):
    def start(self) -> None: ...
    def finding(self, ref: RecordRef, finding: Finding) -> None: ...
    def finish(self, summary: Summary, problems: list[InputProblem]) -> None: ...


def run_check(
    stream: Iterable[Record],
    profile: Profile,
    report: Report,
    *,
    on_progress: Callable[[], None] | None = None,
) -> Summary:
    """Check every record of `stream` and send each finding to `report`; the summary."""
    summary = Summary()
    tracker = DuplicateTracker()
    with_errors = bytearray()  # bit per record: has an error (to count records_with_errors)
    check_user = profile.check_user
    check_group = profile.check_group
    check_values = profile.check_values
    add_user = tracker.add_user
    add_screened = tracker.add_screened
    error = Severity.ERROR
    items: Iterable[Record | ScreenedUsers] = stream
    if isinstance(stream, RecordStream):  # JSON lines are screened before they are parsed
        # A user whose only findings are in its values passes too, with those values: their
        # findings are asked of the profile value by value (profile/screen.py).
        items = stream.screened(make_screens(profile.switches, pass_warned=True))
    walk_user = profile.walk_user
    omit = omits(profile)
    # The first record is read before the report starts: an input refused as a whole (a CSV
    # header that fills no required attribute, on standard input too) leaves no half report.
    items = iter(items)
    first = next(items, None)
    if first is not None:
        items = itertools.chain((first,), items)
    report.start()
    users = groups = errors = warnings = 0
    next_progress = PROGRESS_EVERY
    for record in items:
        reported: Iterable[tuple[RecordRef, list[Finding]]] = ()
        if type(record) is ScreenedUsers:
            users += len(record)
            add_screened(record)
            findings = None
            if record.warned:  # in record order, as the full walk reports them
                reported = _warned_findings(record, check_values)
        elif record.kind == "user":
            users += 1
            resource = record.resource
            # A user the screen sent back would mostly fail the fast path again.
            findings = walk_user(resource) if record.screened_out else check_user(resource)
            if findings and omit:  # what the engine would send (switch incomplete_address)
                resource, findings = omit_incomplete_addresses(profile, resource, findings)
            add_user(record, resource)
        else:
            groups += 1
            findings = check_group(record.resource)
            tracker.add_group(record.ref, record.resource)
        if findings and type(record) is Record:  # (a ScreenedUsers has none)
            reported = ((record.ref, findings),)
        for ref, found in reported:
            has_error = False
            for finding in found:
                if finding.severity is error:
                    errors += 1
                    has_error = True
                else:
                    warnings += 1
                report.finding(ref, finding)
            if has_error:
                mark(with_errors, ref.record)
        if on_progress is not None and users + groups >= next_progress:
            next_progress = users + groups + PROGRESS_EVERY
            on_progress()
    for ref, finding in tracker.finish():
        if finding.severity is error:
            errors += 1
            mark(with_errors, ref.record)
        else:
            warnings += 1
        report.finding(ref, finding)
    summary.users, summary.groups = users, groups
    summary.records = users + groups
    summary.errors, summary.warnings = errors, warnings
    summary.records_with_errors = sum(bin(b).count("1") for b in with_errors)
    problems: list[InputProblem] = list(getattr(stream, "problems", None) or [])
    # A RecordStream (files), or a live directory's read (cli/check_directory.py): the same
    # three facts, so the reports list a partial read as they list a skipped line.
    summary.input_problems = int(getattr(stream, "problem_count", len(problems)))
    summary.records_not_checked = int(getattr(stream, "skipped", 0))
    report.finish(summary, problems)
    return summary


def _warned_findings(
    run: ScreenedUsers, check_values: Callable[[Any], list[Finding]]
) -> Iterator[tuple[RecordRef, list[Finding]]]:
    """The findings of the users of a screened run that the screen passed with warned values:
    those of their values alone (profile/screen.py), under the reference of each user."""
    for offset, values in run.warned:
        findings = check_values(values)
        if findings:
            ref = RecordRef(
                run.first_record + offset, run.file, run.line_of(offset), "user",
                run.usernames[offset],
            )  # fmt: skip
            yield ref, findings


def mark(bits: bytearray, index: int) -> None:
    """Set bit `index` of `bits` (grown as needed): the records with an error, one bit each."""
    byte = index >> 3
    if byte >= len(bits):
        bits.extend(bytes(byte - len(bits) + 1024))
    bits[byte] |= 1 << (index & 7)


# --- JSON --------------------------------------------------------------------------------------


class JsonReport:
    """One JSON document, written as findings arrive; `summary` comes after `findings`."""

    def __init__(
        self,
        out: IO[bytes],
        profile_name: str = PROFILE_NAME,
        locations: Locations = NO_LOCATIONS,
        read_as: dict[str, str] | None = None,
    ) -> None:
        self.out = out
        self.locations = locations
        self.read_as = read_as if read_as is not None else {}  # file -> encoding, not UTF-8
        self.profile_name = profile_name
        self.first = True
        self._buffer: list[bytes] = []

    def start(self) -> None:
        self.out.write(b'{"profile":' + orjson.dumps(self.profile_name) + b',"findings":[')

    def finding(self, ref: RecordRef, finding: Finding) -> None:
        data = dump_row(finding_row(ref, finding, self.locations))
        if self.first:
            self.first = False
            self._buffer.append(b"\n" + data)
        else:
            self._buffer.append(b",\n" + data)
        if len(self._buffer) >= 256:
            self.out.write(b"".join(self._buffer))
            self._buffer.clear()

    def finish(self, summary: Summary, problems: list[InputProblem]) -> None:
        self.out.write(b"".join(self._buffer))
        self._buffer.clear()
        tail = {
            "summary": summary.to_dict(),
            "input_errors": [p.to_dict() for p in problems],
            "read_as": self.read_as,
        }
        self.out.write(b"\n]," + orjson.dumps(tail)[1:] + b"\n")
        self.out.flush()


def _json_default(value: Any) -> Any:
    return repr(value)


TOO_DEEP = "(a value nested too deeply to be shown)"


def dump_row(row: dict[str, Any]) -> bytes:
    """A finding row as JSON; a value nested deeper than orjson writes (254 levels; the
    readers take up to 1024) is shown as TOO_DEEP instead of ending the report."""
    try:
        return orjson.dumps(row, default=_json_default)
    except TypeError:
        shown = dict(row)
        for key, value in row.items():
            try:
                orjson.dumps(value, default=_json_default)
            except TypeError:
                shown[key] = TOO_DEEP
        return orjson.dumps(shown, default=_json_default)


# --- CSV ---------------------------------------------------------------------------------------


def cell(value: Any) -> str:
    """A value as a CSV cell: JSON for what is not a string, spreadsheet-safe."""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            value = orjson.dumps(value, default=_json_default).decode()
        except TypeError:  # nested deeper than orjson writes
            return TOO_DEEP
    return spreadsheet_safe(value)


class CsvReport:
    """One row per finding, the columns of the JSON findings; input problems are not rows.

    Cells are spreadsheet-safe (`spreadsheet_safe`); `bom` starts the report with a byte order
    mark, for Excel (`check --excel`, the console's download).
    """

    def __init__(
        self, out: IO[str], locations: Locations = NO_LOCATIONS, *, bom: bool = False
    ) -> None:
        # RFC 4180 line ends: a value holding a lone CR is then quoted too (csv quotes a
        # field that holds a character of the line terminator)
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.out = out
        self.locations = locations
        self.bom = bom

    def start(self) -> None:
        if self.bom:
            self.out.write(EXCEL_BOM)
        self.writer.writerow(COLUMNS)

    def finding(self, ref: RecordRef, finding: Finding) -> None:
        row = finding_row(ref, finding, self.locations)
        self.writer.writerow([cell(row[c]) if c != "record" else row[c] for c in COLUMNS])

    def finish(self, summary: Summary, problems: list[InputProblem]) -> None:
        self.out.flush()


class ListReport:
    """Keeps every (record, finding) pair in memory: for tests, examples and small inputs."""

    def __init__(self) -> None:
        self.findings: list[tuple[RecordRef, Finding]] = []
        self.summary: Summary | None = None
        self.problems: list[InputProblem] = []

    def start(self) -> None:
        pass

    def finding(self, ref: RecordRef, finding: Finding) -> None:
        self.findings.append((ref, finding))

    def finish(self, summary: Summary, problems: list[InputProblem]) -> None:
        self.summary = summary
        self.problems = problems


def check_resources(
    resources: Iterable[dict[str, Any]], profile: Profile | None = None, *, file: str = "<memory>"
) -> ListReport:
    """Check in-memory resources (single-record and cross-record rules) and keep the findings."""
    records = (
        Record(i, file, i, kind_of(resource), resource) for i, resource in enumerate(resources, 1)
    )
    report = ListReport()
    run_check(records, profile or Profile(), report)
    return report
