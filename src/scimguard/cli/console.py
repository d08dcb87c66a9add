"""`scimguard console`: the web console over the engine's database."""

from __future__ import annotations

import click
from rich.console import Console as RichConsole

from scimguard.cli.databases import state_db_option
from scimguard.store import db


@click.command("console")
@state_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
def console(db_url: str | None, host: str, port: int) -> None:
    """The web console: dashboard, tasks with Retry Selected, users, groups, inspector, check.

    Sign in with an account made by `scimguard admin create`. Retries use the token of the run
    that filed the task (its --token-env variable or --token-file), read by this process.
    """
    import uvicorn

    from scimguard.console.accounts import admin_count
    from scimguard.console.app import create_app
    from scimguard.console.store import open_engine

    err = RichConsole(stderr=True)
    url = db_url or db.default_url("engine")
    try:
        engine = open_engine(url)
    except Exception as exc:
        raise click.UsageError(f"cannot open the database {db.redact(url)}: {exc}") from None
    if admin_count(engine) == 0:
        err.print(
            "[yellow]No admin account yet.[/] Create one with "
            f"[bold]scimguard admin create --state-db {db.redact(url)} --username NAME[/]"
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            "[yellow]The console speaks plain HTTP:[/] put it behind a TLS-terminating proxy "
            "before others reach it over a network."
        )
    shown = f"[{host}]" if ":" in host else host
    err.print(f"scimguard console on [bold]http://{shown}:{port}/[/] (database {db.redact(url)})")
    uvicorn.run(create_app(url), host=host, port=port, log_level="warning", access_log=False)
