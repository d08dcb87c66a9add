"""The SCIM client for AWS-like endpoints: paced, retried, and honest about what happened.

Every call goes through a rate limiter (writes and reads have separate quotas), is retried on
429, 5xx, timeouts and connection errors with exponential backoff and full jitter (a
`Retry-After` header wins when present), up to `max_attempts`: the engine's one `RetryPolicy`
(sync/backoff.py, shared with the Okta reader). A 401 or 403 raises
`TargetUnauthorized` at once: the run must stop, nothing else will succeed.
Refusals (400, 404, 409) are returned as data (`Reply`), never raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import orjson

from scimguard.rates import READS_PER_SECOND, WRITES_PER_SECOND
from scimguard.sync.backoff import RetryPolicy, count_retry, retry_after
from scimguard.sync.drain import in_flight
from scimguard.sync.ratelimit import RateLimiter
from scimguard.sync.transport import TRANSPORT_ERRORS, Transport

log = logging.getLogger("scimguard.sync.client")
PAGE_SIZE = 100
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
__all__ = ["Reply", "RetryPolicy", "ScimClient", "TargetReadFailed", "TargetUnauthorized"]


@dataclass
class Reply:
    """What one logical call came to, after retries."""

    method: str
    path: str
    body: Any  # the request body sent (None for GET/DELETE)
    status: int | None  # None: no answer at all (timeouts / connection errors)
    data: Any = None  # parsed JSON response, or text
    headers: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    error: str | None = None  # transport error of the last attempt

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-amzn-requestid")

    @property
    def transient(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500

    def request_dict(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "body": self.body}

    def response_dict(self) -> dict[str, Any] | None:
        if self.status is None:
            return {"status": None, "body": self.error, "request_id": None}
        return {"status": self.status, "body": self.data, "request_id": self.request_id}


class TargetUnauthorized(Exception):
    """The target answered 401/403: the token is wrong, expired or revoked."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"the target answered {reply.status} to {reply.method} {reply.path}")
        self.reply = reply


class TargetReadFailed(Exception):
    """A read of the target failed after every retry (the plan cannot be trusted)."""

    def __init__(self, reply: Reply, why: str | None = None) -> None:
        super().__init__(
            f"reading the target failed: {reply.method} {reply.path} -> "
            f"{why or reply.status or reply.error}"
        )
        self.reply = reply


class ScimClient:
    """An async client of one SCIM base URL (`https://.../<tenant>/scim/v2`)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        rate_writes: float = WRITES_PER_SECOND,
        rate_reads: float = READS_PER_SECOND,
        concurrency: int = 16,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # A tenth of a second of slack: a late event loop catches up without ever exceeding a
        # token bucket whose capacity is one second of quota (AWS's shape).
        self.writes = RateLimiter(rate_writes, burst=max(1, int(rate_writes / 10)))
        self.reads = RateLimiter(rate_reads, burst=max(1, int(rate_reads / 10)))
        self.retry = retry or RetryPolicy()
        self._slots = asyncio.Semaphore(concurrency)
        self._http = Transport(
            self.base_url,
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/scim+json",
                "Accept": "application/scim+json, application/json",
            },
            timeout=timeout,
            connections=concurrency,
        )
        self.stopped: Reply | None = None  # the 401/403 that stopped everything
        self.counts = {"reads": 0, "writes": 0, "retries": 0}

    async def __aenter__(self) -> ScimClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- one call ---------------------------------------------------------------------------

    async def call(self, method: str, path: str, body: Any = None) -> Reply:
        """One logical call with pacing and retries; raises only `TargetUnauthorized`."""
        method = method.upper()
        is_write = method in WRITE_METHODS
        limiter = self.writes if is_write else self.reads
        reply = Reply(method, path, body, None)
        content = None if body is None else orjson.dumps(body)

        async def attempt() -> Reply:
            if self.stopped is not None:
                raise TargetUnauthorized(self.stopped)
            self.counts["writes" if is_write else "reads"] += 1
            reply.attempts += 1
            try:
                # Paced once a connection slot is held: a slot of the quota is never spent on
                # a request still queued, so a backlog cannot burst past the target's bucket.
                async with self._slots:
                    await limiter.acquire()
                    async with in_flight():  # a graceful stop lets this one finish
                        answer = await self._http.request(method, self.base_url + path, content)
            except TRANSPORT_ERRORS as exc:
                reply.status, reply.data, reply.headers = None, None, {}
                reply.error = (
                    f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
                )
                return reply
            reply.status, reply.headers = answer.status, answer.headers
            reply.data = _parse(answer.body)
            reply.error = None
            if reply.status in (401, 403):
                self.stopped = reply
                raise TargetUnauthorized(reply)
            if reply.status == 429 and (wait := _server_delay(reply)):
                limiter.pause(wait)  # the whole quota waits, not only this call
            return reply

        def on_retry(answer: Reply, number: int) -> None:
            why = count_retry(self.counts, answer)
            log.debug(
                "retry %d of %s %s after %s",
                number - 1,
                method,
                path,
                why,
                extra={  # an event for `--log-format json`: no query (it may hold a name)
                    "event": "throttled" if answer.status == 429 else "retry",
                    "fields": {
                        "method": method,
                        "path": path.split("?", 1)[0],
                        "attempt": number,
                        "after": why,
                    },
                },
            )

        return await self.retry.acall(attempt, server_delay=_server_delay, on_retry=on_retry)

    # --- reads ------------------------------------------------------------------------------

    async def get(self, path: str) -> Reply:
        return await self.call("GET", path)

    async def list_all(self, resource: str, filter: str | None = None) -> AsyncIterator[dict]:
        """Every resource of `/Users` or `/Groups` (optionally filtered), page after page.

        Cursor paging first (`?cursor`, then `cursor=<nextCursor>`); an endpoint that refuses
        it is read with `startIndex` paging. Raises `TargetReadFailed` when a page cannot be
        read, and also when the answer is visibly truncated (totalResults more than could be
        read), so the caller never plans on a partial picture.
        """
        query_filter = "" if filter is None else "&filter=" + quote(filter, safe="")
        first = await self.get(f"{resource}?cursor&count={PAGE_SIZE}{query_filter}")
        if first.status == 400 and not _is_list(first.data):
            async for item in self._list_by_index(resource, query_filter):
                yield item
            return
        reply = first
        while True:
            if not reply.ok or not _is_list(reply.data):
                raise TargetReadFailed(reply)
            resources = reply.data.get("Resources") or []
            cursor = reply.data.get("nextCursor")
            if cursor:
                # The next page is asked for before this one is handed over: a cursor page
                # cannot be asked for before the one before it, so what the caller does with
                # these items is the only thing that can overlap the next round trip.
                following = asyncio.ensure_future(
                    self.get(
                        f"{resource}?cursor={quote(cursor, safe='')}&count={PAGE_SIZE}"
                        f"{query_filter}"
                    )
                )
                try:
                    await asyncio.sleep(0)  # it is sent now, not when the caller next waits
                    for item in resources:
                        yield item
                    reply = await following
                finally:
                    abandon(following)
                continue
            for item in resources:
                yield item
            total = reply.data.get("totalResults")
            if reply is first and isinstance(total, int) and total > len(resources):
                # The endpoint ignored `cursor` (an older AWS): page by index instead.
                async for item in self._list_by_index(
                    resource, query_filter, start=len(resources) + 1
                ):
                    yield item
            return

    async def _list_by_index(
        self, resource: str, query_filter: str, start: int = 1
    ) -> AsyncIterator[dict]:
        index = start
        while True:
            reply = await self.get(f"{resource}?startIndex={index}&count={PAGE_SIZE}{query_filter}")
            if not reply.ok or not _is_list(reply.data):
                raise TargetReadFailed(reply)
            resources = reply.data.get("Resources") or []
            total = reply.data.get("totalResults")
            if reply.data.get("startIndex") not in (None, index) or (
                not resources and isinstance(total, int) and index <= total
            ):
                raise TargetReadFailed(
                    reply,
                    f"the target holds {total} but lists {len(resources)} a page and ignores "
                    "startIndex, so the rest cannot be read",
                )
            for item in resources:
                yield item
            index += len(resources)
            if not isinstance(total, int) or index > total:
                return

    async def find_one(self, resource: str, attribute: str, value: str) -> Reply:
        """GET with one `eq` filter (to look a conflicting resource up)."""
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        flt = quote(f'{attribute} eq "{escaped}"', safe="")
        return await self.get(f"{resource}?filter={flt}")

    # --- writes -----------------------------------------------------------------------------

    async def create(self, resource: str, body: dict) -> Reply:
        return await self.call("POST", resource, body)

    async def replace(self, resource: str, rid: str, body: dict) -> Reply:
        return await self.call("PUT", f"{resource}/{rid}", body)

    async def patch(self, resource: str, rid: str, operations: list[dict]) -> Reply:
        return await self.call(
            "PATCH", f"{resource}/{rid}", {"schemas": [PATCH_SCHEMA], "Operations": operations}
        )

    async def delete(self, resource: str, rid: str) -> Reply:
        return await self.call("DELETE", f"{resource}/{rid}")


def abandon(task: asyncio.Future[Any]) -> None:
    """A task nobody will wait for (a page asked for ahead whose reader stopped, the other
    half of a failed pair): cancel it, or take its exception (a 401 after the reader stopped)
    so that it is not reported as never retrieved."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


def _is_list(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("Resources", []), list)
        and ("Resources" in data or "totalResults" in data or "itemsPerPage" in data)
    )


def _parse(body: bytes) -> Any:
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", errors="replace")


def _server_delay(reply: Reply) -> float | None:
    """The `Retry-After` of a 429 or 503 (the header names are lower-cased in `Reply`)."""
    return retry_after(reply.headers.get("retry-after"))
