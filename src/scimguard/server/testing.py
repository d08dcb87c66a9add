"""Run a real emulator for tests: uvicorn in a background thread, on a free port.

    from scimguard.server.testing import running_emulator

    with running_emulator("sqlite:///tmp/e.db", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        httpx.get(emu.base_url(tenant) + "/Users", headers={"Authorization": f"Bearer {token}"})

Keyword arguments are `Settings` fields (`quotas=False`, `detail="specific"`, ...).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from scimguard.server.app import Emulator, create_app
from scimguard.server.db import Database
from scimguard.server.settings import HTTP_OPTIONS, Settings
from scimguard.server.store import Store
from scimguard.server.tokens import create_tenant, create_token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_settings(**overrides: Any) -> Settings:
    """Settings from keyword arguments; `switches` may be a dict of profile switches."""
    return Settings.from_dict(overrides)


@dataclass
class RunningEmulator:
    url: str  # http://127.0.0.1:PORT
    emulator: Emulator
    server: uvicorn.Server

    def base_url(self, tenant_id: str) -> str:
        return f"{self.url}/{tenant_id}/scim/v2"

    def create_tenant(self) -> tuple[str, str]:
        """A new tenant and its first token: (tenant_id, token)."""
        tenant_id = create_tenant(self.emulator.db)
        _info, token = create_token(self.emulator.db, tenant_id)
        return tenant_id, token

    def create_token(self, tenant_id: str, days: float = 365) -> str:
        return create_token(self.emulator.db, tenant_id, days)[1]

    @property
    def store(self) -> Store:
        return self.emulator.store

    @property
    def db(self) -> Database:
        return self.emulator.db


@contextmanager
def running_emulator(db_url: str, **settings: Any) -> Iterator[RunningEmulator]:
    """A live emulator over a real socket until the block ends."""
    app = create_app(db_url, make_settings(**settings))
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        **HTTP_OPTIONS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"emulator-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the emulator did not start")
        time.sleep(0.02)
    try:
        yield RunningEmulator(f"http://127.0.0.1:{port}", app.state.emulator, server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
