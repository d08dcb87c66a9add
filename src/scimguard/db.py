"""Database URLs and engines: SQLite (WAL) by default, PostgreSQL (psycopg 3) when given.

Both the emulator (`serve`) and the engine (`sync`, `tasks`, `console`) open their database
through here, so the SQLite pragmas and the URL rules live in one place.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

DEFAULT_DIR = Path(".scimguard")
STATE_DB_ENV = "SCIMGUARD_STATE_DB"  # the engine's state (sync, tasks, console)
EMULATOR_DB_ENV = "SCIMGUARD_EMULATOR_DB"  # the emulator's store (serve, tenant, token)
# The earlier names, still read after the new ones.
_ENV = {
    "engine": (STATE_DB_ENV, "SCIMGUARD_DB"),
    "emulator": (EMULATOR_DB_ENV, "SCIMGUARD_SERVE_DB"),
}


def default_url(kind: str) -> str:
    """The default database of a component: `engine` or `emulator`, under ./.scimguard/."""
    for env in _ENV[kind]:
        if os.environ.get(env):
            return os.environ[env]
    return f"sqlite:///{DEFAULT_DIR / (kind + '.db')}"


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` and use psycopg 3; pass SQLite through."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine with SQLite set up for concurrent use (WAL, busy timeout, foreign keys)."""
    url = normalize_url(url)
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


_migrated_lock = threading.Lock()
_migrated: set[tuple[str, str]] = set()


def upgrade(engine: Engine, script_location: Path) -> None:
    """Run one Alembic chain (a package's `migrations/` directory) to its newest revision."""
    # why: Alembic loads only when a chain is run, once per process and database
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Two processes starting together on a fresh database (two schedulers, two
            # emulator workers) would both create the tables; the second waits here instead,
            # then finds the chain at head. Released with the transaction.
            key = zlib.crc32(script_location.parent.name.encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def upgrade_once(engine: Engine, url: str, script_location: Path) -> None:
    """`upgrade`, but only the first time this process opens `url` with that chain."""
    key = (url, str(script_location))
    with _migrated_lock:
        if key not in _migrated:
            upgrade(engine, script_location)
            _migrated.add(key)
