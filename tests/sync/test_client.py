"""The SCIM client against a small local server: Retry-After, backoff bounds, 401."""

from __future__ import annotations

import asyncio
import time

import pytest

from fake_api import FakeApi
from scimguard.sync.client import RetryPolicy, ScimClient, TargetUnauthorized


class Script(FakeApi):
    """Answers POST /Users from a list of (status, headers) and records arrival times."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.arrivals: list[float] = []

    def _post(self, h):
        h.rfile.read(int(h.headers.get("Content-Length", 0)))
        self.arrivals.append(time.monotonic())
        status, headers = self.answers.pop(0) if self.answers else (201, {})
        body = {"id": "u1"} if status == 201 else {"detail": "x"}
        self._send(h, status, body, headers.items())

    @property
    def url(self):
        return super().url + "/t/scim/v2"


def post(url, policy=None):
    async def go():
        async with ScimClient(url, "tok", retry=policy or RetryPolicy(base=0.01)) as client:
            return await client.create("/Users", {"userName": "a"}), client.counts

    return asyncio.run(go())


def test_retry_after_is_honoured():
    with Script([(429, {"Retry-After": "1"}), (503, {})]) as s:
        reply, counts = post(s.url)
    assert reply.status == 201 and reply.attempts == 3
    assert s.arrivals[1] - s.arrivals[0] >= 1.0
    assert counts["retried_429"] == 1 and counts["retried_503"] == 1


def test_attempts_are_bounded_and_the_last_answer_is_kept():
    with Script([(500, {})] * 10) as s:
        reply, _ = post(s.url, RetryPolicy(max_attempts=3, base=0.01))
    assert reply.status == 500 and reply.attempts == 3 and len(s.arrivals) == 3


def test_401_raises_at_once():
    with Script([(401, {})]) as s, pytest.raises(TargetUnauthorized):
        post(s.url)
    assert len(s.arrivals) == 1


def test_full_jitter_stays_within_the_exponential_cap():
    policy = RetryPolicy(base=0.5, cap=4.0)
    for attempt in range(8):
        delays = [policy.delay(attempt, None) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= min(4.0, 0.5 * 2**attempt)
    assert policy.delay(0, 2.0) >= 2.0
