"""Fixtures of the engine's tests: a real emulator over a real socket, an engine DB, runners."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sync_helpers import Target

from scimguard.server.testing import RunningEmulator, running_emulator


@pytest.fixture
def emulator(tmp_path) -> Iterator[RunningEmulator]:
    with running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu:
        yield emu


@pytest.fixture
def target(emulator) -> Target:
    tenant, token = emulator.create_tenant()
    return Target(emulator, tenant, token)


@pytest.fixture
def engine_db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'engine.db'}"
