"""The text report of `scimguard check`: a summary first, then findings grouped by record.

Apart from check.py (records -> findings, and the JSON and CSV reports written as they go):
this one keeps the findings until the end, and it is the only one that needs rich.
"""

from __future__ import annotations

from typing import Any

from scimguard import text
from scimguard.check import Summary, cell
from scimguard.profile import PROFILE_NAME, Finding, RecordRef, Severity
from scimguard.records import InputProblem
from scimguard.records.location import NO_LOCATIONS, Locations


def show_value(value: Any, limit: int = 160) -> str:
    """A value for people: strings quoted with hidden characters spelled out, else JSON."""
    shown = "\u201c" + text.visible(value) + "\u201d" if isinstance(value, str) else cell(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


class TextReport:
    """Summary first, then findings grouped by record (so it keeps findings until the end)."""

    def __init__(
        self,
        console: Any,
        locations: Locations = NO_LOCATIONS,
        read_as: dict[str, str] | None = None,
    ) -> None:
        self.console = console  # a rich.console.Console
        self.locations = locations
        self.read_as = read_as if read_as is not None else {}
        self.by_record: dict[int, tuple[RecordRef, list[Finding]]] = {}

    def start(self) -> None:
        pass

    def finding(self, ref: RecordRef, finding: Finding) -> None:
        entry = self.by_record.get(ref.record)
        if entry is None:
            self.by_record[ref.record] = (ref, [finding])
        else:
            entry[1].append(finding)

    def finish(self, summary: Summary, problems: list[InputProblem]) -> None:
        # why: rich loads only for the text report (JSON and CSV reports never need it)
        from rich.padding import Padding
        from rich.text import Text

        console = self.console
        console.print(_summary_text(summary))
        for file, encoding in self.read_as.items():
            console.print(Text(f"{file} read as {encoding}", style="cyan"))
        if problems:
            console.print()
            heading = Text("Input problems", style="bold yellow")
            if summary.records_not_checked:
                heading.append(
                    f" ({_count(summary.records_not_checked, 'record')} not checked)",
                    style="yellow",
                )
            console.print(heading)
            for problem in problems:
                line = Text(problem.source, style="cyan")
                line.append("  " + problem.message, style="default")
                console.print(Padding(line, (0, 0, 0, 2), expand=False))
            if summary.input_problems > len(problems):
                console.print(f"  ... and {summary.input_problems - len(problems)} more")
        for index in sorted(self.by_record):
            ref, findings = self.by_record[index]
            console.print()
            head = Text(f"record {ref.record}", style="bold")
            head.append(f" \u00b7 {ref.kind}")
            if ref.key is not None:
                head.append(" " + show_value(ref.key, 60), style="bold")
            head.append(" \u00b7 ")
            head.append(ref.source, style="cyan")
            console.print(head)
            for finding in sorted(findings, key=lambda f: -f.severity.rank):
                _column, where = self.locations.locate(ref.file, ref.line, finding.attribute)
                console.print(_finding_text(finding, where))
        console.print()
        console.print(_verdict_text(summary))


def _summary_text(summary: Summary) -> Any:
    # why: rich loads only for the text report (JSON and CSV reports never need it)
    from rich.text import Text

    out = Text("Checked ", style="bold")
    out.append(_count(summary.records, "record"), style="bold")
    out.append(
        f" ({_count(summary.users, 'user')}, {_count(summary.groups, 'group')}) against "
        f"{PROFILE_NAME}: "
    )
    out.append(
        f"{_count(summary.records_with_errors, 'record')} would be refused; ",
        style="bold red" if summary.records_with_errors else "bold green",
    )
    out.append(_count(summary.errors, "error"), style="red" if summary.errors else "green")
    out.append(", ")
    out.append(_count(summary.warnings, "warning"), style="yellow" if summary.warnings else "green")
    out.append(".")
    return out


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _verdict_text(summary: Summary) -> Any:
    # why: rich loads only for the text report (JSON and CSV reports never need it)
    from rich.text import Text

    if summary.records_with_errors:
        return Text(
            f"{summary.records_with_errors:,} of {_count(summary.records, 'record')} would be "
            "refused by AWS IAM Identity Center. `scimguard rules CODE` explains each rule.",
            style="bold red",
        )
    if summary.records_not_checked:
        return Text(
            f"{_count(summary.records_not_checked, 'record')} could not be read; fix the input "
            "problems.",
            style="bold yellow",
        )
    return Text("No record would be refused.", style="bold green")


def _finding_text(finding: Finding, where: str | None = None) -> Any:
    # why: rich loads only for the text report (JSON and CSV reports never need it)
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    error = finding.severity is Severity.ERROR
    head = Text("  ")
    head.append("\u2717 error  " if error else "! warning", style="bold red" if error else "yellow")
    head.append(" " + finding.rule, style="bold")
    head.append("  " + finding.attribute, style="cyan")
    if where is not None:
        head.append("  " + where, style="dim cyan")
    body = Text()
    if finding.rule != "missing-required":
        body.append("value: ", style="dim")
        body.append(show_value(finding.value))
        body.append("\n")
    body.append(finding.message)
    body.append("\nfix: ", style="dim")
    body.append(finding.fix)
    if finding.has_suggestion:
        body.append("\nsuggested: ", style="dim")
        suggestion = finding.suggested_value
        body.append(
            "leave it out (null)" if suggestion is None else show_value(suggestion),
            style="green",
        )
    return Group(head, Padding(body, (0, 0, 0, 4), expand=False))
