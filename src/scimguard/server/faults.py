"""Seeded fault injection (`--fault-rate P --fault-status 500,503 --fault-seed N`).

A fault answers the request before it touches the database, so a client's retry is safe and
the outcome of a run is reproducible from the seed (for one client issuing requests in order).
"""

from __future__ import annotations

import random
import threading

from scimguard.server import codes
from scimguard.server.errors import FAULT_DETAILS, ScimError


class Faults:
    def __init__(self, rate: float, statuses: tuple[int, ...], seed: int | None) -> None:
        self.rate = rate
        self.statuses = statuses or (500,)
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def maybe_fail(self) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            hit = self._random.random() < self.rate
            status = self._random.choice(self.statuses) if hit else 0
        if hit:
            detail = FAULT_DETAILS.get(status, "Service failed to process the request.")
            raise ScimError(status, detail, [codes.INJECTED_FAULT])
