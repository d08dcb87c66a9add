"""One retry policy for both readers: the SCIM client (the emulator's injected faults) and Okta.

Both run against real servers over sockets: the emulator under uvicorn with `fault_rate=1`,
and the local Okta org (fake_okta.py) with its own faults.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fake_okta import FakeOkta, okta_user

from scimguard.server.testing import running_emulator
from scimguard.sources import read_all
from scimguard.sources.okta import OktaClient
from scimguard.sync.backoff import RetryPolicy, retry_after
from scimguard.sync.client import ScimClient
from scimguard.sync.run import SyncConfig, run_sync


@pytest.fixture
def faulty(tmp_path):
    """An emulator that answers every request with an injected 503."""
    db = f"sqlite:///{tmp_path / 'emulator.db'}"
    with running_emulator(db, quotas=False, fault_rate=1.0, fault_statuses=(503,)) as emu:
        tenant, token = emu.create_tenant()
        yield emu.base_url(tenant), token


@pytest.fixture
def okta(monkeypatch):
    with FakeOkta(page_size=2) as fake:
        fake.users = [okta_user(f"00u{i}", f"u{i}@example.com", "F", f"L{i}") for i in range(3)]
        monkeypatch.setenv("OKTA_API_TOKEN", fake.token)
        yield fake


def okta_spec(fake: FakeOkta) -> dict:
    return {"type": "okta", "org": fake.url, "groups": [], "app": None}


def users_reads(fake: FakeOkta) -> int:
    return sum(1 for path in fake.requests if path.startswith("/api/v1/users"))


@pytest.mark.parametrize("attempts", [2, 4])
def test_one_policy_object_bounds_both_readers(faulty, okta, attempts):
    policy = RetryPolicy(max_attempts=attempts, base=0.01)
    url, token = faulty

    async def scim():
        async with ScimClient(url, token, retry=policy) as client:
            return await client.get("/Users"), client.counts

    reply, counts = asyncio.run(scim())
    assert reply.status == 503 and reply.attempts == attempts
    assert counts["retries"] == attempts - 1 and counts["retried_503"] == attempts - 1

    okta.fail_users_page = 1
    snapshot = read_all([okta_spec(okta)], policy)
    assert not snapshot.complete
    assert f"after {attempts} attempts (500)" in snapshot.problems[0], snapshot.problems
    assert users_reads(okta) == attempts


def test_a_sync_reads_okta_with_the_runs_policy(target, okta):
    """`SyncConfig.retry` (`--max-attempts`) governs the Okta read as well as the target."""
    okta.fail_users_page = 1
    cfg = SyncConfig(
        target.url,
        target.token,
        [okta_spec(okta)],
        dry_run=True,
        retry=RetryPolicy(max_attempts=3, base=0.01),
    )
    result = run_sync(cfg, None)
    assert not result.snapshot.complete
    assert users_reads(okta) == 3


def test_okta_reset_wins_over_the_backoff_and_is_capped(okta):
    okta.rate_limit_every = 2  # the 2nd request is a 429 with X-Rate-Limit-Reset 1-2 s ahead
    client = OktaClient(okta.url, okta.token, retry=RetryPolicy(base=0.01))
    try:
        client.get("/api/v1/users?limit=2")
        started = time.monotonic()
        assert client.get("/api/v1/users?limit=2").status_code == 200
        waited = time.monotonic() - started
    finally:
        client.close()
    assert waited >= 1.0  # the reset, not the 10 ms backoff
    assert client.counts["retries"] == 1 and client.counts["retried_429"] == 1

    capped = OktaClient(okta.url, okta.token, retry=RetryPolicy(base=0.01, max_retry_after=0.2))
    try:
        started = time.monotonic()
        capped.get("/api/v1/users?limit=2")  # requests 4 (a 429) and 5
        capped.get("/api/v1/users?limit=2")  # requests 6 (a 429) and 7
        waited = time.monotonic() - started
    finally:
        capped.close()
    assert capped.counts["retried_429"] == 2
    assert waited < 1.0  # two resets of 1-2 s each, both capped at 0.2 s


def test_a_401_from_okta_is_never_retried(okta, monkeypatch):
    policy = RetryPolicy(max_attempts=5, base=0.01)
    monkeypatch.setenv("OKTA_API_TOKEN", "wrong")
    snapshot = read_all([okta_spec(okta)], policy)
    assert "401" in snapshot.problems[0] and len(okta.requests) == 1


def test_okta_retries_are_logged_as_the_clients_are(okta, caplog):
    okta.rate_limit_every = 2
    client = OktaClient(okta.url, okta.token, retry=RetryPolicy(base=0.01, max_retry_after=0.1))
    with caplog.at_level(logging.DEBUG, logger="scimguard.sources"):
        try:
            client.get("/api/v1/users?limit=2")
            client.get("/api/v1/users?limit=2&q=secret")
        finally:
            client.close()
    (event,) = [r for r in caplog.records if getattr(r, "event", None)]
    assert event.event == "throttled"
    assert event.fields == {"method": "GET", "path": "/api/v1/users", "attempt": 2, "after": "429"}


def test_retry_after_takes_seconds_or_an_http_date():
    assert retry_after("3") == 3.0 and retry_after("-1") == 0.0
    assert retry_after(None) is None and retry_after("soon") is None
    ahead = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (retry_after(ahead) or 0) <= 30
    zoneless = format_datetime(datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=30))
    assert 25 < (retry_after(zoneless) or 0) <= 30  # "-0000": taken as GMT, not a crash
