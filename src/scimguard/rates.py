"""AWS's request rates per Identity Store: the one home of "25 writes, 40 reads per second".

Two things are set from them and must not drift apart: the quota the emulator enforces
(`serve --quota-writes/--quota-reads`, `server.settings.Settings`) and the pace a client keeps
(`sync --rate-writes/--rate-reads`, `sync.client.ScimClient`, a run's stored settings).
"""

from __future__ import annotations

WRITES_PER_SECOND = 25.0
READS_PER_SECOND = 40.0
