"""Stopping a run cleanly: once asked, no new request goes out; those in flight finish.

A scheduler (SIGTERM, a lost lease) closes the `Gate` of the run it started; the SCIM client
sends each request inside `in_flight()`, which from then on waits for ever instead of sending.
When nothing is in flight the scheduler cancels the run, and the executor's `finally` records
what was done. Without a gate (the interactive command, tests, Retry) `in_flight` does nothing.
The gate travels in a context variable, so `run_sync_async` needs no new argument.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar


class Gate:
    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()
        self.in_flight = 0

    def close(self) -> None:
        self.closed.set()


current_gate: ContextVar[Gate | None] = ContextVar("scimguard_gate", default=None)


@asynccontextmanager
async def in_flight() -> AsyncIterator[None]:
    gate = current_gate.get()
    if gate is None:
        yield
        return
    if gate.closed.is_set():
        await asyncio.Future()  # never sent: the run is cancelled once the gate is idle
    gate.in_flight += 1
    gate.idle.clear()
    try:
        yield
    finally:
        gate.in_flight -= 1
        if gate.in_flight == 0:
            gate.idle.set()
