"""Emulator fixtures: a live server over a real socket, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from serve_helpers import Scim, scim_client

from scimguard.server.testing import RunningEmulator, running_emulator


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'emulator.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'emulator.db'}"


@pytest.fixture
def emu(db_url: str) -> Iterator[RunningEmulator]:
    with running_emulator(db_url, quotas=False) as running:
        yield running


@pytest.fixture
def client(emu: RunningEmulator) -> Iterator[Scim]:
    with scim_client(emu) as c:
        yield c
