"""Google service-account credentials with domain-wide delegation, through `google-auth`.

The key file's path comes from an environment variable (`GOOGLE_APPLICATION_CREDENTIALS` by
default), never from the command line. `google-auth` signs the JWT with the key and makes the
JWT bearer grant (RFC 7523) at the key file's `token_uri` for the *subject*, an admin of the
directory: a service account alone may not read users. The token request goes through the
source's own httpx client (`HttpxRequest`), so `google-auth` needs no `requests`.

Why google-auth and not a hand-made JWT: it is Google's own implementation of the grant (the
claims, the expiry slack, the token endpoint's error bodies), and it is the library admins
already trust with these keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from google.auth import exceptions as google_exceptions
from google.auth import transport
from google.oauth2 import service_account

from scimguard.sources.http import ApiError
from scimguard.sources.snapshot import SourceError


class _Response(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(transport.Request):
    """`google.auth.transport.Request` over an httpx client (the token request only)."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        try:
            response = self.http.request(
                method, url, content=body, headers=dict(headers or {}), timeout=timeout or 30.0
            )
        except httpx.HTTPError as exc:
            raise google_exceptions.TransportError(exc.__class__.__name__) from exc
        return _Response(response)


class DelegatedToken:
    """The bearer token of a service account acting as `subject`, renewed when it expires."""

    def __init__(
        self, key_env: str, subject: str, scopes: Sequence[str], http: httpx.Client
    ) -> None:
        self.key_env = key_env
        self.subject = subject
        self.scopes = tuple(scopes)
        self.credentials = load_credentials(key_env, subject, self.scopes)
        self._request = HttpxRequest(http)

    def __call__(self) -> str:
        """A valid token; `ApiError` with the token endpoint's own words when it refuses."""
        if not self.credentials.valid:  # none yet, or expiring: google-auth keeps a slack
            try:
                self.credentials.refresh(self._request)
            except google_exceptions.RefreshError as exc:
                message = grant_problem(exc, self.key_env, self.subject, self.scopes)
                raise ApiError(message, 401) from None
            except google_exceptions.TransportError as exc:
                raise ApiError(f"Google token endpoint did not answer ({exc})") from None
        return str(self.credentials.token)


def load_credentials(
    key_env: str, subject: str | None, scopes: Sequence[str]
) -> service_account.Credentials:
    """The delegated credentials of the key named by `$key_env`; `SourceError` if unusable."""
    path = os.environ.get(key_env, "").strip()
    if not path:
        raise SourceError(
            f"Google Workspace source: {key_env} is not set (the path of the service "
            "account's JSON key; never given on the command line)"
        )
    if not subject:
        raise SourceError(
            "Google Workspace source: no subject (--google-subject): domain-wide delegation "
            "reads the directory as one of its admins"
        )
    try:
        credentials = service_account.Credentials.from_service_account_file(
            path, scopes=list(scopes), subject=subject
        )
    except OSError as exc:
        raise SourceError(f"${key_env} {path}: cannot read the key ({exc.strerror})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(
            f"${key_env} {path}: not a service account JSON key ({exc.__class__.__name__}: {exc})"
        ) from None
    return credentials


def grant_problem(exc: Exception, key_env: str, subject: str, scopes: Sequence[str]) -> str:
    """The token endpoint's refusal in the admin's terms, its own words included."""
    detail = exc.args[0] if exc.args else str(exc)
    text = str(detail)
    hint = ""
    if "unauthorized_client" in text:
        hint = (
            ": the service account's client ID is not allowed these scopes in the Admin "
            "console (Security > API controls > Domain-wide delegation): " + ", ".join(scopes)
        )
    elif "invalid_grant" in text:
        hint = (
            f": check the subject {subject!r} (an admin of the directory) and the key in ${key_env}"
        )
    return f"Google token endpoint refused the grant ({text}){hint}"
