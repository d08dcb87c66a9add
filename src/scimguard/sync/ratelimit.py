"""A pacing rate limiter: at most `rate` calls per second, spread evenly, with a small burst.

AWS counts SCIM calls per second per Identity Store (25 writes, 40 reads). Spreading calls
evenly keeps a token-bucket server from ever seeing a burst above its capacity, so a
well-behaved run sees no 429 at all; `pause(seconds)` lets a 429's Retry-After hold everyone.
"""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    def __init__(self, rate: float, burst: int = 1) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate
        self.burst = max(1, burst)
        self._next = 0.0  # monotonic time of the next free slot
        self._lock = asyncio.Lock()
        self.calls = 0

    async def acquire(self) -> None:
        async with self._lock:
            now = time.monotonic()
            # Unused slots accumulate up to `burst` calls, never more.
            earliest = now - (self.burst - 1) * self.interval
            slot = max(self._next, earliest)
            self._next = slot + self.interval
            self.calls += 1
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (a 429 with Retry-After)."""
        self._next = max(self._next, time.monotonic() + seconds)
