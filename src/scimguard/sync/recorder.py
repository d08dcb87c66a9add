"""What a run records in the engine's state: its tasks, the resources it owns, the tasks it closes.

Writes are batched (`FLUSH_EVERY`) so that a run of thousands of records costs a few
transactions, and made at the end of each phase (`flush`). Without a database (a dry run)
nothing is written. Crash safety lives here: `write_intents` records every create before it is
sent (see sync/executor.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from scimguard.profile import Finding
from scimguard.sync import tasks as task_store
from scimguard.sync.client import Reply
from scimguard.sync.db import now
from scimguard.sync.ops import Op, Owned
from scimguard.sync.planner import COUNTS, total
from scimguard.sync.tables import resources, tasks

FLUSH_EVERY = 200


@dataclass
class Outcome:
    """What a run did, counted per kind (`COUNTS`), and the tasks it filed."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {kind: dict.fromkeys(COUNTS, 0) for kind in ("user", "group")}
    )
    stopped: str | None = None
    not_attempted: int = 0
    task_ids: list[int] = field(default_factory=list)

    def add(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n

    def summary(self) -> dict[str, int]:
        return total(self.counts)

    def by_kind(self) -> dict[str, dict[str, int]]:
        return {kind: dict(counts) for kind, counts in self.counts.items()}


class Recorder:
    """The state-database side of one run (the executor does the sending)."""

    def __init__(
        self, engine: Engine | None, target_url: str, run_id: int | None, outcome: Outcome
    ) -> None:
        self.engine = engine
        self.target_url = target_url
        self.run_id = run_id
        self.outcome = outcome
        self._pending: list[dict[str, Any]] = []
        self._done: list[tuple[str, str]] = []  # (kind, key) that went through
        self._owned_updates: list[tuple[str, str, str | None, dict[str, Any]]] = []
        self._open: set[tuple[str, str]] = set()
        self.failed_keys: set[tuple[str, str]] = set()
        self.keep_open: set[tuple[str, str]] = set()  # records still failing, not sent again

    def load_open(self) -> None:
        if self.engine is None:
            return
        with self.engine.connect() as conn:
            self._open = {
                (k, r)
                for k, r in conn.execute(
                    select(tasks.c.kind, tasks.c.record_key).where(
                        tasks.c.state.in_(task_store.OPEN_STATES)
                    )
                )
            }

    def task(
        self,
        op_kind: str,
        key: str,
        display: str,
        operation: str,
        state: str,
        rule: str,
        findings: list[Finding],
        reply: Reply | None,
        request: dict[str, Any] | None,
        source: dict[str, Any] | None,
        digest: str | None = None,
    ) -> None:
        self.failed_keys.add((op_kind, key))
        self.outcome.add(op_kind, state)
        self._pending.append(
            {
                "run_id": self.run_id,
                "kind": op_kind,
                "record_key": key,
                "display": display,
                "operation": operation,
                "state": state,
                "rule": rule,
                "request": request
                if request is not None
                else (reply.request_dict() if reply else None),
                "response": reply.response_dict() if reply else None,
                "findings": [f.to_dict() for f in findings],
                "attempts": reply.attempts if reply else 0,
                "source": source,
                "target_url": self.target_url,
                "digest": digest,
            }
        )
        self._maybe_flush()

    def succeeded(self, kind: str, key: str) -> None:
        if (kind, key) in self._open:
            self._done.append((kind, key))

    def own(self, kind: str, key: str, target_id: str | None, **values: Any) -> None:
        self._owned_updates.append((kind, key, target_id, values))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        size = len(self._pending) + len(self._done) + len(self._owned_updates)
        if size >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.engine is None:
            self._pending.clear()
            self._done.clear()
            self._owned_updates.clear()
            return
        pending, done, owned = self._pending, self._done, self._owned_updates
        self._pending, self._done, self._owned_updates = [], [], []
        if not (pending or done or owned):
            return
        with self.engine.begin() as conn:
            self._write_owned(conn, owned)
            for kind, key in done:
                if (kind, key) not in self.failed_keys and (kind, key) not in self.keep_open:
                    task_store.close_tasks(conn, kind, key, self.run_id)
            for item in pending:
                self.outcome.task_ids.append(task_store.file_task(conn, **item))

    def _write_owned(
        self, conn: Connection, rows: list[tuple[str, str, str | None, dict[str, Any]]]
    ) -> None:
        """Upsert rows of `sync_resources` by (kind, record_key), in bulk."""
        if not rows:
            return
        t = resources.c
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for kind, key, target_id, values in rows:
            data = merged.setdefault((kind, key), {})
            data.update(values)
            if target_id is not None:
                data["target_id"] = target_id
        existing: dict[tuple[str, str], int] = {}
        keys = list(merged)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            for kind in {k for k, _ in chunk}:
                names = [r for k, r in chunk if k == kind]
                for row in conn.execute(
                    select(t.id, t.record_key).where(
                        t.target_url == self.target_url, t.kind == kind, t.record_key.in_(names)
                    )
                ):
                    existing[(kind, row.record_key)] = row.id
        stamp = now()
        inserts = []
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for (kind, key), data in merged.items():
            data = {**data, "updated_at": stamp, "run_id": self.run_id}
            row_id = existing.get((kind, key))
            if row_id is None:
                inserts.append(
                    {
                        "target_url": self.target_url,
                        "kind": kind,
                        "record_key": key,
                        "created_at": stamp,
                        "target_id": None,
                        "external_id": None,
                        "name": None,
                        "name_lower": None,
                        "state": "active",
                        **data,
                    }
                )
            else:
                updates.setdefault(tuple(sorted(data)), []).append({"_id": row_id, **data})
        if inserts:
            conn.execute(resources.insert(), inserts)
        for columns, params in updates.items():
            statement = (
                update(resources)
                .where(t.id == bindparam("_id"))
                .values({c: bindparam(c) for c in columns})
            )
            conn.execute(statement, params)

    def write_intents(self, ops: list[Op]) -> None:
        """Before any create is sent: write it down (crash safety)."""
        if self.engine is None or not ops:
            return
        rows: list[tuple[str, str, str | None, dict[str, Any]]] = []
        for op in ops:
            rec = op.record
            name = rec.name if rec else op.display
            values = {
                "state": "pending",
                "target_id": None,
                "external_id": rec.external_id if rec else None,
                "name": name,
                "name_lower": name.lower() if name else None,
            }
            rows.append((op.kind, op.key, None, values))
        with self.engine.begin() as conn:
            self._write_owned(conn, rows)

    def write_claims(self, claims: list[Owned]) -> None:
        for claim in claims:
            self.own(
                claim.kind,
                claim.record_key,
                claim.target_id,
                state="active",
                external_id=claim.external_id,
                name_lower=claim.name_lower,
            )
