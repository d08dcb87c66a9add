"""Helpers of the *Apply suggested fix* tests: a real sync from a local fake of Okta's API (or
from a CSV file) into a real emulator, leaving one blocked task to fix from the console."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from console_helpers import SCIMGUARD, ZWSP

from scimguard.server.testing import RunningEmulator, running_emulator

OKTA_TOKEN = "okta-write-token"
OKTA_READ_ONLY = "okta-read-only-token"
JANE_OKTA = "jane@example.com"


def _fake_okta_module() -> Any:
    """tests/sync/fake_okta.py, loaded by path (each test area has its own sys.path entry)."""
    name = "fake_okta"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "sync" / "fake_okta.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fake_okta = _fake_okta_module()


@dataclass
class Loop:
    db_url: str
    emulator: RunningEmulator
    tenant: str
    token: str
    okta: Any = None  # the FakeOkta, for an Okta source
    csv_path: Path | None = None

    @property
    def target(self) -> str:
        return self.emulator.base_url(self.tenant)


def _sync(args: list[str], db_url: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [SCIMGUARD, "sync", *args],
        env={**os.environ, "SCIMGUARD_DB": db_url, **env},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 1, result.stdout + result.stderr  # 1: some tasks
    return result.stdout


@contextmanager
def okta_loop(tmp_path: Path, setenv: Any, mapping: str | None = None) -> Iterator[Loop]:
    """Two Okta users; Jane's first name ends with a zero-width space (blocked, never sent)."""
    with (
        fake_okta.FakeOkta(OKTA_TOKEN, page_size=50) as okta,
        running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu,
    ):
        okta.read_only_tokens.add(OKTA_READ_ONLY)
        okta.users = [
            fake_okta.okta_user("00u1", "ann@example.com", "Ann", "Lee"),
            fake_okta.okta_user("00u2", JANE_OKTA, "Jane" + ZWSP, "Doe", displayName="Jane Doe"),
        ]
        tenant, token = emu.create_tenant()
        db_url = f"sqlite:///{tmp_path / 'engine.db'}"
        setenv("SCIMGUARD_TARGET_TOKEN", token)
        setenv("OKTA_API_TOKEN", OKTA_TOKEN)
        args = ["--okta-org", okta.url, "--target", emu.base_url(tenant)]
        if mapping:
            path = tmp_path / "mapping.toml"
            path.write_text(mapping, encoding="utf-8")
            args += ["--mapping", str(path)]
        _sync(args, db_url, {"OKTA_API_TOKEN": OKTA_TOKEN})
        yield Loop(db_url, emu, tenant, token, okta=okta)


CSV_HEADER = "userName,name.givenName,name.familyName,displayName,emails[0].value,externalId\r\n"


def csv_bytes() -> bytes:
    """Four users; Tom's first name ends with a zero-width space, Max has no last name (both
    blocked)."""
    rows = [
        "ann@example.com,Ann,Lee,Ann Lee,ann@example.com,e-ann",
        f"tom@example.com,Tom{ZWSP},Ray,Tom Ray,tom@example.com,e-tom",
        "sue@example.com,Sue,Kim,Sue Kim,sue@example.com,e-sue",
        "max@example.com,Max,,Max,max@example.com,e-max",
    ]
    return (CSV_HEADER + "".join(r + "\r\n" for r in rows)).encode()


@contextmanager
def csv_loop(tmp_path: Path, setenv: Any, data: bytes | None = None) -> Iterator[Loop]:
    with running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        db_url = f"sqlite:///{tmp_path / 'engine.db'}"
        path = tmp_path / "people.csv"
        path.write_bytes(csv_bytes() if data is None else data)
        setenv("SCIMGUARD_TARGET_TOKEN", token)
        _sync([str(path), "--target", emu.base_url(tenant)], db_url, {})
        yield Loop(db_url, emu, tenant, token, csv_path=path)
