"""`scimguard tasks`: the failed and blocked provisioning tasks, with show, retry and dismiss."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click
import orjson

from scimguard.cli.databases import state_db_option
from scimguard.cli.options import output_options, rule_code
from scimguard.text import shown_value, visible, visible_lines

if TYPE_CHECKING:  # the engine is imported when a command runs: `--help` stays fast
    from sqlalchemy import Engine

db_option = state_db_option


def _engine(db_url: str | None) -> Engine:
    from scimguard.store.db import redact
    from scimguard.sync.store import open_engine

    try:
        return open_engine(db_url)
    except Exception as exc:
        raise click.UsageError(
            f"--state-db {redact(db_url or '')}: {exc.__class__.__name__}: {exc}"
        ) from None


def _visible_json(value: Any) -> str:
    """JSON for a person: indented, every hidden character spelled out."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return "\n".join(visible(line) for line in text.splitlines())


@click.group("tasks")
def tasks_group() -> None:
    """The tasks of the provisioning engine: what was not provisioned, and why.

    They live in the engine's state, the database `sync` writes: give each command the same
    --state-db URL as the sync (or set SCIMGUARD_STATE_DB once).
    """


@tasks_group.command("list")
@click.option(
    "--state",
    type=click.Choice(["failed", "blocked", "succeeded", "dismissed", "open", "all"]),
    default="open",
    show_default=True,
    help="open = failed and blocked.",
)
@click.option(
    "--rule",
    metavar="CODE",
    callback=rule_code,
    help="Only tasks with this diagnosis (e.g. missing-required).",
)
@output_options("Output: text (default), or json.")
@db_option
def list_command(state: str, rule: str | None, as_json: bool, db_url: str | None) -> None:
    """List tasks, newest first."""
    from scimguard.sync.tasks import OPEN_STATES, list_tasks

    engine = _engine(db_url)
    states: Any = {"open": OPEN_STATES, "all": None}.get(state, state)
    found = list_tasks(engine, state=states, rule=rule)
    if as_json:
        sys.stdout.write(orjson.dumps([t.to_dict() for t in found]).decode() + "\n")
        return
    if not found:
        click.echo("No tasks.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    for column in ("ID", "STATE", "KIND", "RECORD", "OPERATION", "RULE", "STATUS", "UPDATED"):
        table.add_column(column, overflow="fold")
    for t in found:
        status = (t.response or {}).get("status")
        table.add_row(
            str(t.id),
            t.state,
            t.kind,
            visible(t.display),
            t.operation,
            t.rule or "",
            str(status) if status else "-",
            t.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
        )
    # Piped output is not cut to 80 columns: a record name must survive `| grep`.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@tasks_group.command("show")
@click.argument("task_id", type=int)
@output_options("Output: text (default), or json.")
@db_option
def show_command(task_id: int, as_json: bool, db_url: str | None) -> None:
    """One task: the message, the request sent, the response, the diagnosis.

    The diagnosis names the attribute, its value (hidden characters spelled out) and the fix,
    as the console's task page does (both call `scimguard.sync.diagnosis.located`).
    --format json adds `located` (the findings found in the request sent, when the target named
    only a rule) and, beside each raw `value`, `value_visible`.
    """
    from scimguard.sync.diagnosis import located
    from scimguard.sync.tasks import get_task

    task = get_task(_engine(db_url), task_id)
    if task is None:
        raise click.UsageError(f"no task {task_id}")
    where = located(task)
    if as_json:
        document = task.to_dict()
        document["findings"] = [_with_visible(f) for f in task.findings]
        document["located"] = [_with_visible(f) for f in where]
        sys.stdout.write(orjson.dumps(document).decode() + "\n")
        return
    out = click.echo
    out(
        f"Task {task.id}: {task.state}, {task.kind} {visible(task.display)} ({task.operation}),"
        f" {task.attempts} attempt(s), updated {task.updated_at:%Y-%m-%d %H:%M:%S}"
    )
    out("")
    out(visible_lines(task.message))
    out("")
    req = task.request or {}
    out(
        f"Request: {req.get('method') or '-'} {req.get('path') or ''}"
        + (" (not sent)" if task.response is None else "")
    )
    if req.get("body") is not None:
        out(_visible_json(req["body"]))
    out("")
    if task.response is not None:
        rid = task.response.get("request_id")
        out(
            f"Response: {task.response.get('status') or 'no answer'}"
            + (f" (x-amzn-RequestId {rid})" if rid else "")
        )
        if task.response.get("body") is not None:
            out(_visible_json(task.response["body"]))
        out("")
    out("Diagnosis:")
    if not task.findings and task.rule:
        out(f"  {task.rule}")
    for f in task.findings:
        _finding(f)
    if where:
        out("Where, in the request sent:")
        for f in where:
            _finding(f)
    if task.source:
        place = task.source.get("path") or task.source.get("org")
        line = f", line {task.source['line']}" if task.source.get("line") else ""
        out(f"Source: {task.source.get('type')} {place}{line}")


def _has_value(value: Any) -> bool:
    """As the console: no value, or an empty one, is not shown."""
    return value is not None and value != ""


def _with_visible(finding: dict[str, Any]) -> dict[str, Any]:
    """The finding for --format json: raw values kept, each beside its visible spelling."""
    out = dict(finding)
    for key in ("value", "suggested_value"):
        if _has_value(finding.get(key)):
            out[f"{key}_visible"] = shown_value(finding[key])
    return out


def _finding(f: dict[str, Any]) -> None:
    """One finding as the console's task page lists it: rule, `attribute = value`, message, fix."""
    head = f"  {f.get('rule')}"
    if f.get("attribute"):
        head += f": {f['attribute']}"
    if _has_value(f.get("value")):
        head += (
            f" = {shown_value(f['value'])}"
            if f.get("attribute")
            else f": {shown_value(f['value'])}"
        )
    click.echo(head)
    if f.get("message"):
        click.echo(_indented(str(f["message"])))
    if f.get("fix"):
        click.echo(_indented(f"fix: {f['fix']}"))
    if _has_value(f.get("suggested_value")):
        click.echo(f"    suggested value: {shown_value(f['suggested_value'])}")


def _indented(message: str) -> str:
    return "\n".join(f"    {line}" for line in visible_lines(message).split("\n"))


@tasks_group.command("retry")
@click.argument("task_ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Every failed and blocked task.")
@output_options("text, or json: only the outcome, one JSON document.")
@click.option("--verbose", is_flag=True, help="List every removal held back.")
@db_option
def retry_command(
    task_ids: tuple[int, ...], retry_all: bool, as_json: bool, verbose: bool, db_url: str | None
) -> None:
    """Re-read each task's record from its source, check it again, and send it again.

    Sent whatever it was refused for before (a `sync` run does not repeat an unchanged
    refusal). The token comes from the run's --token-env variable or --token-file, as for
    `sync`. Exit status as for `sync`: 0 every task succeeded, 1 some are still tasks,
    3 stopped (no token, token refused, target unreadable), 4 a source read failed or looks
    partial, 5 a group or app was not found, 6 removals held back by the safety fuse.
    """
    from scimguard.sync import report
    from scimguard.sync.retry import retry_report
    from scimguard.sync.tasks import open_task_ids

    if bool(task_ids) == retry_all:
        raise click.UsageError("give task IDs or --all (not both)")
    engine = _engine(db_url)
    ids = open_task_ids(engine) if retry_all else list(task_ids)
    done = retry_report(engine, ids)
    outcomes = done.outcomes
    still = sum(1 for o in outcomes if o.state != "succeeded")
    status = report.worst(
        report.run_statuses(
            stopped=bool(done.stopped),
            problems=done.problems,
            held=len(done.held),
            hold_reason=done.hold_reason,
            counts={"failed": still},
        )
    )
    if as_json:
        document = {
            "results": [
                {"id": o.task_id, "state": o.state, "message": o.message} for o in outcomes
            ],
            "succeeded": len(outcomes) - still,
            "still_open": still,
            "held": len(done.held),
            "held_reason": done.hold_reason,
            "source_problems": done.problems,
            "not_found": report.not_found(done.problems),
            "stopped": done.stopped,
            "status": status.name.lower().replace("_", "-"),
            "exit_status": int(status),
        }
        sys.stdout.write(orjson.dumps(document).decode() + "\n")
        sys.exit(int(status))
    for problem in done.problems:
        click.secho(f"source problem: {problem}", fg="yellow", err=True)
    for o in outcomes:
        click.echo(f"task {o.task_id}: {o.state}: {visible(o.message)}")
    if not outcomes:
        click.echo("Nothing to retry.")
    if done.held:
        click.echo(
            f"= held: {len(done.held)} removal(s) held back: {done.hold_reason}"
            + ("" if verbose else " (--verbose lists them)")
        )
        if verbose:
            for line in done.held:
                click.echo(f"  = held: {visible(line)}")
    if status:
        click.echo(f"exit status {int(status)}: {report.MEANINGS[status]}", err=True)
    sys.exit(int(status))


@tasks_group.command("dismiss")
@click.argument("task_ids", nargs=-1, type=int, required=True)
@db_option
def dismiss_command(task_ids: tuple[int, ...], db_url: str | None) -> None:
    """Dismiss tasks (they stay dismissed while the record fails the same way)."""
    from scimguard.sync.tasks import dismiss_tasks

    count = dismiss_tasks(_engine(db_url), task_ids)
    click.echo(f"{count} task(s) dismissed.")
