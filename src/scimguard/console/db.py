"""Opening the engine database for the console, with the console's tables current.

The console lives in the engine database (it shows the engine's tasks), but keeps its own
Alembic chain and version table so the two schemas never share a revision history.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select

from scimguard import db
from scimguard.console.tables import settings
from scimguard.sync.db import open_engine as open_engine_db

VERSION_TABLE = "scimguard_console_version"
_MIGRATIONS = Path(__file__).with_name("migrations")


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def migrate(engine: Engine) -> None:
    """Bring the console tables to the newest revision (safe to call repeatedly)."""
    db.upgrade(engine, _MIGRATIONS)


def open_engine(url: str | None = None) -> Engine:
    """The engine database (default `db.default_url("engine")`), both chains migrated."""
    url = db.normalize_url(url or db.default_url("engine"))
    engine = open_engine_db(url)
    db.upgrade_once(engine, url, _MIGRATIONS)
    return engine


def cookie_secret(engine: Engine) -> str:
    """The secret that signs session cookies: made on first start, kept in the database, never
    printed or logged. Several console processes on one database share it."""
    with engine.begin() as conn:
        value = conn.execute(
            select(settings.c.value).where(settings.c.name == "cookie_secret")
        ).scalar()
        if value:
            return value
        value = secrets.token_urlsafe(48)
        try:
            with conn.begin_nested():
                conn.execute(insert(settings).values(name="cookie_secret", value=value))
        except Exception:  # another process made it first: use theirs
            value = conn.execute(
                select(settings.c.value).where(settings.c.name == "cookie_secret")
            ).scalar_one()
        return value
