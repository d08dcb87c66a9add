"""`scimguard probe`: ask your own tenant the profile's open questions, and calibrate it."""

from __future__ import annotations

import asyncio
import re
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson

from scimguard.cli.databases import open_state, state_db_option
from scimguard.cli.options import output_options, profile_options, rate_options, token_options
from scimguard.cli.sync import read_token
from scimguard.probe import report
from scimguard.probe.catalogue import CATALOGUE_VERSION, catalogue
from scimguard.probe.journal import Journal
from scimguard.probe.runner import ProbeRun, clean_up, run_probes
from scimguard.probe.verdict import tenant_switches
from scimguard.profile import Switches
from scimguard.profile.file import dump_profile_file
from scimguard.sync.backoff import RetryPolicy
from scimguard.sync.client import ScimClient, TargetUnauthorized
from scimguard.sync.source_state import EngineSourceState

_PREFIX = re.compile(r"[a-z0-9][a-z0-9._-]{11,60}\Z")
EXIT_AGREES, EXIT_DIFFERS, EXIT_STOPPED = 0, 1, 3


def _check_prefix(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    if value is None:
        return f"scimguard-probe-{secrets.token_hex(4)}"
    if not _PREFIX.match(value) or "probe" not in value:
        raise click.BadParameter(
            "a prefix no real userName can start with: 12-61 characters of a-z 0-9 . _ -, "
            "containing `probe` (e.g. scimguard-probe-ci1)",
            ctx=ctx,
            param=param,
        )
    return value


@click.command("probe")
@click.option(
    "--target",
    "target_url",
    required=True,
    metavar="URL",
    help="The SCIM base URL of a TEST tenant.",
)
@token_options
@click.option(
    "--i-understand-this-writes",
    "consent",
    is_flag=True,
    help="Required: the probe creates users in the target (and removes them).",
)
@click.option(
    "--prefix",
    callback=_check_prefix,
    metavar="TEXT",
    help="userName prefix of every probe user (default: scimguard-probe-<random>).",
)
@click.option(
    "--cleanup",
    is_flag=True,
    help="Only remove what an earlier, interrupted probe left behind (from its journal).",
)
@click.option(
    "--write-profile",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Save the profile that agrees with this tenant (for --profile).",
)
@rate_options
@state_db_option
@profile_options
@output_options("Report as text, or JSON for a CI job that should hear when AWS changes.")
def probe_command(
    target_url: str,
    token_env: str,
    token_file: str | None,
    consent: bool,
    prefix: str,
    cleanup: bool,
    write_profile: str | None,
    rate_writes: float,
    rate_reads: float,
    db_url: str | None,
    switches: Switches,
    as_json: bool,
) -> None:
    """Send a fixed catalogue of probe users to a test tenant, compare its answers with the
    profile's, remove everything created, and write the profile that agrees with the tenant.

    \b
    Every created user is journalled in the engine's state (--state-db) before the request, and
    removed at the end whatever happens; after a killed run, `--cleanup` removes what is left.
    Exit status: 0 the tenant agrees with the profile, 1 some answer differs, 2 usage,
    3 stopped (401/403) or something could not be removed. docs/probe.md explains each probe.

    \b
      export SCIMGUARD_TARGET_TOKEN=...   # a token of a TEST tenant
      scimguard probe --target URL --i-understand-this-writes --write-profile tenant.toml
      scimguard check users.csv --profile tenant.toml
    """
    if not cleanup and not consent:
        raise click.UsageError(
            "the probe creates (and then removes) users in the target: add "
            "--i-understand-this-writes, and point it at a test tenant"
        )
    token = read_token(token_env, token_file)
    journal = Journal(EngineSourceState(open_state(db_url)), target_url)

    def client() -> ScimClient:
        return ScimClient(
            target_url,
            token,
            rate_writes=rate_writes,
            rate_reads=rate_reads,
            concurrency=1,
            retry=RetryPolicy(),
        )

    if cleanup:

        async def only_clean() -> list[str]:
            async with client() as c:
                try:
                    return await clean_up(c, journal)
                except TargetUnauthorized:
                    return list(journal.users)

        left = asyncio.run(only_clean())
        if left:
            click.echo(f"NOT removed ({len(left)}): {', '.join(left)}", err=True)
            sys.exit(EXIT_STOPPED)
        click.echo("Nothing left behind.")
        return

    def progress(line: str) -> None:
        if not as_json:
            click.echo(line, err=True)

    async def run() -> ProbeRun:
        async with client() as c:
            return await run_probes(c, journal, catalogue(prefix), switches, progress)

    result = asyncio.run(run())
    agreeing, notes = tenant_switches(result.outcomes, switches)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    text = dump_profile_file(
        agreeing,
        [f"written by `scimguard probe` against {target_url} on {stamp}"],
        {"catalogue": CATALOGUE_VERSION, "target": target_url, "date": stamp},
    )
    if write_profile and result.outcomes:
        Path(write_profile).write_text(text, encoding="utf-8")
    if as_json:
        sys.stdout.buffer.write(
            orjson.dumps(report.as_json(result, agreeing, notes), option=orjson.OPT_INDENT_2)
            + b"\n"
        )
    else:
        click.echo(report.as_text(result, agreeing, notes, text), nl=False)
    if result.stopped or result.left_behind:
        sys.exit(EXIT_STOPPED)
    if any(o.agrees is False for o in result.outcomes):
        sys.exit(EXIT_DIFFERS)
