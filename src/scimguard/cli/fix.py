"""`scimguard fix INPUT -o OUTPUT`: apply safe suggested values, with a change log and undo."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from scimguard import text
from scimguard.cli.options import input_options, output_options, profile_options, rule_code
from scimguard.errors import InputError
from scimguard.fix import FixResult, Proposal, run_fix
from scimguard.fix.diff import unified
from scimguard.fix.fixer import Action, Validate
from scimguard.fix.results import shown
from scimguard.fix.undo import (
    change_log,
    load_undo,
    restore,
    undo,
    undo_document,
    write_atomic,
)
from scimguard.profile import BY_CODE, Profile, Severity, Switches
from scimguard.records import AttributeMapping
from scimguard.records.mapping import EmptyCells

if TYPE_CHECKING:  # what click's Choice options give
    pass


def show(value: Any, limit: int | None = None) -> str:
    """A value for people: strings quoted with hidden characters spelled out.

    With `limit`, a long string is cut after that many characters (its length is given).
    """
    value = shown(value)
    if value is None:
        return "(left out)"
    if isinstance(value, str):
        if limit is not None and len(value) > limit:
            return f"\u201c{text.visible(value[:limit])}\u2026\u201d ({len(value)} characters)"
        return f"\u201c{text.visible(value)}\u201d"
    dumped = json.dumps(value, ensure_ascii=False)
    return dumped if limit is None or len(dumped) <= limit else dumped[:limit] + "\u2026"


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@click.command("fix")
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", help="Where to write the corrected copy (never INPUT itself).")
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="CODE",
    callback=rule_code,
    help="Fix only findings of this rule (repeatable; see `scimguard rules`).",
)
@click.option(
    "--warnings",
    is_flag=True,
    help="Apply the suggestions of warnings too (by default fix acts on errors only).",
)
@click.option(
    "--identifiers",
    is_flag=True,
    help="Allow changes to userName, externalId, email values and group names (sync matches "
    "records on them: a changed one is another person to the target).",
)
@click.option("--dry-run", is_flag=True, help="Print the changes and write nothing.")
@click.option(
    "--diff",
    type=click.Choice(["unified", "changes"]),
    default="unified",
    show_default=True,
    help="With --dry-run: a unified diff of input vs output (hidden characters of changed "
    "lines spelled out), or one line per change.",
)
@output_options(
    "Report of changes and leftovers: text (default), or json (one JSON document on stdout).",
    dest="report_format",
)
@click.option("-i", "--interactive", is_flag=True, help="Ask before each change.")
@click.option("--changes", "changes_path", help="Change log CSV (default: OUTPUT.changes.csv).")
@click.option("--undo-file", help="Undo file to write (default: OUTPUT.undo.json).")
@click.option(
    "--undo",
    "undo_from",
    metavar="UNDO_FILE",
    help="Restore INPUT (a fixed file) from UNDO_FILE, exactly as it was before the fix.",
)
@input_options
@profile_options
def fix_command(
    input_path: str,
    output: str | None,
    rules: tuple[str, ...],
    warnings: bool,
    identifiers: bool,
    dry_run: bool,
    diff: str,
    report_format: str,
    interactive: bool,
    changes_path: str | None,
    undo_file: str | None,
    undo_from: str | None,
    input_format: str | None,
    mapping: str | None,
    empty_cells: EmptyCells,
    switches: Switches,
) -> None:
    """Write a corrected copy of INPUT, applying the suggested values that are safe.

    A suggestion is applied only when the record then passes every rule it broke and breaks no
    new one, and when it gives no two records the same userName, email, externalId or group
    name. By default only errors are fixed, identifiers (userName, externalId, emails, group
    names) are never changed, and no character the profile accepts is removed. The input is
    never changed. Every run writes a change log and an undo file; what could not be fixed
    safely is listed at the end, grouped by rule, each with the reason.

    \b
    scimguard fix users.csv -o users.fixed.csv
    scimguard fix users.csv -o users.fixed.csv --rule hidden-character --dry-run
    scimguard fix users.csv -o users.fixed.csv --warnings --identifiers
    scimguard fix --undo users.fixed.csv.undo.json users.fixed.csv

    Exit code: 0 no error left in the output, 1 errors left (listed), 2 unusable invocation.
    """
    if undo_from is not None:
        _undo(undo_from, input_path, output, dry_run)
        return
    if output is None and not dry_run:
        raise click.UsageError("give -o OUTPUT (fix never changes INPUT in place), or --dry-run")
    if output is not None:
        if input_path != "-" and os.path.exists(input_path) and _same_file(input_path, output):
            raise click.UsageError(
                f"OUTPUT {output} is INPUT: fix never changes its input; choose another file"
            )
        changes_path = changes_path or f"{output}.changes.csv"
        undo_file = undo_file or f"{output}.undo.json"
        if os.path.isdir(output):
            raise click.UsageError(f"OUTPUT {output} is a directory; give a file name")
        parent = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(parent):
            raise click.UsageError(f"OUTPUT {output}: the directory {parent} does not exist")
        if _same_file(changes_path, undo_file):
            raise click.UsageError("the change log and the undo file must be different files")
        for extra, what in ((changes_path, "change log"), (undo_file, "undo file")):
            if _same_file(extra, output) or (
                os.path.exists(input_path) and _same_file(extra, input_path)
            ):
                raise click.UsageError(f"the {what} {extra} would overwrite INPUT or OUTPUT")
    if interactive and report_format == "json":
        raise click.UsageError(
            "--interactive asks on the terminal; it cannot be used with --format json"
        )
    unknown = [code for code in rules if code not in BY_CODE]
    if unknown:
        raise click.UsageError(
            f"unknown rule {', '.join(unknown)} (see `scimguard rules` for the codes)"
        )
    profile = Profile(switches)
    try:
        attribute_mapping = AttributeMapping.load(mapping) if mapping else None
        result = run_fix(
            input_path,
            profile,
            input_format=input_format,
            mapping=attribute_mapping,
            empty_cells=empty_cells,
            rules=set(rules) if rules else None,
            decide=_ask if interactive else None,
            warnings=warnings,
            identifiers=identifiers,
        )
    except InputError as exc:  # named by INPUT when the message does not say it already
        if input_path in str(exc):
            raise
        raise InputError(f"{input_path}: {exc}") from exc
    stdout = _Echo(err=False)
    stderr = _Echo(err=True)
    if dry_run:
        if report_format == "json":
            stdout.write(_json_report(result, input_path, None))
        elif diff == "unified":
            stdout.write(
                unified(result.input_bytes, result.output_bytes, input_path, output or input_path)
            )
        else:
            for line in _change_lines(result):
                stdout.write(line + "\n")
        if report_format == "text":
            _summary(result, input_path, None, stderr)
    else:
        assert output is not None and changes_path is not None and undo_file is not None
        written = (output, changes_path, undo_file)
        mode = os.stat(input_path).st_mode & 0o777  # new files keep the input's permissions
        try:
            log = change_log(result.changes, result.leftovers, result.locations)
            write_atomic(changes_path, log.encode(), mode)
            document = undo_document(result, input_path, output)
            text = json.dumps(document, ensure_ascii=False, indent=1)
            write_atomic(undo_file, text.encode(), mode)
            write_atomic(output, result.output_bytes, mode)
        except OSError as exc:
            click.echo(
                f"error: {exc.filename or output}: cannot be written ({exc.strerror})", err=True
            )
            sys.exit(2)
        if report_format == "json":
            stdout.write(_json_report(result, input_path, written))
        else:
            _summary(result, input_path, written, stdout)
    errors_left = any(item.finding.severity is Severity.ERROR for item in result.leftovers)
    lost = any(problem.skipped for problem in result.problems)
    sys.exit(1 if errors_left or lost else 0)


class _Echo:
    """A text stream for the report (click.echo, so that it works under CliRunner too)."""

    def __init__(self, err: bool) -> None:
        self.err = err

    def write(self, text: str) -> None:
        click.echo(text, nl=False, err=self.err)


def _json_report(result: FixResult, input_path: str, written: tuple[str, str, str] | None) -> str:
    from scimguard.check import finding_row
    from scimguard.fix.undo import cell

    document = {
        "input": input_path,
        "output": written[0] if written else None,
        "change_log": written[1] if written else None,
        "undo_file": written[2] if written else None,
        "dry_run": written is None,
        "summary": {
            "records": result.records,
            "changes": len(result.changes),
            "fields_changed": sum(len(c.edits) for c in result.changes),
            "records_changed": len({c.record for c in result.changes}),
            "leftovers": len(result.leftovers),
        },
        "changes": [c.to_dict(cell) for c in result.changes],
        "leftovers": [
            {
                **finding_row(item.ref, item.finding, result.locations),
                "value": shown(item.finding.value),
                "suggested_value": shown(item.finding.suggested_value)
                if item.finding.has_suggestion
                else None,
                "reason": item.reason,
            }
            for item in result.leftovers
        ],
        "input_errors": [p.to_dict() for p in result.problems],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _undo(undo_from: str, target: str, output: str | None, dry_run: bool) -> None:
    if output is not None:
        raise click.UsageError("--undo restores the fixed file in place; drop -o")
    try:
        if dry_run:
            document = load_undo(undo_from)
            with open(target, "rb") as handle:
                restore(document, handle.read(), undo_from, target)
            count = len(document.get("changes", []))
            click.echo(f"{target} can be restored ({count} changes would be undone)")
            return
        count = undo(undo_from, target)
    except OSError as exc:
        click.echo(f"error: {target}: cannot be read ({exc.strerror})", err=True)
        sys.exit(2)
    click.echo(f"restored {target} as it was before the fix ({count} changes undone)")


def _change_lines(result: FixResult) -> list[str]:
    lines = []
    for change in result.changes:
        key = f" {show(change.key)}" if change.key else ""
        rules = ", ".join(change.rules)
        for edit, place in zip(change.edits, change.places, strict=True):
            lines.append(
                f"record {change.record}{key} {edit.attribute} at {text.visible(place)} "
                f"[{rules}]: {show(edit.old)} -> {show(edit.new)}"
            )
    return lines


def _summary(
    result: FixResult, input_path: str, written: tuple[str, str, str] | None, out: _Echo
) -> None:
    fields = sum(len(c.edits) for c in result.changes)
    records = len({c.record for c in result.changes})
    verb = "would change" if written is None else "changed"
    out.write(
        f"{input_path}: {result.records} records; {verb} {fields} fields in {records} records "
        f"({len(result.changes)} changes)\n"
    )
    if written is not None:
        output, log, undo_path = written
        out.write(
            f"wrote {output}\nchange log: {log}\nundo: scimguard fix --undo {undo_path} {output}\n"
        )
    for problem in result.problems:
        label = "input problem (record not fixed)" if problem.skipped else "note"
        out.write(f"{label}: {problem.source}: {problem.message}\n")
    groups = result.leftovers_by_rule()
    if not groups:
        lost = any(problem.skipped for problem in result.problems)
        out.write("nothing left to fix" + (" in the records read\n" if lost else "\n"))
        return
    out.write(f"\nleft for a person to decide ({len(result.leftovers)} findings):\n")
    for rule, items in groups.items():
        title = BY_CODE[rule].title if rule in BY_CODE else rule
        out.write(f"\n{rule} ({items[0].finding.severity.value}, {len(items)}): {title}\n")
        for item in items:
            key = f" {show(item.ref.key)}" if item.ref.key is not None else ""
            ref, attribute = item.ref, item.finding.attribute
            _column, place = result.locations.locate(ref.file, ref.line, attribute)
            out.write(
                f"  record {ref.record}{key} {attribute} at {text.visible(place)} "
                f"= {show(item.finding.value, 60)}: {item.reason}\n"
            )


def _ask(proposal: Proposal, validate: Validate) -> tuple[Action, Proposal | None]:
    """The interactive prompt: accept, edit, skip, accept all, quit."""
    record = proposal.record
    key = f" {show(record.key)}" if record.key else ""
    click.echo(f"\nrecord {record.index}{key} ({record.source}) [{', '.join(proposal.rules)}]")
    for finding in proposal.findings:
        click.echo(f"  {finding.rule}: {finding.message}")
    for edit, place in zip(proposal.edits, proposal.places, strict=True):
        click.echo(f"  {edit.attribute} at {text.visible(place)}")
        click.echo(f"  - {show(edit.old)}")
        click.echo(f"  + {show(edit.new)}")
    while True:
        choice = click.prompt(
            "[a]ccept, [e]dit, [s]kip, accept [A]ll, [q]uit",
            type=click.Choice(["a", "e", "s", "A", "q"]),
            default="a",
            show_choices=False,
        )
        if choice == "a":
            return "accept", proposal
        if choice == "A":
            return "all", proposal
        if choice == "s":
            return "skip", None
        if choice == "q":
            return "quit", None
        if not proposal.editable:
            click.echo("  this change is not a text value; accept or skip it")
            continue
        default = proposal.new if isinstance(proposal.new, str) else ""
        value = click.prompt(f"  new value for {proposal.attribute}", default=default)
        outcome = validate(value)
        if isinstance(outcome, str):
            click.echo(f"  not applied: {outcome}")
            continue
        click.echo(f"  + {show(outcome.new)}")
        return "accept", outcome
