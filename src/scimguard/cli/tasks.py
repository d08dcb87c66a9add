"""`scimguard tasks`: the failed and blocked provisioning tasks, with show, retry and dismiss."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click
import orjson

from scimguard.cli.databases import open_state, state_db_option
from scimguard.cli.options import output_options, rule_code
from scimguard.text import shown_value, visible, visible_lines

if TYPE_CHECKING:
    from scimguard.sync.diagnosis import Place
    from scimguard.sync.tasks import Task

db_option = state_db_option


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
    """List tasks, newest first.

    SOURCE is where the record is, in the source's terms: file and row or line, and the column
    behind the main finding (`/data/users.csv:6 (lastName)`), or the Okta user id. --format
    json adds it to each task as `location`.
    """
    from scimguard.sync.diagnosis import SourcePlaces
    from scimguard.sync.tasks import OPEN_STATES, list_tasks

    engine = open_state(db_url)
    states: Any = {"open": OPEN_STATES, "all": None}.get(state, state)
    found = list_tasks(engine, state=states, rule=rule)
    places = SourcePlaces()
    where = {t.id: _task_location(places.of(t), t) for t in found}
    if as_json:
        rows = [{**t.to_dict(), "location": where[t.id]} for t in found]
        sys.stdout.write(orjson.dumps(rows).decode() + "\n")
        return
    if not found:
        click.echo("No tasks.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, header_style="bold")
    columns = ("ID", "STATE", "KIND", "RECORD", "OPERATION", "RULE", "SOURCE", "STATUS", "UPDATED")
    for column in columns:
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
            visible(where[t.id] or "-"),
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
    as the console's task page does (both call `scimguard.sync.diagnosis`), and where the value
    is in the source: file and row or line with the column (`/data/users.csv:6 (lastName)`),
    or the Okta user id and attribute. --format json adds `location` (the record's) and, to
    each finding, `location` and `column`; `located` (the findings found in the request sent,
    when the target named only a rule) and, beside each raw `value`, `value_visible`.
    """
    from scimguard.sync.diagnosis import located, source_place
    from scimguard.sync.tasks import get_task

    task = get_task(open_state(db_url), task_id)
    if task is None:
        raise click.UsageError(f"no task {task_id}")
    where = located(task)
    place = source_place(task)
    if as_json:
        document = task.to_dict()
        document["location"] = place.record if place is not None else None
        document["findings"] = [_placed(_with_visible(f), place) for f in task.findings]
        document["located"] = [_placed(_with_visible(f), place) for f in where]
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
        _finding(f, place)
    if where:
        out("Where, in the request sent:")
        for f in where:
            _finding(f, place)
    if place is not None:
        org = f" ({task.source['org']})" if task.source and task.source.get("org") else ""
        out(f"Source: {visible(place.record)}{org}")


def _task_location(place: Place | None, task: Task) -> str | None:
    """The record's place, with the column of its main finding when one names an attribute."""
    if place is None:
        return None
    attribute = next((f.get("attribute") for f in task.findings if f.get("attribute")), None)
    return place.of(attribute)[1] if attribute else place.record


def _placed(finding: dict[str, Any], place: Place | None) -> dict[str, Any]:
    """The finding with its place in the source (as check's JSON report: location, column)."""
    if place is None:
        return finding
    column, location = place.of(finding.get("attribute"))
    return {**finding, "location": location, "column": column}


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


def _finding(f: dict[str, Any], place: Place | None = None) -> None:
    """One finding as the console's task page lists it: rule, `attribute = value`, where it is
    in the source, message, fix."""
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
    if place is not None and f.get("attribute"):
        click.echo(f"    at {visible(place.of(f['attribute'])[1])}")
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
    partial, 5 a group or app was not found, 6 removals held back by the safety fuse,
    75 another run holds the target's lease (nothing sent; try again when it ends).
    """
    from scimguard.sync import report
    from scimguard.sync.retry import retry_report
    from scimguard.sync.tasks import open_task_ids

    if bool(task_ids) == retry_all:
        raise click.UsageError("give task IDs or --all (not both)")
    engine = open_state(db_url)
    ids = open_task_ids(engine) if retry_all else list(task_ids)
    done = retry_report(engine, ids)
    outcomes = done.outcomes
    still = sum(1 for o in outcomes if o.state != "succeeded")
    statuses = report.run_statuses(
        stopped=bool(done.stopped),
        problems=done.problems,
        held=len(done.held),
        hold_reason=done.hold_reason,
        counts={"failed": still},
    )
    status = report.worst(statuses | ({report.Status.BUSY} if done.busy else set()))
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
            "busy": done.busy,
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

    count = dismiss_tasks(open_state(db_url), task_ids)
    click.echo(f"{count} task(s) dismissed.")
