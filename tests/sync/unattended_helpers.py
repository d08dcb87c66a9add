"""Helpers of the scheduled-mode tests: an emulator that counts its writes, schedulers as
real processes, their JSON events, and Prometheus text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from scimguard.server.app import create_app
from scimguard.server.testing import RunningEmulator, free_port, make_settings


@dataclass
class WriteLog:
    """An ASGI wrapper around the real emulator: every write it answered, in order."""

    app: Any
    writes: list[tuple[str, str, int]] = field(default_factory=list)

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http" or scope["method"] == "GET":
            return await self.app(scope, receive, send)
        status: list[int] = []

        async def send_status(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, send_status)
        self.writes.append((scope["method"], scope["path"], status[0] if status else 0))

    def count(self, method: str, resource: str, status: int | None = None) -> int:
        return sum(
            1
            for m, p, s in list(self.writes)
            if m == method and p.endswith(resource) and (status is None or s == status)
        )


@contextmanager
def counting_emulator(db_url: str, **settings: Any) -> Iterator[tuple[RunningEmulator, WriteLog]]:
    inner = create_app(db_url, make_settings(**settings))
    log = WriteLog(inner)
    port = free_port()
    config = uvicorn.Config(log, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the emulator did not start"
        time.sleep(0.02)
    try:
        yield RunningEmulator(f"http://127.0.0.1:{port}", inner.state.emulator, server), log
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def start_sync(args: list[str], token: str, stderr: Path, **env: str) -> subprocess.Popen:
    """`scimguard sync ...` as a background process, its stderr (the events) in a file."""
    full_env = {**os.environ, "SCIMGUARD_TARGET_TOKEN": token, **env}
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("scimguard")), "sync", *args],
        stdout=subprocess.DEVNULL,
        stderr=stderr.open("w"),
        env=full_env,
    )


def read_events(path: Path) -> list[dict]:
    """Every stderr line must be one JSON event."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def wait_for(check: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


def stop(process: subprocess.Popen, timeout: float = 60) -> int:
    import signal

    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=timeout)


def samples(text: str) -> dict[str, float]:
    """Prometheus text -> {'name{labels}': value} (labels as written)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out
