"""The SCIM client against a small local server: Retry-After, backoff bounds, 401."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import time

import pytest

from fake_api import FakeApi, self_signed
from scimguard.sync.client import RetryPolicy, ScimClient, TargetUnauthorized


class Script(FakeApi):
    """Answers POST /Users from a list of (status, headers) and records arrival times."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.arrivals: list[float] = []
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    def _post(self, h):
        body = h.rfile.read(int(h.headers.get("Content-Length", 0)))
        self.arrivals.append(time.monotonic())
        self.requests.append((h.requestline, dict(h.headers.items()), body))
        status, headers = self.answers.pop(0) if self.answers else (201, {})
        answer = {"id": "u1"} if status == 201 else {"detail": "x"}
        self._send(h, status, answer, headers.items() if isinstance(headers, dict) else headers)

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


def test_a_429_holds_every_call_of_the_quota_not_only_its_own():
    """Retry-After pauses the limiter: a call made after the 429 waits too."""
    with Script([(429, {"Retry-After": "1"})]) as s:

        async def go():
            async with ScimClient(s.url, "tok", retry=RetryPolicy(base=0.01)) as client:
                first = asyncio.ensure_future(client.create("/Users", {"userName": "a"}))
                while not s.arrivals:
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.1)  # the 429 is in
                second = await client.create("/Users", {"userName": "b"})
                return await first, second

        first, second = asyncio.run(go())
    assert first.status == 201 and first.attempts == 2
    assert second.status == 201 and second.attempts == 1
    assert len(s.arrivals) == 3 and min(s.arrivals[1:]) - s.arrivals[0] >= 1.0


def test_what_is_sent_and_what_is_kept_of_the_answer():
    """The body as JSON with the SCIM headers and no cookie; a redirect is an answer, not
    followed; a header the server repeats is kept whole."""
    answers = [(307, {"Location": "/elsewhere"}), (201, [("X-Seen", "a"), ("x-seen", "b")])]
    with Script(answers) as s:
        redirected, _ = post(s.url)
        created, _ = post(s.url)
    assert redirected.status == 307 and redirected.attempts == 1
    assert redirected.headers["location"] == "/elsewhere" and redirected.data == {"detail": "x"}
    assert created.headers["x-seen"] == "a, b" and created.data == {"id": "u1"}
    line, headers, body = s.requests[0]
    assert line == "POST /t/scim/v2/Users HTTP/1.1" and len(s.requests) == 2
    assert json.loads(body) == {"userName": "a"}
    assert headers["Authorization"] == "Bearer tok"
    assert headers["Content-Type"] == "application/scim+json"
    assert headers["Accept"] == "application/scim+json, application/json"
    assert "Cookie" not in headers


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


class Paths(FakeApi):
    """Answers every GET with an empty list page and records the request line's target."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a real endpoint

    def __init__(self, tls_dir=None):
        self.paths: list[str] = []
        self.tls_dir = tls_dir

    def _tls(self):
        if self.tls_dir is None:
            return None
        key, cert = self_signed(self.tls_dir)
        self.cert = cert
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context

    def _get(self, h):
        self.paths.append(h.path)
        self._send(h, 200, {"itemsPerPage": 0, "schemas": [], "Resources": []})


def get(url, path, policy=None):
    async def go():
        async with ScimClient(url, "tok", retry=policy or RetryPolicy(base=0.01)) as client:
            return await client.get(path)

    return asyncio.run(go())


def test_the_url_is_sent_as_built():
    """A bare `cursor` (AWS's switch to cursor paging) and a filter's escapes reach the target
    unchanged: no `cursor=`, no re-quoting, no normalising of `%2F` or `%22`."""
    path = "/Users?cursor&count=100&filter=userName%20eq%20%22a%2Fb%40x.org%22"
    with Paths() as fake:
        reply = get(fake.url + "/t/scim/v2", path)
        spaced = get(fake.url + "/t/scim/v2", "/Users/no such id")
    assert reply.status == 200 and reply.data["Resources"] == []
    assert spaced.status == 200  # what no request line may carry is escaped, as httpx did
    assert fake.paths == ["/t/scim/v2" + path, "/t/scim/v2/Users/no%20such%20id"]


def test_no_answer_is_a_reply_without_status_retried_per_policy():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connections are refused
        reply = get(f"http://127.0.0.1:{port}/t/scim/v2", "/Users", RetryPolicy(3, base=0.01))
    assert reply.status is None and reply.attempts == 3 and reply.transient
    assert reply.error is not None and reply.error.startswith("ClientConnectorError")


def test_a_certificate_nobody_vouches_for_is_refused_unless_ssl_cert_file_names_it(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with Paths(tmp_path) as fake:
        refused = get(fake.url + "/t/scim/v2", "/Users", RetryPolicy(1))
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert))  # as httpx, a company's own CA
        trusted = get(fake.url + "/t/scim/v2", "/Users", RetryPolicy(1))
    assert refused.status is None and "certificate" in (refused.error or "").lower()
    assert trusted.status == 200 and fake.paths == ["/t/scim/v2/Users"]
