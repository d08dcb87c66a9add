"""`scimguard db upgrade`: apply the database migrations without starting anything."""

from __future__ import annotations

import click

from scimguard.cli.serve import db_option, resolve_db


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@db_option
def upgrade(db_url: str | None) -> None:
    """Bring the emulator database to the newest schema."""
    from scimguard.server.db import Database
    from scimguard.store.db import redact

    url = resolve_db(db_url)
    try:
        Database(url).dispose()
    except Exception as exc:
        raise click.ClickException(f"cannot upgrade {redact(url)}: {exc}") from None
    click.echo(f"emulator database {redact(url)} is up to date")
