"""Retry of tasks: re-read the record from its source, check it again, send only its operations."""

from __future__ import annotations

from sqlalchemy import Engine

from scimguard.sync.tasks import RetryOutcome


def retry(engine: Engine, ids: list[int], *, token: str | None = None) -> list[RetryOutcome]:
    raise NotImplementedError("retry lands with the executor")
