"""`scimguard db upgrade`: migrate the emulator's store and/or the engine's state."""

from __future__ import annotations

import click
from sqlalchemy import inspect

from scimguard.cli.databases import AliasedOption, open_emulator, open_state
from scimguard.db import EMULATOR_DB_ENV, STATE_DB_ENV, default_url, make_engine, redact

EMULATOR_VERSION = "scimguard_emulator_version"
STATE_VERSION = "scimguard_engine_version"


@click.group()
def db() -> None:
    """Database maintenance."""


def _holds(url: str, table: str) -> bool:
    """Whether the database at `url` has `table` (False when it cannot be read yet)."""
    engine = make_engine(url)
    try:
        return inspect(engine).has_table(table)
    except Exception:
        return False
    finally:
        engine.dispose()


@db.command("upgrade")
@click.option(
    "--emulator-db",
    "--db",
    "emulator_db",
    cls=AliasedOption,
    hidden_aliases=("--db",),
    metavar="URL",
    help=f"Upgrade the emulator's store at URL (default location: ${EMULATOR_DB_ENV}, else "
    "sqlite:///.scimguard/emulator.db).",
)
@click.option(
    "--state-db",
    metavar="URL",
    help=f"Upgrade the engine's state at URL: runs, tasks, console accounts (default "
    f"location: ${STATE_DB_ENV}, else sqlite:///.scimguard/engine.db).",
)
def upgrade(emulator_db: str | None, state_db: str | None) -> None:
    """Bring a database to the newest schema without starting anything.

    \b
    With --emulator-db or --state-db: that database (both options: both).
    With neither: both, at their default locations.
    A database of the other kind is refused, not given a second schema.
    """
    todo = []
    if emulator_db or not state_db:
        todo.append(("emulator's store", emulator_db or default_url("emulator"), "--emulator-db"))
    if state_db or not emulator_db:
        todo.append(("engine's state", state_db or default_url("engine"), "--state-db"))
    for what, url, option in todo:
        other, other_option = (
            (STATE_VERSION, "--state-db")
            if option == "--emulator-db"
            else (EMULATOR_VERSION, "--emulator-db")
        )
        if _holds(url, other):
            raise click.UsageError(
                f"{option} {redact(url)} is not the {what}: it holds the "
                f"{'engine state' if other == STATE_VERSION else 'emulator store'}; "
                f"give it with {other_option}"
            )
        if option == "--emulator-db":
            open_emulator(url).dispose()
        else:
            open_state(url, console=True).dispose()  # the engine's chain and the console's
        click.echo(f"the {what} {redact(url)} is up to date")
