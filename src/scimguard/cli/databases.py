"""The two databases, one name each, taken the same way by every command.

- the emulator's store (`serve`, `tenant`, `token`, `manual`, `db upgrade`):
  `--emulator-db URL`, else `$SCIMGUARD_EMULATOR_DB`, else sqlite .scimguard/emulator.db;
- the engine's state (`sync`, `tasks`, `console`, `admin`, `db upgrade`):
  `--state-db URL`, else `$SCIMGUARD_STATE_DB`, else sqlite .scimguard/engine.db.

`--db` once meant the one or the other depending on the command. Each command still takes it,
hidden from `--help`, with the meaning it had there; the old variables `SCIMGUARD_SERVE_DB` and
`SCIMGUARD_DB` are still read after the new ones (`scimguard.db.default_url`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from scimguard.db import EMULATOR_DB_ENV, STATE_DB_ENV, default_url, redact
from scimguard.errors import DatabaseUnavailable

F = TypeVar("F", bound=Callable[..., Any])


class AliasedOption(click.Option):
    """An option whose old spellings still work but are left out of `--help`."""

    def __init__(self, *args: Any, hidden_aliases: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hidden_aliases = hidden_aliases

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        shown = self.opts
        self.opts = [o for o in shown if o not in self.hidden_aliases]
        try:
            return super().get_help_record(ctx)
        finally:
            self.opts = shown


def emulator_db_option(function: F) -> F:
    """`--emulator-db URL` (old spelling `--db`) into the parameter `db_url`."""
    return click.option(
        "--emulator-db",
        "--db",
        "db_url",
        cls=AliasedOption,
        hidden_aliases=("--db",),
        metavar="URL",
        help=f"The emulator's store: sqlite:///path or postgresql://... (default: "
        f"${EMULATOR_DB_ENV}, else sqlite:///.scimguard/emulator.db).",
    )(function)


def state_db_option(function: F) -> F:
    """`--state-db URL` (old spelling `--db`) into the parameter `db_url`."""
    return click.option(
        "--state-db",
        "--db",
        "db_url",
        cls=AliasedOption,
        hidden_aliases=("--db",),
        metavar="URL",
        help="The engine's state, where `sync` records its runs and tasks and `tasks` and the "
        f"console read them (default: ${STATE_DB_ENV}, else sqlite:///.scimguard/engine.db).",
    )(function)


# --- opening them: one message, one exit code (scimguard.errors.DatabaseUnavailable) -----------


def open_state(db_url: str | None, *, console: bool = False):  # type: ignore[no-untyped-def]
    """The engine's state (`--state-db`), migrated; with `console`, the console's tables too."""
    if console:
        from scimguard.console.db import open_engine
    else:
        from scimguard.sync.db import open_engine
    url = db_url or default_url("engine")
    try:
        return open_engine(url)
    except Exception as exc:  # a bad URL, an unreachable server, a file in the way
        raise DatabaseUnavailable(redact(url), "--state-db", exc) from None


def open_emulator(db_url: str | None):  # type: ignore[no-untyped-def]
    """The emulator's store (`--emulator-db`), migrated: a `server.db.Database`."""
    from scimguard.server.db import Database

    url = db_url or default_url("emulator")
    try:
        return Database(url)
    except Exception as exc:
        raise DatabaseUnavailable(redact(url), "--emulator-db", exc) from None
