"""The engine database as a source's memory between runs (the `SourceState` of sources/base.py).

A source that can read only what changed (Entra ID's delta queries) keeps its cursor and its
last full read here, under a key naming its spec. It saves only after a complete read, so a
failed run leaves the last good state; deleting the engine database means a full read next.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from scimguard.sync.db import now
from scimguard.sync.tables import source_state


class EngineSourceState:
    """`load`/`save` of JSON values in the table `sync_source_state`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, key: str) -> Any | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(source_state.c.value).where(source_state.c.key == key)
            ).scalar_one_or_none()
        return None if value is None else json.loads(value)

    def save(self, key: str, value: Any) -> None:
        text = json.dumps(value, separators=(",", ":"))
        with self.engine.begin() as conn:  # delete + insert: the same on SQLite and PostgreSQL
            conn.execute(delete(source_state).where(source_state.c.key == key))
            conn.execute(insert(source_state).values(key=key, value=text, updated_at=now()))
