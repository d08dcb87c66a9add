"""Fixtures of the console's tests: a real console over uvicorn, a real engine database with
tasks filed by a real `scimguard sync` into a real emulator, and Chromium through Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from console_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Synced,
    add_admin,
    missing_service,
    serving,
    sign_in,
    synced_into,
)

from scimguard.console.accounts import Backoff
from scimguard.console.app import create_app


@pytest.fixture
def synced(tmp_path, monkeypatch) -> Iterator[Synced]:
    """A real sync into a real emulator, engine state in SQLite (see `synced_into`)."""
    with synced_into(tmp_path, f"sqlite:///{tmp_path / 'engine.db'}", monkeypatch.setenv) as s:
        yield s


@pytest.fixture
def synced_pg(tmp_path, monkeypatch, postgres_url) -> Iterator[Synced]:
    """The same, with the engine's (and the console's) state in PostgreSQL."""
    with synced_into(tmp_path, postgres_url, monkeypatch.setenv) as s:
        yield s


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


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium (Debian's package) driven by Playwright; fails in CI, skips elsewhere if absent.

    Module-scoped: Playwright's sync API keeps an event loop running in the main thread while
    it lives, which would break every later test that calls `asyncio.run()`.
    """
    if not CHROMIUM.exists():
        missing_service(f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
