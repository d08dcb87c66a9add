"""Fixtures of the console's tests: a real console over uvicorn, a real engine database with
tasks filed by a real `scimguard sync` into a real emulator, and Chromium through Playwright."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from console_helpers import (
    ADMIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    JANE,
    PASSWORD,
    SCIMGUARD,
    TAKEN,
    ZWSP,
    Directory,
    Synced,
    missing_service,
    person,
    serving,
    sign_in,
)

from scimguard.console.accounts import Backoff, create_admin
from scimguard.console.app import create_app
from scimguard.console.store import open_engine
from scimguard.server.store import MANUAL
from scimguard.server.testing import running_emulator


@pytest.fixture
def synced(tmp_path, monkeypatch) -> Iterator[Synced]:
    """Three good users, Jane with `Jane<U+200B>`, and one whose userName is taken by hand."""
    with running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        emu.store.create_user(
            tenant,
            {
                "userName": TAKEN,
                "name": {"givenName": "Hand", "familyName": "Made"},
                "displayName": "Hand Made",
            },
            MANUAL,
        )
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
                    "taken",
                    userName=TAKEN,
                    displayName="Taken Name",
                    emails=[{"value": TAKEN, "type": "work", "primary": True}],
                ),
            ],
        )
        directory.write()
        db_url = f"sqlite:///{tmp_path / 'engine.db'}"
        # The console's retries read the token from the run's --token-env variable, as in use.
        monkeypatch.setenv("SCIMGUARD_TARGET_TOKEN", token)
        result = subprocess.run(
            [SCIMGUARD, "sync", str(directory.path), "--target", emu.base_url(tenant)],
            env={**os.environ, "SCIMGUARD_DB": db_url},
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 1, result.stdout + result.stderr  # 1: some tasks
        yield Synced(db_url, emu, tenant, token, directory, result.stdout + result.stderr)


def add_admin(db_url: str, username: str = ADMIN, password: str = PASSWORD) -> None:
    create_admin(open_engine(db_url), username, password)


@pytest.fixture
def console_db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'console-engine.db'}"
    add_admin(url)
    return url


@pytest.fixture
def console_url(console_db) -> Iterator[str]:
    """A console over an engine database with one admin, in a thread (fast backoff)."""
    with serving(create_app(console_db, backoff=Backoff(base_seconds=1.0))) as url:
        yield url


@pytest.fixture
def client(console_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console_url, timeout=30) as c:
        yield c


@pytest.fixture
def signed_in(client) -> httpx.Client:
    response = sign_in(client)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Chromium (Debian's package) driven by Playwright; fails in CI, skips elsewhere if absent."""
    if not CHROMIUM.exists():
        missing_service(f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
