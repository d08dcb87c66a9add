"""`scimguard check PATH...`: predict every refusal of an export before anything is sent."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

import click

from scimguard.check import CsvReport, JsonReport, Report, Summary, run_check
from scimguard.check_text import TextReport
from scimguard.cli.directories import directory_options, directory_specs
from scimguard.cli.options import input_options, output_options, profile_options
from scimguard.profile import Profile, Severity, Switches
from scimguard.records import AttributeMapping, RecordStream, read_records

if TYPE_CHECKING:  # rich and the sources (httpx, ...) are imported where used: `--help` stays fast
    from rich.console import Console
    from rich.progress import Progress

    from scimguard.cli.check_directory import DirectoryRead
    from scimguard.records.mapping import EmptyCells

PROGRESS_MIN_BYTES = 8 << 20


def console(file: TextIO | None = None, *, stderr: bool = False) -> Console:
    """A Rich console: colour only on a terminal, 80 columns when not on one."""
    from rich.console import Console

    stream = file or (sys.stderr if stderr else sys.stdout)
    tty = stream.isatty() if hasattr(stream, "isatty") else False
    return Console(
        file=stream, width=None if tty else 80, force_terminal=tty, highlight=False, soft_wrap=False
    )


@click.command("check")
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Processes for JSON-lines inputs of 32 MB or more (0: one per core).",
)
@output_options(
    "Report format: text, json or csv (default: text on a terminal, json otherwise).",
    choices=("text", "json", "csv"),
    default=None,
    dest="output_format",
)
@click.option(
    "--excel",
    is_flag=True,
    help="With --format csv: start with a byte order mark, so that Excel reads UTF-8.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Exit 1 when a finding of this severity or worse is found.",
)
@directory_options
@input_options
@profile_options
def check_command(
    workers: int,
    paths: tuple[str, ...],
    input_format: str | None,
    output_format: str | None,
    excel: bool,
    fail_on: str,
    switches: Switches,
    mapping: str | None,
    empty_cells: EmptyCells,
) -> None:
    """Report every record AWS IAM Identity Center would refuse, and why, with a fix.

    PATH is a file (SCIM JSON array, ListResponse, JSON lines, CSV, Okta export), a directory
    of such files, or - for standard input; or, instead of PATH, --google-customer ID or
    --entra-tenant TENANT_ID reads a live directory (provisioning nothing). Exit code: 0
    nothing at or above --fail-on, 1 findings (or records that could not be read, or a
    directory read only in part), 2 unusable invocation or input.
    """
    directories = directory_specs(click.get_current_context(), mapping, empty_cells)
    if bool(directories) == bool(paths):
        raise click.UsageError(
            "give PATH... or a live directory (--google-customer ID, --entra-tenant "
            "TENANT_ID), not both"
        )
    files: RecordStream | None = None
    directory: DirectoryRead | None = None
    stream: RecordStream | DirectoryRead
    # An unusable input or mapping rises as scimguard.errors.InputError: cli/errors says it.
    attribute_mapping = AttributeMapping.load(mapping) if mapping else None
    if directories:  # a live directory: read by its source, checked as a file would be
        # why: the sources (httpx, google-auth, msal) only when a directory is read
        from scimguard.cli.check_directory import read_directories

        stream = directory = read_directories(directories)
    else:
        stream = files = read_records(list(paths), input_format, attribute_mapping, empty_cells)
    stdout = sys.stdout
    if output_format is None:
        output_format = "text" if stdout.isatty() else "json"
    profile = Profile(switches)
    report: Report
    if output_format == "json":
        report = JsonReport(sys.stdout.buffer, locations=stream.locations, read_as=stream.encodings)
    elif output_format == "csv":
        if excel and hasattr(stdout, "reconfigure"):  # UTF-8 whatever the locale: the BOM says so
            stdout.reconfigure(encoding="utf-8")
        report = CsvReport(stdout, stream.locations, bom=excel)
    else:
        report = TextReport(console(stdout), stream.locations, stream.encodings)
    parallel = False
    if files is not None and workers != 1:  # multiprocessing loads only for --workers
        from scimguard import check_parallel

        parallel = check_parallel.usable(files)

    def check(on_progress: Callable[[], None] | None = None) -> Summary:
        if parallel and files is not None:
            from scimguard import check_parallel

            return check_parallel.run_check_parallel(
                files, profile, report, workers=workers or None, on_progress=on_progress
            )
        return run_check(stream, profile, report, on_progress=on_progress)

    progress = _progress(files) if files is not None else None
    try:
        if progress is None or files is None:
            summary = check()
        else:
            with progress as bar:
                task = bar.add_task("checking", total=files.total_bytes)
                reading = files

                def tick() -> None:
                    done, _total = reading.progress()
                    bar.update(task, completed=done)

                summary = check(tick)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)
    code = summary.exit_code(Severity(fail_on))
    if directory is not None:
        code = directory.exit_code(code)
    elif code == 2 and files is not None:
        lost = next((p for p in files.problems if p.skipped), None)
        where = f"{lost.source}: {lost.message}; " if lost is not None else ""
        inputs = ", ".join(files.files)
        click.echo(f"error: {where}not a single record could be read from {inputs}", err=True)
    sys.exit(code)


def _progress(stream: RecordStream) -> Progress | None:
    """A progress bar on stderr for long inputs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    if stream.total_bytes is not None and stream.total_bytes < PROGRESS_MIN_BYTES:
        return None
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    )
