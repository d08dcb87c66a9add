"""Opening the engine database and keeping its schema current (Alembic, on every start).

Everything that reads or writes the engine's state (sync, tasks, the console) opens it here:
`open_engine(url)` runs the migrations of `scimguard.sync.migrations` once per process and URL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from scimguard import db

VERSION_TABLE = "scimguard_engine_version"
_MIGRATIONS = Path(__file__).with_name("migrations")


def now() -> datetime:
    return datetime.now(UTC)


def migrate(engine: Engine) -> None:
    """Bring the engine database to the newest revision (safe to call repeatedly)."""
    db.upgrade(engine, _MIGRATIONS)


def open_engine(url: str | None = None) -> Engine:
    """An engine on the engine database (default `db.default_url("engine")`), migrated."""
    url = db.normalize_url(url or db.default_url("engine"))
    engine = db.make_engine(url)
    db.upgrade_once(engine, url, _MIGRATIONS)
    return engine
