"""`scimguard sync`: plan and apply a directory into an AWS-like SCIM endpoint."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from scimguard.cli.databases import open_state, state_db_option
from scimguard.cli.directories import DIRECTORY_OPTIONS, directory_options, directory_specs
from scimguard.cli.options import (
    input_options,
    output_options,
    profile_options,
    rate_options,
    token_options,
)
from scimguard.db import redact
from scimguard.profile import Profile, Switches
from scimguard.sync.report import MEANINGS
from scimguard.unattended.duration import DURATION
from scimguard.unattended.options import unattended_options

if TYPE_CHECKING:  # rich and the engine are imported when used: `--help` stays fast
    from rich.progress import TaskID
    from sqlalchemy import Engine

    from scimguard.sources.snapshot import Snapshot
    from scimguard.sync.planner import Plan
    from scimguard.sync.report import Status
    from scimguard.sync.run import RunResult


def read_token(token_env: str | None, token_file: str | None) -> str:
    """The target token from a file or an environment variable, never from the command line."""
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise click.UsageError(
                f"--token-file {token_file}: cannot read ({exc.strerror})"
            ) from None
        if not token:
            raise click.UsageError(f"--token-file {token_file} is empty")
        return token
    token = os.environ.get(token_env or "", "").strip()
    if not token:
        raise click.UsageError(
            f"no target token: set the environment variable {token_env} (or use --token-env "
            "VAR / --token-file PATH; a token is never accepted on the command line)"
        )
    return token


def source_specs(
    paths: tuple[str, ...],
    okta_org: str | None,
    okta_groups: tuple[str, ...],
    okta_app: str | None,
    input_format: str | None = None,
    mapping: str | None = None,
    empty_cells: str = "absent",
    extra: list[dict] | None = None,
) -> list[dict]:
    """The source specs of the options; `extra`: the live directories (cli/directories.py)."""
    from scimguard.sources import file_spec

    specs = []
    for path in paths:
        if not Path(path).exists():
            raise click.UsageError(f"source {path}: no such file")
        specs.append(file_spec(path, input_format, mapping, empty_cells))
    if okta_org:
        if not os.environ.get("OKTA_API_TOKEN"):
            raise click.UsageError("--okta-org needs the Okta API token in OKTA_API_TOKEN")
        specs.append(
            {
                "type": "okta",
                "org": okta_org.rstrip("/"),
                "groups": list(okta_groups),
                "app": okta_app,
                **({"mapping": str(Path(mapping).resolve())} if mapping else {}),
            }
        )
    elif okta_groups or okta_app:
        raise click.UsageError("--okta-group and --okta-app need --okta-org URL")
    specs.extend(extra or [])
    if not specs:
        raise click.UsageError(f"give at least one SOURCE file, {DIRECTORY_OPTIONS}")
    return specs


class _Progress:
    """A progress bar on stderr (only on a terminal; never mixed into --format json output)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._bar = Progress(
            "applying",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None

    def update(self, done: int, total: int) -> None:
        if self._task is None:
            self._bar.start()
            self._task = self._bar.add_task("applying", total=total)
        self._bar.update(self._task, completed=done, total=total)

    def stop(self) -> None:
        if self._task is not None:
            self._bar.stop()


@click.command("sync")
@click.argument("sources", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--target",
    "target_url",
    required=True,
    metavar="URL",
    help="The SCIM base URL, e.g. https://scim.us-east-1.amazonaws.com/<tenant>/scim/v2",
)
@token_options
@state_db_option
@click.option("--dry-run", is_flag=True, help="Print the plan; send no write.")
@output_options("The run: text, or json (only the summary, one JSON document).")
@click.option(
    "--verbose",
    is_flag=True,
    help="List every held removal and every record not sent again (default: one line each).",
)
@click.option(
    "--delete-missing",
    is_flag=True,
    help="Delete users and groups gone from the source (default: deactivate users).",
)
@click.option(
    "--max-removals",
    default="10%",
    show_default=True,
    metavar="N|P%",
    help="Safety fuse: hold every removal when more than this many would happen.",
)
@click.option(
    "--adopt-manual",
    is_flag=True,
    help="Take over users and groups made by hand in the target (sets externalId).",
)
@rate_options
@click.option(
    "--concurrency",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Requests in flight at once (the rate limits still apply).",
)
@click.option(
    "--max-attempts",
    default=6,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Attempts per call on 429, 5xx and timeouts.",
)
@click.option(
    "--verify-members",
    is_flag=True,
    help="Read every group's members (one read per group), not only those changed in the "
    "source or the target, due, or in this run's rotating slice.",
)
@click.option(
    "--verify-period",
    default="1d",
    show_default=True,
    type=DURATION,
    metavar="DURATION",
    help="Every group's members are read at least once within this period, a slice of the "
    "groups read longest ago at each run (a change made by hand in the target is found and "
    "reported as drift); 0: every run.",
)
@click.option("--okta-org", metavar="URL", help="Read users and groups from this Okta org.")
@click.option(
    "--okta-group",
    "okta_groups",
    multiple=True,
    metavar="NAME",
    help="Only these Okta groups and their members (repeatable).",
)
@click.option("--okta-app", metavar="ID", help="Only users and groups assigned to this Okta app.")
@directory_options
@input_options
@profile_options
@unattended_options
def sync_command(
    sources: tuple[str, ...],
    target_url: str,
    token_env: str,
    token_file: str | None,
    db_url: str | None,
    dry_run: bool,
    as_json: bool,
    verbose: bool,
    delete_missing: bool,
    max_removals: str,
    adopt_manual: bool,
    rate_writes: float,
    rate_reads: float,
    concurrency: int,
    max_attempts: int,
    verify_members: bool,
    verify_period: float,
    okta_org: str | None,
    okta_groups: tuple[str, ...],
    okta_app: str | None,
    input_format: str | None,
    mapping: str | None,
    empty_cells: str,
    switches: Switches,
) -> None:
    """Plan and apply SOURCE files (anything `check` reads), an Okta org, a Google Workspace
    directory or an Entra ID tenant to a SCIM target.

    \b
    Matches by externalId, then userName (groups: displayName) ignoring case; deactivates
    users gone from the source (--delete-missing deletes), never touches what it did not
    create, and files every record it could not provision as a task (`scimguard tasks`).
    A record refused before and unchanged since is not sent again (`tasks retry` sends it).

    \b
    Exit status (the worst that applies; --format json carries them all):
      0 everything went through          4 a source read failed or looks partial
      1 some records are tasks           5 an --okta-group or --okta-app was not found
      2 unusable invocation              6 removals held back by the safety fuse
      3 stopped: token refused or target unreadable
    """
    from scimguard.sync.backoff import RetryPolicy
    from scimguard.sync.omitted import note_lines
    from scimguard.sync.planner import Options, parse_max_removals
    from scimguard.sync.render import held_line, nested_lines, plan_lines
    from scimguard.sync.run import SyncConfig, run_sync

    try:
        parse_max_removals(max_removals, 100)
    except ValueError:
        raise click.UsageError(
            f"--max-removals {max_removals!r}: give a count or a percentage"
        ) from None
    if rate_writes <= 0 or rate_reads <= 0:
        raise click.UsageError("--rate-writes and --rate-reads must be positive")
    token = read_token(None if token_file else token_env, token_file)
    specs = source_specs(
        sources,
        okta_org,
        okta_groups,
        okta_app,
        input_format,
        mapping,
        empty_cells,
        extra=directory_specs(click.get_current_context(), mapping, empty_cells),
    )
    profile = Profile(switches)
    cfg = SyncConfig(
        target_url=target_url.rstrip("/"),
        token=token,
        sources=specs,
        options=Options(delete_missing, max_removals, adopt_manual, verify_members, verify_period),
        dry_run=dry_run,
        rate_writes=rate_writes,
        rate_reads=rate_reads,
        concurrency=concurrency,
        retry=RetryPolicy(max_attempts=max_attempts),
        token_env=None if token_file else token_env,
        token_file=str(Path(token_file).resolve()) if token_file else None,
        profile=profile,
    )
    engine = open_state(db_url)
    from scimguard.unattended.schedule import take_over

    take_over(cfg, engine)  # --every / --log-format json run there; else the lease, held

    def show_plan(plan: Plan, snapshot: Snapshot) -> None:
        for problem in snapshot.problems:
            click.secho(f"source problem: {problem}", fg="yellow", err=True)
        if plan.held and as_json:  # the text plan says it on stdout
            click.secho(held_line(plan), fg="yellow", err=True)
        if not as_json:
            for line in plan_lines(plan, verbose=verbose):
                click.echo(line)
            for line in note_lines(snapshot.notes, snapshot):
                click.echo(line)
            for line in nested_lines(snapshot.groups):
                click.echo(line)
        elif snapshot.notes:
            click.secho(
                f"{len(snapshot.notes)} user(s) sent without a partial address "
                "(address-omitted; see `scimguard tasks list --state all --rule address-omitted`)",
                fg="yellow",
                err=True,
            )
            if not dry_run:
                click.echo(f"Applying to {target_url} ...", err=True)

    progress = _Progress() if sys.stderr.isatty() and not dry_run else None
    try:
        result = run_sync(
            cfg,
            engine,
            on_plan=show_plan,
            on_progress=progress.update if progress else None,
            on_read=lambda line: click.echo(line, err=True),
        )
    finally:
        if progress is not None:
            progress.stop()
    status, document = _report(result, engine, cfg.target_url)
    if as_json:
        sys.stdout.write(orjson.dumps(document).decode() + "\n")
    if result.error:
        click.secho(f"error: {result.error}", fg="red", err=True)
    elif result.outcome and result.outcome.stopped:
        click.secho(f"stopped: {result.outcome.stopped}", fg="red", err=True)
    elif not as_json and result.outcome is not None:
        click.echo(done_line(document, result.seconds))
        if document["tasks"]["open"]:
            click.echo(
                f"See `scimguard tasks list{state_hint(db_url)}` for what was not provisioned, "
                "and why."
            )
    if status and not as_json:
        click.echo(f"exit status {int(status)}: {MEANINGS[status]}", err=True)
    sys.exit(int(status))


def _report(result: RunResult, engine: Engine, target_url: str) -> tuple[Status, dict[str, Any]]:
    """The run's exit status and its `--format json` document (sync/report.py)."""
    from scimguard.sync import report
    from scimguard.sync.tasks import open_count

    plan = result.plan
    held = len(plan.held) if plan else 0
    hold_reason = plan.hold_reason if plan else None
    stopped = result.error or (result.outcome.stopped if result.outcome else None)
    counts = result.summary
    problems = list(result.snapshot.problems)
    status = report.worst(
        report.run_statuses(
            stopped=bool(stopped),
            problems=problems,
            held=held,
            hold_reason=hold_reason,
            counts=counts,
        )
    )
    document = report.summary(
        counts,
        result.by_kind,
        status=status,
        problems=problems,
        held=held,
        hold_reason=hold_reason,
        tasks_opened=len(set(result.outcome.task_ids)) if result.outcome else 0,
        tasks_open=open_count(engine, target_url),
        stopped=stopped,
        run_id=result.run_id,
    )
    document["member_reads"] = dict(plan.member_reads) if plan else {}
    document["member_drift"] = len(plan.drift) if plan else 0
    return status, document


def done_line(s: dict, seconds: float) -> str:
    line = (
        f"Done: {s['created']} created, {s['updated']} updated, {s['deactivated']} "
        f"deactivated, {s['deleted']} deleted, {s['unchanged']} unchanged, {s['failed']} "
        f"failed, {s['blocked']} blocked"
    )
    for key in ("still_failed", "still_blocked", "dismissed"):
        if s[key]:
            line += f", {s[key]} {key.replace('_', ' ')}"
    if s["held"]:
        line += f", {s['held']} removal(s) held"
    return line + f" ({seconds:.1f}s)."


def state_hint(db_url: str | None) -> str:
    """` --state-db URL` when the state is not where `tasks` looks by default, so that a hint
    works when typed as printed (the password, if any, is never printed)."""
    return f" --state-db {redact(db_url)}" if db_url else ""
