"""The emulator's database: engine set-up, migrations, and write transactions.

SQLite: writes take the database lock up front (`BEGIN IMMEDIATE`) and, within one process, a
lock, so a read-then-write (PATCH) never fails on a stale snapshot. PostgreSQL: plain
transactions; uniqueness is still the UNIQUE indexes' job.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, event, text

from scimguard.db import is_sqlite, make_engine, normalize_url

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "scimguard_emulator_version"
_MIGRATION_LOCK_ID = 0x5C1A6A4D  # pg_advisory_xact_lock key: one migrator at a time


def open_engine(url: str) -> Engine:
    url = normalize_url(url)
    if not is_sqlite(url):
        return make_engine(url, pool_size=20, max_overflow=20)
    # LIFO: the same few connections serve every request, so their page caches stay warm
    engine = make_engine(url, pool_size=20, max_overflow=20, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _manual_transactions(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages per connection
        cursor.execute("PRAGMA mmap_size=268435456")  # read the file through a 256 MiB map
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sg_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (safe to call from several workers at once)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            with conn.begin():
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
                command.upgrade(alembic_config(conn), "head")
        else:
            conn.execution_options(sg_write=True)
            with conn.begin():
                command.upgrade(alembic_config(conn), "head")


class Database:
    """An engine plus the write discipline of its backend."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = normalize_url(url)
        self.engine = open_engine(self.url)
        self.sqlite = is_sqlite(self.url)
        self._write_lock = threading.Lock() if self.sqlite else None
        if migrate:
            upgrade(self.engine)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.connect() as conn:
            conn.execution_options(sg_write=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()
