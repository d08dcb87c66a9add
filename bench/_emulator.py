"""A server in its own process for a benchmark: `scimguard serve`, or the baseline it is compared
with, started, waited for until its port accepts a connection, and stopped.

In a process of its own, not in `scimguard.server.testing`'s thread: a benchmark measures the
server as `scimguard serve` runs it, beside the client rather than in the client's interpreter.
Used by serve_throughput.py, sync_quota.py and entra_resync.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent  # the environment's commands: scimguard, scim2-server


def start_server(argv: list[str], port: int, timeout: float = 60.0) -> subprocess.Popen[bytes]:
    """Run `argv` and return once 127.0.0.1:`port` accepts a connection.

    Its stderr goes to a temporary file (a pipe nobody reads would stall a chatty server) and
    is shown if it exits, or does not listen, within `timeout` seconds.
    """
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc
            except OSError:
                time.sleep(0.1)
        proc.kill()
        proc.wait()
        log.seek(0)
        said = log.read().decode(errors="replace")[-4000:]
    raise SystemExit(f"{Path(argv[0]).name} did not start on port {port}: {said}")


def start_emulator(
    db_url: str, port: int, *, quotas: tuple[float, float] | None
) -> subprocess.Popen[bytes]:
    """`scimguard serve` on `db_url`, with quotas of (writes/s, reads/s) per tenant, or none."""
    limits = (
        ["--no-quotas"]
        if quotas is None
        else ["--quota-writes", str(quotas[0]), "--quota-reads", str(quotas[1])]
    )
    argv = [str(BIN / "scimguard"), "serve", "--emulator-db", db_url, "--port", str(port)]
    return start_server([*argv, *limits], port)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a service manager stops it, and wait for it to exit."""
    proc.terminate()
    proc.wait(timeout=30)
