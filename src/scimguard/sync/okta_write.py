"""Writing back to Okta: a partial profile update of one user, for the console's *Apply fix*.

`POST /api/v1/users/{id}` with `{"profile": {...}}` holding only the changed attributes is
Okta's partial update (PUT would replace the whole profile and blank what it leaves out). The
write goes through the engine's one `RetryPolicy` (sync/backoff.py, as the Okta reader and the
SCIM client): a 429 waits until Okta's `X-Rate-Limit-Reset` (epoch seconds), a 5xx or no answer
backs off; a profile update sets the same values however often it is sent, so a retry is safe.
Anything else is final and raised as `OktaWriteError` with Okta's own error body
(`errorCode`, `errorSummary`, `errorCauses`): 403 `E0000006` is a token without write
permission (a read-only admin role), 400 `E0000001` a value Okta's profile refuses.

The token is sent as `Authorization: SSWS ...` only; it is never logged or put in a message.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from scimguard.sync.backoff import RetryPolicy, count_retry, transient

log = logging.getLogger("scimguard.sync.okta_write")
RESET_SLACK = 0.05  # Okta's reset is whole epoch seconds: a hair late beats a second 429
READ_ONLY_HINT = (
    "the Okta API token cannot change users: it was created by an admin without write "
    "permission (e.g. Read-only Administrator). Use a token of an admin allowed to edit user "
    "profiles (okta.users.manage), or fix the record in Okta yourself"
)


@dataclass(eq=False)  # an exception stays hashable
class OktaWriteError(Exception):
    """Okta refused (or never answered) a write; nothing was changed by this request."""

    status: int | None  # None: no answer after every attempt
    code: str = ""  # Okta's errorCode (E0000006, E0000001, ...)
    summary: str = ""
    causes: list[str] = field(default_factory=list)

    @property
    def read_only(self) -> bool:
        """The token lacks write permission (403)."""
        return self.status == 403

    def __str__(self) -> str:
        if self.status is None:
            return f"Okta did not answer ({self.summary})"
        text = f"Okta answered {self.status}"
        if self.code:
            text += f" {self.code}"
        if self.summary:
            text += f": {self.summary}"
        if self.causes:
            text += " (" + "; ".join(self.causes) + ")"
        if self.read_only:
            text += f". {READ_ONLY_HINT}"
        return text


@dataclass
class _Answer:
    status: int | None
    response: httpx.Response | None = None
    error: str = ""


def reset_delay(answer: _Answer) -> float | None:
    """Seconds until Okta's `X-Rate-Limit-Reset` (epoch seconds), for a 429 that has one."""
    if answer.status != 429 or answer.response is None:
        return None
    reset = answer.response.headers.get("x-rate-limit-reset")
    try:
        return max(0.0, float(reset) - time.time()) + RESET_SLACK if reset else None
    except ValueError:
        return None


def error_from(response: httpx.Response) -> OktaWriteError:
    """Okta's error body (`errorCode`, `errorSummary`, `errorCauses[].errorSummary`) as data."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return OktaWriteError(response.status_code, summary=response.text[:200])
    causes = [
        str(c.get("errorSummary"))
        for c in body.get("errorCauses") or []
        if isinstance(c, dict) and c.get("errorSummary")
    ]
    return OktaWriteError(
        response.status_code,
        str(body.get("errorCode") or ""),
        str(body.get("errorSummary") or ""),
        causes,
    )


class OktaWriter:
    """Partial profile updates against one Okta org."""

    def __init__(
        self, org: str, token: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        self.org = org.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.http = httpx.Client(
            headers={
                "Authorization": f"SSWS {token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
            timeout=timeout,
        )
        self.counts: dict[str, int] = {"retries": 0}

    def __enter__(self) -> OktaWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def update_profile(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Set `changes` (Okta profile attribute -> value) on one user and nothing else; the
        user as Okta answers it. Raises OktaWriteError (nothing changed) when refused."""
        path = f"/api/v1/users/{quote(user_id, safe='')}"
        body = {"profile": changes}

        def attempt() -> _Answer:
            try:
                response = self.http.post(self.org + path, json=body)
            except httpx.TransportError as exc:  # timeouts included
                return _Answer(None, error=exc.__class__.__name__)
            return _Answer(response.status_code, response)

        def on_retry(answer: _Answer, number: int) -> None:
            why = count_retry(self.counts, answer)
            log.debug(
                "retry %d of POST %s after %s",
                number - 1,
                path,
                why,
                extra={
                    "event": "throttled" if answer.status == 429 else "retry",
                    "fields": {"method": "POST", "path": path, "attempt": number, "after": why},
                },
            )

        answer = self.retry.call(attempt, server_delay=reset_delay, on_retry=on_retry)
        if answer.response is None:
            raise OktaWriteError(None, summary=f"{answer.error} on POST {path}")
        if transient(answer) or answer.status != 200:
            raise error_from(answer.response)
        self._pace(answer.response)
        data = answer.response.json()
        return data if isinstance(data, dict) else {}

    def _pace(self, response: httpx.Response) -> None:
        """The window's last request was spent: wait for `X-Rate-Limit-Reset` before the next
        write (a selection of tasks writes one user after another), as the reader does."""
        if response.headers.get("x-rate-limit-remaining") != "0":
            return
        reset = response.headers.get("x-rate-limit-reset")
        try:
            wait = float(reset) - time.time() if reset else 1.0
        except ValueError:
            wait = 1.0
        time.sleep(min(self.retry.max_retry_after, max(0.0, wait) + RESET_SLACK))
