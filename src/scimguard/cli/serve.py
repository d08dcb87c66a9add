"""`scimguard serve`: the AWS-compatible SCIM endpoint (docs/serve.md)."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

import click
import orjson

from scimguard.cli.databases import emulator_db_option, open_emulator
from scimguard.cli.options import switch_options
from scimguard.db import default_url, redact
from scimguard.rates import READS_PER_SECOND, WRITES_PER_SECOND

if TYPE_CHECKING:  # the server is imported when it is started: `--help` stays fast
    from starlette.applications import Starlette

SETTINGS_ENV = "SCIMGUARD_SERVE_SETTINGS"


db_option = emulator_db_option  # `--emulator-db URL`, as every emulator command takes it


def resolve_db(db_url: str | None) -> str:
    return db_url or default_url("emulator")


def _statuses(value: str) -> tuple[int, ...]:
    try:
        statuses = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: give HTTP status codes such as 500,503") from None
    if not statuses or any(not 400 <= s <= 599 for s in statuses):
        raise click.BadParameter(f"{value!r}: give HTTP status codes between 400 and 599")
    return statuses


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="uvicorn worker processes (use PostgreSQL for more than one).",
)
@click.option("--no-quotas", is_flag=True, help="Turn AWS's per-tenant rate limits off.")
@click.option(
    "--quota-writes",
    default=WRITES_PER_SECOND,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Write requests per second per tenant that the emulator accepts before answering 429 "
    "(the quota it enforces; `sync --rate-writes` is the pace a client keeps).",
)
@click.option(
    "--quota-reads",
    default=READS_PER_SECOND,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Read requests per second per tenant that the emulator accepts before answering 429 "
    "(the quota it enforces; `sync --rate-reads` is the pace a client keeps).",
)
@click.option(
    "--detail",
    type=click.Choice(["generic", "specific"]),
    default="generic",
    show_default=True,
    help="Text of a 400: AWS's generic one, or the per-attribute one.",
)
@switch_options("allow_legacy_characters", "require_complete_address")
@click.option(
    "--fault-rate",
    default=0.0,
    type=click.FloatRange(0, 1),
    show_default=True,
    help="Share of requests answered with an injected failure.",
)
@click.option(
    "--fault-status",
    default="500,503",
    show_default=True,
    help="Statuses of injected failures, comma-separated.",
)
@click.option("--fault-seed", default=None, type=int, help="Seed of the fault injection.")
@click.option(
    "--put-user-status",
    type=click.Choice(["200", "201"]),
    default="200",
    show_default=True,
    help="Status of a successful PUT /Users/{id}.",
)
@click.option(
    "--put-group-status",
    type=click.Choice(["400", "404"]),
    default="400",
    show_default=True,
    help="Status of the unsupported PUT /Groups/{id}.",
)
@click.option(
    "--strict-manual",
    is_flag=True,
    help="Refuse SCIM writes to manually created users/groups with 400 (Okta KB).",
)
@click.option(
    "--legacy-paging", is_flag=True, help="Pre-2025 AWS: at most 50 results, no cursor paging."
)
@click.option(
    "--default-active",
    type=click.Choice(["false", "true", "absent"]),
    default="false",
    show_default=True,
    help="`active` of a user created without it.",
)
@click.option(
    "--reject-empty-lists",
    is_flag=True,
    help='Refuse empty lists such as "emails": [] (the profile only warns).',
)
@click.option(
    "--retry-after",
    type=click.IntRange(0, 3600),
    default=None,
    help="Send Retry-After: N on 429 (AWS's header is not documented).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log one line per request (uvicorn's access log).",
)
def serve(db_url: str | None, host: str, port: int, workers: int, **options: object) -> None:
    """Run a local SCIM endpoint that behaves like AWS IAM Identity Center's."""
    import uvicorn

    from scimguard.server.settings import HTTP_OPTIONS

    url = resolve_db(db_url)
    settings = settings_from_options(options)
    if workers > 1 and url.startswith("sqlite"):
        click.echo(
            "note: several workers on SQLite share one file lock; PostgreSQL scales better",
            err=True,
        )
    open_emulator(url).dispose()  # migrate once, before the workers start
    click.echo(
        f"scimguard serve: http://{host}:{port}/<tenant>/scim/v2  db={redact(url)}", err=True
    )
    access_log = bool(options.get("access_log"))
    if workers == 1:
        from scimguard.server.app import create_app

        app = create_app(url, settings)
        uvicorn.run(
            app, host=host, port=port, access_log=access_log, log_level="info", **HTTP_OPTIONS
        )
        return
    os.environ[SETTINGS_ENV] = orjson.dumps(
        {"db": url, "workers": workers, "settings": asdict(settings)}
    ).decode()
    uvicorn.run(
        "scimguard.cli.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info",
        **HTTP_OPTIONS,
    )


def settings_from_options(options: dict[str, object]):  # type: ignore[no-untyped-def]
    """The emulator's `Settings` from the command's parameters, built once: `--workers N`
    hands them to each worker as they are (`app_from_env`)."""
    from scimguard.server.settings import Settings

    default_active = {"false": False, "true": True, "absent": None}[str(options["default_active"])]
    return Settings(
        switches=options["switches"],  # type: ignore[arg-type]
        detail=str(options["detail"]),  # type: ignore[arg-type]
        quotas=not options["no_quotas"],
        quota_writes=float(options["quota_writes"]),  # type: ignore[arg-type]
        quota_reads=float(options["quota_reads"]),  # type: ignore[arg-type]
        fault_rate=float(options["fault_rate"]),  # type: ignore[arg-type]
        fault_statuses=_statuses(str(options["fault_status"])),
        fault_seed=options["fault_seed"],  # type: ignore[arg-type]
        put_user_status=int(str(options["put_user_status"])),
        put_group_status=int(str(options["put_group_status"])),
        strict_manual=bool(options["strict_manual"]),
        legacy_page_size=bool(options["legacy_paging"]),
        default_active=default_active,
        reject_empty_lists=bool(options.get("reject_empty_lists")),
        retry_after=options.get("retry_after"),  # type: ignore[arg-type]
    )


def app_from_env() -> Starlette:
    """uvicorn factory for `--workers N` (each worker process builds its own app)."""
    from scimguard.server.app import create_app
    from scimguard.server.settings import Settings

    config = orjson.loads(os.environ[SETTINGS_ENV])
    settings = Settings.from_dict(config["settings"])
    return create_app(config["db"], settings, workers=int(config["workers"]))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve())
