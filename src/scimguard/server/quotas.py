"""Per-tenant token buckets: AWS's 25 writes and 40 reads per second, 429 beyond.

Buckets live in the process. With several workers each worker gets an equal share of the quota
(`workers` below), so the sum over workers is the configured quota (docs/serve.md).
"""

from __future__ import annotations

import threading
import time

from scimguard.server import codes
from scimguard.server.errors import THROTTLED_429, ScimError


class TokenBucket:
    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(rate, 1.0)
        self.tokens = self.capacity
        self.updated = time.monotonic()

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Quotas:
    def __init__(self, writes: float, reads: float, *, enabled: bool = True, workers: int = 1):
        self.enabled = enabled
        self.rates = {"write": writes / workers, "read": reads / workers}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, tenant: str, kind: str) -> None:
        """Take one request from the tenant's bucket, or raise AWS's 429."""
        if not self.enabled:
            return
        with self._lock:
            bucket = self._buckets.get((tenant, kind))
            if bucket is None:
                bucket = self._buckets[(tenant, kind)] = TokenBucket(self.rates[kind])
            allowed = bucket.take(time.monotonic())
        if not allowed:
            raise ScimError(429, THROTTLED_429, [codes.THROTTLED])
