"""Writing back to Okta: a partial profile update of one user, for the console's *Apply fix*.

`POST /api/v1/users/{id}` with `{"profile": {...}}` holding only the changed attributes is
Okta's partial update (PUT would replace the whole profile and blank what it leaves out). The
write goes through the reader's `OktaClient` (sources/okta.py: the engine's one `RetryPolicy`,
Okta's headers): a 429 waits until Okta's `X-Rate-Limit-Reset` (epoch seconds), a 5xx or no answer
backs off; a profile update sets the same values however often it is sent, so a retry is safe.
Anything else is final and raised as `OktaWriteError` with Okta's own error body
(`errorCode`, `errorSummary`, `errorCauses`): 403 `E0000006` is a token without write
permission (a read-only admin role), 400 `E0000001` a value Okta's profile refuses.

The token is sent as `Authorization: SSWS ...` only; it is never logged or put in a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from scimguard.sources.http import ApiError
from scimguard.sources.okta import OktaClient
from scimguard.sync.backoff import RetryPolicy

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
    """Partial profile updates against one Okta org, through the reader's `OktaClient` (its
    retries, its `X-Rate-Limit-*` pacing between writes of a selection)."""

    def __init__(
        self, org: str, token: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        self.client = OktaClient(org, token, timeout=timeout, retry=retry)

    def __enter__(self) -> OktaWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def update_profile(self, user_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Set `changes` (Okta profile attribute -> value) on one user and nothing else; the
        user as Okta answers it. Raises OktaWriteError (nothing changed) when refused."""
        path = f"/api/v1/users/{quote(user_id, safe='')}"
        try:
            response = self.client.request("POST", path, json={"profile": changes})
        except ApiError as exc:
            if exc.response is None:
                raise OktaWriteError(None, summary=f"{exc}") from None
            raise error_from(exc.response) from None
        if response.status_code != 200:
            raise error_from(response)
        data = response.json()
        return data if isinstance(data, dict) else {}
