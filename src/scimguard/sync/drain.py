"""Stopping a run cleanly: once asked, no new request goes out; those in flight finish.

A scheduler (SIGTERM, a lost lease) closes the `Gate` of the run it started; the SCIM client
sends each request inside `in_flight()`, which from then on waits for ever instead of sending.
When nothing is in flight the scheduler cancels the run, and the executor's `finally` records
what was done. Without a gate (the interactive command, tests, Retry) `in_flight` does nothing.
The gate travels in a context variable, so `run_sync_async` needs no new argument.
"""

from __future__ import annotations

import asyncio
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


class in_flight:  # lower case: used as a function, `async with in_flight():`
    """One request on the wire. A class, not `@asynccontextmanager`: it wraps every request."""

    __slots__ = ("gate",)

    async def __aenter__(self) -> None:
        gate = self.gate = current_gate.get()
        if gate is None:
            return
        if gate.closed.is_set():
            await asyncio.Future()  # never sent: the run is cancelled once the gate is idle
        gate.in_flight += 1
        gate.idle.clear()

    async def __aexit__(self, *exc: object) -> None:
        gate = self.gate
        if gate is not None:
            gate.in_flight -= 1
            if gate.in_flight == 0:
                gate.idle.set()
