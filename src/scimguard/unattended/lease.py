"""One run at a time per target, even from two machines: a lease row in the engine's state.

The row (`sync_leases`, one per target URL) names its holder and when it expires. Taking it is
a compare-and-set in one transaction: insert it if absent (`ON CONFLICT DO NOTHING`), else
update it only `WHERE` it has expired or is already ours; the row count says who won. On
PostgreSQL the second writer waits on the row lock and re-checks the `WHERE` on the new row;
on SQLite writers are serialised. Advisory locks would do on PostgreSQL only, and die with a
connection that a pool may keep open; a row with an expiry works on both and survives a
crashed holder (it expires).

Times are the database's clock (epoch seconds), never the machine's: two schedulers on two
hosts agree on "expired" even when their clocks do not.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    MetaData,
    Table,
    Text,
    TextClause,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

DEFAULT_LEASE = 60.0  # seconds; renewed every third of it while a run holds the lease
metadata = MetaData()

leases = Table(
    "sync_leases",
    metadata,
    Column("name", Text, primary_key=True),  # the target URL
    Column("holder", Text, nullable=False),  # host:pid:nonce
    Column("acquired_at", Float, nullable=False),  # epoch seconds, the database's clock
    Column("renewed_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)


def holder_id() -> str:
    """Who holds a lease: readable (host, pid) and unique (a nonce)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _dead_here(holder: str) -> bool:
    """A holder on this host whose process is gone (killed, crashed): no need to wait it out.

    Conservative: another host, or a pid that is alive (even if reused), waits for the expiry.
    """
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # this process does not hold it (ours would match `holder`): a former life
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else
        return False
    return False


def _db_now(engine: Engine) -> TextClause:
    if engine.dialect.name == "postgresql":
        return text("extract(epoch from clock_timestamp())::float8")
    return text("(julianday('now') - 2440587.5) * 86400.0")


@dataclass(frozen=True)
class Holder:
    """The current holder of a lease, to say who is running."""

    holder: str
    expires_in: float


class Lease:
    """The lease of one target in one engine database."""

    def __init__(self, engine: Engine, name: str, ttl: float, holder: str | None = None):
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = holder or holder_id()
        self._insert = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert

    def _now(self, conn: Connection) -> float:
        return float(conn.execute(select(_db_now(self.engine))).scalar_one())

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or ours; False when someone else holds it."""
        c = leases.c
        with self.engine.begin() as conn:
            now = self._now(conn)
            values = {"holder": self.holder, "acquired_at": now, "renewed_at": now}
            inserted = conn.execute(
                self._insert(leases)
                .values(name=self.name, expires_at=now + self.ttl, **values)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            if inserted.rowcount == 1:
                return True
            free = (c.expires_at < now) | (c.holder == self.holder)
            holder = conn.execute(select(c.holder).where(c.name == self.name)).scalar()
            if holder is not None and _dead_here(holder):
                free = free | (c.holder == holder)  # still compare-and-set: that holder only
            taken = conn.execute(
                update(leases)
                .where(c.name == self.name, free)
                .values(expires_at=now + self.ttl, **values)
            )
            return taken.rowcount == 1

    def renew(self) -> bool:
        """Push the expiry on; False when the lease is no longer ours (stop at once)."""
        c = leases.c
        with self.engine.begin() as conn:
            now = self._now(conn)
            renewed = conn.execute(
                update(leases)
                .where(c.name == self.name, c.holder == self.holder)
                .values(renewed_at=now, expires_at=now + self.ttl)
            )
            return renewed.rowcount == 1

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(leases).where(leases.c.name == self.name, leases.c.holder == self.holder)
            )

    def current(self) -> Holder | None:
        """Who holds the lease now (None: nobody, or it expired)."""
        with self.engine.connect() as conn:
            now = self._now(conn)
            row = conn.execute(
                select(leases.c.holder, leases.c.expires_at).where(leases.c.name == self.name)
            ).first()
        if row is None or row.expires_at < now:
            return None
        return Holder(row.holder, row.expires_at - now)

    @contextmanager
    def renewing(self, on_lost: Callable[[], None]) -> Iterator[None]:
        """Renew every third of the TTL in a thread while the block runs, then release.

        A thread, because the run's event loop blocks on its own database writes; `on_lost`
        is called (from that thread) if the lease was taken over, so the run can stop.
        """
        stop = threading.Event()

        def keep() -> None:
            while not stop.wait(self.ttl / 3):
                try:
                    ok = self.renew()
                except Exception:  # the database is away for a moment: retry, then expire
                    continue
                if not ok:
                    on_lost()
                    return

        thread = threading.Thread(target=keep, name="scimguard-lease", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=10)
            with suppress(Exception):  # if the database is away, the lease expires on its own
                self.release()
