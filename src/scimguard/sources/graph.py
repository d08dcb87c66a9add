"""Microsoft Graph as an `ApiClient`: an app-only token from msal, Graph's error body, paging.

The token is the client-credentials grant (an app registration with a secret or a certificate)
through `msal.ConfidentialClientApplication`, which keeps it in memory and renews it before it
expires: `auth_headers` asks msal before every attempt. Both addresses are settings, so that a
national cloud (`https://graph.microsoft.us/v1.0`, `https://login.microsoftonline.us`) or the
tests' local fake can be used: the Graph base URL and the authority (the login host; msal
requires https, and reads `{authority}/{tenant}/v2.0/.well-known/openid-configuration`).

Graph's paging is `@odata.nextLink` (a full URL, followed as is); a delta round ends with
`@odata.deltaLink` instead. Errors are `{"error": {"code", "message"}}`; 429 and 503 carry
`Retry-After` (seconds), which `ApiClient.server_delay` already honours.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from scimguard.sources.http import ApiClient, ApiError, SignInUnavailable, path_of
from scimguard.sources.snapshot import SourceError
from scimguard.sync.backoff import RetryPolicy

GRAPH_URL = "https://graph.microsoft.com/v1.0"
AUTHORITY_URL = "https://login.microsoftonline.com"
SECRET_ENV = "ENTRA_CLIENT_SECRET"
CERTIFICATE_ENV = "ENTRA_CLIENT_CERTIFICATE"  # a PEM file (key and certificate) or a .pfx
CERTIFICATE_PASSWORD_ENV = "ENTRA_CLIENT_CERTIFICATE_PASSWORD"  # of a .pfx, if it has one


def credential_from_env() -> str | dict[str, Any]:
    """The app's credential for msal: the secret, else the certificate (never a CLI argument)."""
    secret = os.environ.get(SECRET_ENV, "").strip()
    if secret:
        return secret
    path = os.environ.get(CERTIFICATE_ENV, "").strip()
    if not path:
        raise SourceError(
            f"Entra source: set {SECRET_ENV} (a client secret) or {CERTIFICATE_ENV} (the path "
            "of the app's certificate: a PEM file with its private key, or a .pfx)"
        )
    if path.lower().endswith((".pfx", ".p12")):
        credential: dict[str, Any] = {"private_key_pfx_path": path}
        if os.environ.get(CERTIFICATE_PASSWORD_ENV):
            credential["passphrase"] = os.environ[CERTIFICATE_PASSWORD_ENV]
        return credential
    try:
        pem = open(path, encoding="ascii").read()  # noqa: SIM115 - one short read
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"Entra source: {CERTIFICATE_ENV} {path}: cannot read ({exc})") from exc
    start = pem.find("-----BEGIN CERTIFICATE-----")
    end = pem.find("-----END CERTIFICATE-----")
    if start < 0 or end < 0 or "PRIVATE KEY-----" not in pem:
        raise SourceError(
            f"Entra source: {CERTIFICATE_ENV} {path}: needs the private key and the certificate "
            "in one PEM file"
        )
    # msal computes the certificate's SHA-256 thumbprint from the public certificate (1.35+).
    certificate = pem[start : end + len("-----END CERTIFICATE-----")]
    return {"private_key": pem, "public_certificate": certificate}


@dataclass
class GraphSettings:
    """Where the tenant is: its id, the app, and the two addresses (see the module docstring)."""

    tenant: str
    client_id: str
    graph_url: str = GRAPH_URL
    authority_url: str = AUTHORITY_URL

    @property
    def scope(self) -> str:
        """`https://graph.microsoft.com/.default`: the app's granted application permissions."""
        parts = urlsplit(self.graph_url)
        return f"{parts.scheme}://{parts.netloc}/.default"


class GraphClient(ApiClient):
    """Microsoft Graph: msal token, `error.code: error.message`, `@odata.nextLink` paging."""

    name = "Microsoft Graph"

    def __init__(
        self,
        settings: GraphSettings,
        credential: str | dict[str, Any],
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(settings.graph_url, timeout=timeout, retry=retry)
        self.settings = settings
        # why: msal (with requests, PyJWT, cryptography) takes half a second to
        # import, which every other command and source would pay for nothing.
        import msal  # type: ignore[import-untyped]
        import requests

        self._throttled: dict[Any, Any] = {}
        self._sign_in_errors: tuple[type[Exception], ...] = (
            ValueError,
            requests.RequestException,
            msal.exceptions.MsalError,
        )
        # msal raises MsalServiceError for a 5xx of the token endpoint (a 4xx is an answer,
        # read below); no answer at all is requests' ConnectionError or Timeout
        self._misconfigured: tuple[type[Exception], ...] = (
            requests.exceptions.SSLError,
            requests.exceptions.ProxyError,
        )
        self._unavailable: tuple[type[Exception], ...] = (
            requests.ConnectionError,
            requests.Timeout,
            requests.HTTPError,
            msal.exceptions.MsalServiceError,
        )
        try:
            self._app = msal.ConfidentialClientApplication(
                settings.client_id,
                client_credential=credential,
                authority=f"{settings.authority_url.rstrip('/')}/{settings.tenant}",
                # no call to login.microsoftonline.com to validate another cloud's host
                instance_discovery=False,
                validate_authority=settings.authority_url.rstrip("/") == AUTHORITY_URL,
                timeout=timeout,
                token_cache=msal.TokenCache(),  # in memory only: never written to disk
                # msal replays a failed sign-in from this cache for 5 s instead of asking
                # again; it is emptied after such a failure so that the engine's one retry
                # policy paces the next attempt (auth_headers)
                http_cache=self._throttled,
            )
        except self._sign_in_errors as exc:
            raise SourceError(f"Entra tenant {settings.tenant}: no sign-in: {exc}") from exc

    def auth_headers(self) -> dict[str, str]:
        try:
            result = self._app.acquire_token_for_client(scopes=[self.settings.scope])
        except self._misconfigured as exc:  # a CA or proxy of this machine: no retry helps
            raise ApiError(f"Entra sign-in failed: {exc}") from exc
        except self._unavailable as exc:  # no answer, or the sign-in service's 5xx: retried
            self._throttled.clear()
            raise SignInUnavailable(f"Entra sign-in: {exc}") from exc
        except self._sign_in_errors as exc:
            raise ApiError(f"Entra sign-in failed: {exc}") from exc
        if "access_token" not in result:
            code = result.get("error", "no token")
            text = (result.get("error_description") or "").split("\r\n", 1)[0]
            raise ApiError(
                f"Entra sign-in refused ({code}): {text} (check the app's client id, "
                f"{SECRET_ENV} or {CERTIFICATE_ENV}, and the tenant id)"
            )
        return {"Authorization": f"Bearer {result['access_token']}"}

    def error_text(self, response: httpx.Response) -> str:
        return graph_error(response)

    def refusal(self, response: httpx.Response, method: str, url: str) -> str:
        text = (
            f"Microsoft Graph answered {response.status_code} to {method} "
            f"{path_of(url).split('?', 1)[0]}: {graph_error(response)}"
        )
        if response.status_code == 403:
            text += " (grant the app the application permissions User.Read.All and "
            text += "GroupMember.Read.All, with admin consent)"
        return text

    def pages(self, url: str, headers: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every page of a collection, following `@odata.nextLink`; the last one included."""
        next_url: str | None = url
        while next_url:
            page = self.get(next_url, headers=headers).json()
            if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                raise ApiError(f"Microsoft Graph answered GET {path_of(next_url)} with no value")
            yield page
            next_url = page.get("@odata.nextLink")

    def items(self, url: str, headers: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        for page in self.pages(url, headers):
            yield from page["value"]


def graph_error(response: httpx.Response) -> str:
    """Graph's own words: `code: message` of its error body, else the start of the body."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return f"{error.get('code')}: {error.get('message')}"
    return str(data)[:200]
