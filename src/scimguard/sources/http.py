"""The one HTTP reader every API source is built on (Okta now; Google Workspace and Entra ID next).

`ApiClient.get(url)` is a GET with the engine's one `RetryPolicy` (sync/backoff.py): no answer,
429 and 5xx are retried with full jitter, the server's own delay winning (`Retry-After` by
default; a source overrides `server_delay` for its own header, as Okta's `X-Rate-Limit-Reset`).
What is final (401/403, another 4xx, the attempts spent) raises `ApiError` with the API's own
error text, which the source turns into a *problem* of its read: records read so far are used
for creates and updates, and nothing is removed.

A source subclasses it and overrides only what its API does differently:
    name            the API's name in messages ("Okta", "Microsoft Graph")
    auth_headers()  asked before every attempt, so an expiring token can be renewed
    error_text()    the API's error body, as its own words
    is_transient()  e.g. Google's 403 `userRateLimitExceeded` is a rate limit, not a refusal
    server_delay()  the delay the API asked for
    after_response() e.g. Okta's "remaining: 0" means: wait before the next request
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Self

import httpx

from scimguard.sources.snapshot import SourceError
from scimguard.sync.backoff import RetryPolicy, count_retry, retry_after, transient

log = logging.getLogger("scimguard.sources")


class ApiError(SourceError):
    """A request a source made failed for good; the message is the admin's diagnosis."""

    def __init__(
        self, message: str, status: int | None = None, response: httpx.Response | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.response = response  # the final answer, for a caller that reads the API's body


class SignInUnavailable(Exception):
    """Getting a token failed in a way worth another attempt (no answer from the sign-in
    service, or its 5xx): the attempt counts as unanswered, and the retry policy decides."""


@dataclass
class ApiAnswer:
    """One attempt as the retry policy sees it."""

    status: int | None  # None: no answer (timeout, connection error)
    response: httpx.Response | None = None
    error: str = ""


def path_of(url: str) -> str:
    """The URL without scheme and host: what a message shows (the host is in the settings)."""
    return re.sub(r"^https?://[^/]+", "", url)


class ApiClient:
    """GETs against one API with retries, the API's error text and a request count."""

    name = "the API"

    def __init__(
        self, base_url: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.http = httpx.Client(headers={"Accept": "application/json"}, timeout=timeout)
        self.requests = 0
        self.counts: MutableMapping[str, int] = {"retries": 0}

    # --- what a source overrides -----------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {}

    def error_text(self, response: httpx.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            return response.text[:200]
        return str(data)[:300]

    def is_transient(self, answer: ApiAnswer) -> bool:
        return transient(answer)

    def server_delay(self, answer: ApiAnswer) -> float | None:
        if answer.response is None or (answer.status != 429 and (answer.status or 0) < 500):
            return None
        return retry_after(answer.response.headers.get("retry-after"))

    def refusal(self, response: httpx.Response, method: str, url: str) -> str:
        """The message of a final 4xx; 401/403 say which credential to look at."""
        status = response.status_code
        return (
            f"{self.name} answered {status} to {method} {path_of(url)}: {self.error_text(response)}"
        )

    def after_response(self, response: httpx.Response) -> None:
        return None

    # --- the reader ------------------------------------------------------------------------

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, url: str) -> str:
        return self.base_url + url if url.startswith("/") else url

    def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """One GET, retried while transient; raises `ApiError` when it fails for good."""
        return self.request("GET", url, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        url = self.url(url)

        def attempt() -> ApiAnswer:
            self.requests += 1
            try:
                signed = self.auth_headers()
            except SignInUnavailable as exc:
                return ApiAnswer(None, error=f"sign-in: {exc}")
            try:
                response = self.http.request(
                    method, url, headers={**signed, **(headers or {})}, json=json
                )
            except httpx.TransportError as exc:  # timeouts included
                return ApiAnswer(None, error=exc.__class__.__name__)
            answer = ApiAnswer(response.status_code, response)
            if 400 <= response.status_code < 500 and not self.is_transient(answer):
                raise ApiError(self.refusal(response, method, url), response.status_code, response)
            return answer

        def on_retry(answer: ApiAnswer, number: int) -> None:
            why = count_retry(self.counts, answer)
            path = path_of(url).split("?", 1)[0]  # no query: it may hold a name
            log.debug(
                "retry %d of %s %s after %s",
                number - 1,
                method,
                path,
                why,
                extra={
                    "event": "throttled" if answer.status == 429 else "retry",
                    "fields": {"method": method, "path": path, "attempt": number, "after": why},
                },
            )

        answer = self.retry.call(
            attempt,
            server_delay=self.server_delay,
            on_retry=on_retry,
            should_retry=self.is_transient,
        )
        if answer.response is None or self.is_transient(answer):
            last = answer.error if answer.status is None else str(answer.status)
            said = f": {self.error_text(answer.response)}" if answer.response is not None else ""
            raise ApiError(
                f"{self.name} failed on {method} {path_of(url).split('?', 1)[0]} after "
                f"{self.retry.max_attempts} attempts ({last}){said}",
                answer.status,
                answer.response,
            )
        self.after_response(answer.response)
        return answer.response
