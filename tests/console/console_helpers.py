"""Helpers of the console's tests: servers in threads and subprocesses, sign-in, source files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from scimguard.console.accounts import create_admin
from scimguard.console.db import open_engine
from scimguard.server.testing import RunningEmulator, free_port, running_emulator

CHROMIUM = Path(os.environ.get("SCIMGUARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN = "admin"
PASSWORD = "correct horse battery staple"
ZWSP = "\u200b"
SCIMGUARD = str(Path(sys.executable).with_name("scimguard"))


def htmx_swapped(page: Any, action: Any) -> None:
    """Do `action` and wait until htmx has settled what it swapped in. htmx pushes the new
    address before it settles (and only then makes the swapped-in form live again), so waiting
    for the address alone races the next change of a filter."""
    page.evaluate(
        "() => { window.__settled = false; document.body.addEventListener("
        "'htmx:afterSettle', () => { window.__settled = true }, { once: true }) }"
    )
    action()
    page.wait_for_function("() => window.__settled === true")


DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page: Any, name: str, scratch: Path) -> Path:
    """A full-page screenshot: into docs/screenshots with SCIMGUARD_SCREENSHOTS=1 (the docs'
    pictures, refreshed on purpose), else into `scratch`, so that a test run leaves the
    checkout as it found it."""
    folder = DOCS_SCREENSHOTS if os.environ.get("SCIMGUARD_SCREENSHOTS") == "1" else scratch
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """An ASGI app under uvicorn in a thread, on a free port, until the block ends."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"console-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the console did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def console_process(
    db_url: str, env: dict[str, str] | None = None, args: list[str] | None = None
) -> Iterator[str]:
    """`scimguard console` as a user starts it: a subprocess, waited for until it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [SCIMGUARD, "console", "--db", db_url, "--port", str(port), *(args or [])],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"scimguard console exited: {proc.stderr.read()}")
            try:
                httpx.get(url + "/signin", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(
    client: httpx.Client, username: str = ADMIN, password: str = PASSWORD
) -> httpx.Response:
    """Sign in through the form, as a browser would (GET the form, POST it with its token)."""
    page = client.get("/signin")
    return client.post(
        "/signin",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
    )


@dataclass
class Directory:
    """A source file of users (JSONL) that a test can fix, like an admin fixing the IdP."""

    path: Path
    records: list[dict[str, Any]] = field(default_factory=list)

    def write(self) -> None:
        self.path.write_text("".join(json.dumps(r) + "\n" for r in self.records), encoding="utf-8")

    def set(self, user_name: str, **changes: Any) -> None:
        for record in self.records:
            if record.get("userName") == user_name:
                record.update(changes)
        self.write()


def person(n: int | str, given: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {
        "externalId": f"ext-{n}",
        "userName": f"user{n}@example.com",
        "name": {"givenName": given or f"Given{n}", "familyName": f"Family{n}"},
        "displayName": f"User {n}",
        "emails": [{"value": f"user{n}@example.com", "type": "work", "primary": True}],
        "active": True,
    }
    body.update(extra)
    return body


@dataclass
class Synced:
    """An engine database after a real sync into a real emulator that left tasks behind."""

    db_url: str
    emulator: RunningEmulator
    tenant: str
    token: str
    directory: Directory
    sync_output: str

    @property
    def target(self) -> str:
        return self.emulator.base_url(self.tenant)

    def target_users(self) -> dict[str, dict[str, Any]]:
        r = httpx.get(
            self.target + "/Users?count=100", headers={"Authorization": f"Bearer {self.token}"}
        )
        r.raise_for_status()
        return {u["userName"]: u for u in r.json()["Resources"]}


JANE = "jane@example.com"  # her first name ends with a zero-width space: blocked
SAM = "sam@example.com"  # title "R&D: lab": sent, and refused by the target (failed)


@contextmanager
def synced_into(tmp_path: Path, db_url: str, setenv: Any) -> Iterator[Synced]:
    """Three good users; Jane, whose first name ends with a zero-width space (blocked: never
    sent); Sam, whose title has a colon that the run allows and the target refuses (failed)."""
    with running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        directory = Directory(
            tmp_path / "users.jsonl",
            [
                person(1),
                person(2),
                person(3),
                person(
                    "jane",
                    given="Jane" + ZWSP,
                    userName=JANE,
                    displayName="Jane Doe",
                    emails=[{"value": JANE, "type": "work", "primary": True}],
                ),
                person(
                    "sam",
                    userName=SAM,
                    displayName="Sam Lab",
                    title="R&D: lab",
                    emails=[{"value": SAM, "type": "work", "primary": True}],
                ),
                {
                    "externalId": "grp-eng",
                    "displayName": "Engineering",
                    "members": [{"value": "user1@example.com"}, {"value": "user2@example.com"}],
                },
            ],
        )
        directory.write()
        # The console's retries read the token from the run's --token-env variable, as in use.
        setenv("SCIMGUARD_TARGET_TOKEN", token)
        result = subprocess.run(
            [
                SCIMGUARD,
                "sync",
                str(directory.path),
                "--target",
                emu.base_url(tenant),
                # allowed locally, still refused by the emulator: a real 400 from the target
                "--allow-legacy-characters",
            ],
            env={**os.environ, "SCIMGUARD_DB": db_url},
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 1, result.stdout + result.stderr  # 1: some tasks
        yield Synced(db_url, emu, tenant, token, directory, result.stdout + result.stderr)


def add_admin(db_url: str, username: str = ADMIN, password: str = PASSWORD) -> None:
    create_admin(open_engine(db_url), username, password)


def missing_service(what: str) -> None:
    """The root conftest's rule (fail in CI, skip elsewhere), loaded by path: `conftest` is a
    module name every test area reuses, so `from conftest import ...` is ambiguous here."""
    import importlib.util

    root = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("scimguard_tests_root_conftest", root)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.missing_service(what)
