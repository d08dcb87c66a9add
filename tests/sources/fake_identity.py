"""The Microsoft identity platform half of the fake tenant (fake_graph.py): TLS and sign-in.

From Microsoft's public references (OpenID Connect discovery; the OAuth 2.0 client credentials
flow with a shared secret or a certificate assertion; AADSTS error responses):
- `GET /{tenant}/v2.0/.well-known/openid-configuration`: issuer, authorization and token
  endpoints on this server; an unknown tenant answers 400 `invalid_tenant` (AADSTS90002).
- `POST /{tenant}/oauth2/v2.0/token`, `grant_type=client_credentials`, `scope=<graph>/.default`,
  with `client_secret`, or a `client_assertion` (a JWT signed by the app's certificate, checked
  with its public key, `aud` the token endpoint, `iss` the client id); else 401
  `invalid_client` (AADSTS7000215) or 400 `unauthorized_client` (AADSTS700016).
"""

from __future__ import annotations

import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509

from fake_api import FakeApi


class IdentityPlatform(FakeApi):
    """The token endpoint and discovery document; FakeGraph serves them beside Graph."""

    tenant: str
    client_id: str
    secret: str
    certificate: bytes | None
    token_requests: int
    token_outage: int = 0  # the next token requests answered 503 with an HTML page, as AAD can
    _tokens: set[str]
    _lock: threading.Lock

    def _post(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(h.rfile.read(length).decode()).items()}
        if urlparse(h.path).path != f"/{self.tenant}/oauth2/v2.0/token":
            self._send(h, 404, {"error": "not_found"})
            return
        with self._lock:
            self.token_requests += 1
            down = self.token_outage > 0
            self.token_outage -= down
        if down:
            page = b"<html><body>Service Unavailable</body></html>"
            h.send_response(503)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(page)))
            h.end_headers()
            h.wfile.write(page)
            return
        if form.get("client_id") != self.client_id:
            self._aad(
                h,
                400,
                "unauthorized_client",
                "AADSTS700016: Application with identifier "
                f"'{form.get('client_id')}' was not found in the directory.",
            )
            return
        if form.get("grant_type") != "client_credentials" or not form.get("scope", "").endswith(
            "/.default"
        ):
            self._aad(
                h,
                400,
                "invalid_request",
                "AADSTS90014: The request body must contain "
                "grant_type=client_credentials and a scope ending in /.default.",
            )
            return
        if not self._client_authenticated(form, h.path):
            self._aad(
                h,
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. "
                "Ensure the secret being sent in the request is the client secret value.",
            )
            return
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
        body = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599}
        self._send(h, 200, {**body, "access_token": token})

    def _client_authenticated(self, form: dict[str, str], path: str) -> bool:
        if "client_secret" in form:
            return secrets.compare_digest(form["client_secret"], self.secret)
        assertion = form.get("client_assertion")
        if assertion is None or self.certificate is None:
            return False
        public_key = x509.load_pem_x509_certificate(self.certificate).public_key()
        try:
            jwt.decode(
                assertion,
                public_key,  # type: ignore[arg-type]
                algorithms=["RS256", "PS256"],
                audience=f"{self.url}{urlparse(path).path}",
                issuer=self.client_id,
            )
        except jwt.PyJWTError:
            return False
        return True

    def _aad(self, h, status: int, error: str, description: str) -> None:
        self._send(
            h,
            status,
            {
                "error": error,
                "error_description": description,
                "error_codes": [int(description[6:].split(":")[0])],
                "trace_id": str(uuid.uuid4()),
            },
        )

    def _discovery(self, h, tenant: str) -> None:
        if tenant != self.tenant:
            self._aad(h, 400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
            return
        base = f"{self.url}/{tenant}"
        self._send(
            h,
            200,
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "jwks_uri": f"{self.url}/{tenant}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "token id_token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
            },
        )
