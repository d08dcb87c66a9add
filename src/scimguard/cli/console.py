"""`scimguard console`: the web console over the engine's database."""

from __future__ import annotations

import ipaddress

import click
from rich.console import Console as RichConsole

from scimguard import db
from scimguard.cli.databases import open_state, state_db_option
from scimguard.profile.file import ProfileFileError, switches_of_file
from scimguard.profile.switches import DEFAULT_SWITCHES


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
@click.option(
    "--forwarded-allow-ips",
    default="",
    metavar="ADDRESSES",
    help="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For and "
    "X-Forwarded-Proto headers are trusted ('*': any). Default: none; the client is the "
    "connection's address (docs/console.md, 'Behind a reverse proxy').",
)
@click.option(
    "--profile",
    "profile_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="A profile file (written by `scimguard probe`): the Check page's default switches.",
)
def console(
    db_url: str | None, host: str, port: int, forwarded_allow_ips: str, profile_file: str | None
) -> None:
    """The web console: dashboard, tasks with Retry Selected, users, groups, inspector, check.

    Sign in with an account made by `scimguard admin create`. Retries use the token of the run
    that filed the task (its --token-env variable or --token-file), read by this process.
    """
    import uvicorn

    from scimguard.console.accounts import admin_count
    from scimguard.console.app import create_app

    err = RichConsole(stderr=True)
    proxies = trusted_proxies(forwarded_allow_ips)
    switches = DEFAULT_SWITCHES
    if profile_file:
        try:
            switches = switches_of_file(profile_file)
        except ProfileFileError as exc:
            raise click.BadParameter(str(exc), param_hint="--profile") from None
    url = db_url or db.default_url("engine")
    engine = open_state(url, console=True)
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
    uvicorn.run(
        create_app(url, switches=switches),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise: a client could
        # then pose as a new address per sign-in attempt and escape the per-address lock.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies) if proxies else None,
    )


def trusted_proxies(value: str) -> list[str]:
    """The proxies of `--forwarded-allow-ips`, each an address, a network or '*'."""
    out = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise click.BadParameter(
                    f"{item!r} is not an IP address or network", param_hint="--forwarded-allow-ips"
                ) from None
        out.append(item)
    return out
