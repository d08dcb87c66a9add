"""A local Google Workspace: the Admin SDK Directory API and Google's OAuth 2.0 token endpoint.

Built from Google's public references (Directory API: users.list, groups.list, members.list,
"Search for users", "Search for groups", "Errors", "Limits and quotas"; OAuth 2.0 for
server-to-server applications), not from scimguard's reader. What it implements:

- `POST /token`: the JWT bearer grant (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`,
  `assertion=<RS256 JWT>`): the signature is checked against the service account's public key,
  `iss` against its client email, `aud` against Google's documented audience
  (`https://oauth2.googleapis.com/token`), `exp` in the future; the
  `scope` must be within the scopes granted to the client by domain-wide delegation
  (`granted_scopes`), else `400 {"error": "unauthorized_client", ...}`; `sub` must be an
  admin (`admins`), else `400 {"error": "invalid_grant", "error_description": "Invalid email
  or User ID"}`; a bad signature is `400 invalid_grant "Invalid JWT Signature."`. A grant
  answers `{"access_token", "expires_in": 3599, "token_type": "Bearer"}`.
- `GET /admin/directory/v1/users?customer=&maxResults=&pageToken=&query=&projection=`:
  `maxResults` 1..500 (default 100), `customer` `my_customer` or the customer ID; deleted users
  are not listed. `query`: space-separated clauses `field:value` (a trailing `*` is a prefix
  match) and `field=value` (exact) on `email`, `givenName`, `familyName`, `orgUnitPath`,
  `isSuspended`, `isAdmin`; an unknown field is `400 Invalid Input`.
- `GET /admin/directory/v1/groups?customer=&maxResults=&pageToken=&query=`: `maxResults`
  1..200; `query` on `email` and `name` alike.
- `GET /admin/directory/v1/groups/{groupKey}/members?maxResults=&pageToken=`: `groupKey` is the
  group's id or email; members of `type` USER, GROUP, CUSTOMER or EXTERNAL, with `role` and
  `status`; 1..200 per page; unknown group `404 Resource Not Found: groupKey`.
- Paging by an opaque `nextPageToken`, absent on the last page; an empty page has no list key
  at all (the API leaves out empty fields).
- Errors in the documented body `{"error": {"code", "message", "errors": [{"message",
  "domain", "reason"}], "status"}}`: 401 `authError` without a valid bearer token, 403
  `forbidden` "Not Authorized to access this resource/api" for another customer, 400
  `invalid` "Invalid Input" for a bad query or `maxResults`.

Faults: `fail_page = ("users", N)` answers 503 `backendError` to every read of page N of that
list; `throttle = [429, "userRateLimitExceeded", ...]` answers these, one per request, before
serving the next ones (429 `rateLimitExceeded` / RESOURCE_EXHAUSTED; a reason: a 403 with it,
domain `usageLimits`: `userRateLimitExceeded`, `rateLimitExceeded`, `quotaExceeded`), each
with `Retry-After: retry_after`. `expires_in`: the lifetime of the tokens granted.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fake_api import FakeApi

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUDIENCE = "https://oauth2.googleapis.com/token"  # the documented `aud`, wherever the endpoint
DIRECTORY = "/admin/directory/v1"
SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.member.readonly",
)
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED"}
STATUS.update({404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"})


def google_user(uid: str, email: str, given: str, family: str, **extra) -> dict:
    """A user as `users.list` (projection=full) returns it."""
    return {
        "kind": "admin#directory#user",
        "id": uid,
        "etag": f'"{uid}"',
        "primaryEmail": email,
        "name": {"givenName": given, "familyName": family, "fullName": f"{given} {family}"},
        "isAdmin": False,
        "isDelegatedAdmin": False,
        "lastLoginTime": "1970-01-01T00:00:00.000Z",
        "creationTime": "2024-01-01T00:00:00.000Z",
        "agreedToTerms": True,
        "suspended": False,
        "archived": False,
        "changePasswordAtNextLogin": False,
        "ipWhitelisted": False,
        "emails": [{"address": email, "primary": True}],
        "customerId": "C0fake01",
        "orgUnitPath": "/",
        "isMailboxSetup": True,
        "includeInGlobalAddressList": True,
        **extra,
    }


def google_group(gid: str, email: str, name: str) -> dict:
    return {
        "kind": "admin#directory#group",
        "id": gid,
        "etag": f'"{gid}"',
        "email": email,
        "name": name,
        "directMembersCount": "0",
        "description": "",
        "adminCreated": True,
    }


def member(mid: str, email: str, kind: str = "USER", status: str = "ACTIVE") -> dict:
    return {
        "kind": "admin#directory#member",
        "etag": f'"{mid}"',
        "id": mid,
        "email": email,
        "role": "MEMBER",
        "type": kind,
        "status": status,
    }


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


class FakeGoogle(FakeApi):
    """The fake directory; `key_file(tmp_path)` writes a service-account key that points at it."""

    content_type = "application/json; charset=UTF-8"

    def __init__(self, customer_id: str = "C0fake01", page_size: int = 500) -> None:
        self.customer_id = customer_id
        self.page_size = page_size  # a cap below the documented maximum (tests page with it)
        self.client_email = "scimguard@acme-project.iam.gserviceaccount.com"
        self.admins = {"admin@acme.example"}
        self.granted_scopes = set(SCOPES)
        self.users: list[dict] = []
        self.groups: list[dict] = []
        self.members: dict[str, list[dict]] = {}  # group id -> members
        self.fail_page: tuple[str, int] | None = None
        self.throttle: list[int | str] = []  # 429, or the reason of a 403
        self.retry_after = "1"
        self.expires_in = 3599
        self.requests: list[str] = []
        self.throttled = 0
        self.grants = 0
        self.tokens: set[str] = set()
        self._lock = threading.Lock()
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def key_file(self, directory: Path) -> Path:
        """A service-account JSON key as the Cloud console downloads it, token_uri the fake's."""
        pem = self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        key = {
            "type": "service_account",
            "project_id": "acme-project",
            "private_key_id": "0123456789abcdef",
            "private_key": pem,
            "client_email": self.client_email,
            "client_id": "111111111111111111111",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"{self.url}/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/x",
            "universe_domain": "googleapis.com",
        }
        path = directory / "google-key.json"
        path.write_text(json.dumps(key), encoding="utf-8")
        return path

    def _error(self, h, code: int, message: str, reason: str, domain="global", headers=()):
        body = {
            "error": {
                "code": code,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
                "status": STATUS.get(code, "UNKNOWN"),
            }
        }
        self._send(h, code, body, headers)

    # --- the token endpoint ---------------------------------------------------------------

    def _post(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(h.rfile.read(length).decode()).items()}
        if urlparse(h.path).path != "/token":
            self._error(h, 404, "Not Found", "notFound")
            return
        if form.get("grant_type") != JWT_BEARER:
            self._send(
                h,
                400,
                {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "},
            )
            return
        claims = self._verify(form.get("assertion", ""))
        if claims is None:
            self._send(
                h, 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            )
            return
        if not set(str(claims.get("scope", "")).split()) <= self.granted_scopes:
            description = (
                "Client is unauthorized to retrieve access tokens using this method, or client "
                "not authorized for any of the scopes requested."
            )
            self._send(h, 401, {"error": "unauthorized_client", "error_description": description})
            return
        if claims.get("sub") not in self.admins:
            self._send(
                h, 400, {"error": "invalid_grant", "error_description": "Invalid email or User ID"}
            )
            return
        token = "ya29." + secrets.token_urlsafe(24)
        with self._lock:
            self.tokens.add(token)
            self.grants += 1
        body = {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}
        self._send(h, 200, body)

    def _verify(self, assertion: str) -> dict | None:
        try:
            header, payload, signature = assertion.split(".")
            self._key.public_key().verify(
                _b64(signature),
                f"{header}.{payload}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
            claims = json.loads(_b64(payload))
        except (ValueError, InvalidSignature):
            return None
        if json.loads(_b64(header)).get("alg") != "RS256":
            return None
        if claims.get("iss") != self.client_email or claims.get("aud") != AUDIENCE:
            return None
        return claims if claims.get("exp", 0) > time.time() else None

    # --- the Directory API ----------------------------------------------------------------

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self._lock:
            self.requests.append(h.path)
            fault = self.throttle.pop(0) if self.throttle else None
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            message = (
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential."
            )
            self._error(h, 401, message, "authError", headers=[("WWW-Authenticate", "Bearer")])
            return
        if fault is not None:
            self.throttled += 1
            wait = [("Retry-After", self.retry_after)]
            if fault == 429:
                self._error(h, 429, "Rate Limit Exceeded", "rateLimitExceeded", "usageLimits", wait)
            elif fault == "forbidden":  # a refusal, to show it is not retried
                self._error(h, 403, "Not Authorized to access this resource/api", "forbidden")
            else:  # a 403 whose reason says it is a limit, not a refusal
                message = "Quota Exceeded" if fault == "quotaExceeded" else "Rate Limit Exceeded"
                self._error(h, 403, message, str(fault), "usageLimits", wait)
            return
        path = url.path
        if path == f"{DIRECTORY}/users":
            self._list(h, q, "users", self.users, 500, _USER_FIELDS)
        elif path == f"{DIRECTORY}/groups":
            self._list(h, q, "groups", self.groups, 200, _GROUP_FIELDS)
        elif (m := re.fullmatch(f"{DIRECTORY}/groups/([^/]+)/members", path)) is not None:
            key = unquote(m.group(1))
            group = next((g for g in self.groups if key in (g["id"], g["email"])), None)
            if group is None:
                self._error(h, 404, "Resource Not Found: groupKey", "notFound")
                return
            self._page(h, q, "members", self.members.get(group["id"], []), 200, "members")
        else:
            self._error(h, 404, "Not Found", "notFound")

    def _list(self, h, q: dict, key: str, items: list[dict], most: int, fields) -> None:
        if q.get("customer") not in ("my_customer", self.customer_id):
            self._error(h, 403, "Not Authorized to access this resource/api", "forbidden")
            return
        try:
            chosen = [i for i in items if _matches(i, q.get("query", ""), fields)]
        except ValueError:
            self._error(h, 400, "Invalid Input", "invalid")
            return
        self._page(h, q, key, chosen, most, key)

    def _page(self, h, q: dict, key: str, items: list[dict], most: int, name: str) -> None:
        try:
            size = int(q.get("maxResults", 100))
            start = int(_b64(q["pageToken"]).decode()) if "pageToken" in q else 0
        except (ValueError, KeyError):
            self._error(h, 400, "Invalid Input", "invalid")
            return
        if not 1 <= size <= most:
            self._error(h, 400, "Invalid Input", "invalid")
            return
        size = min(size, self.page_size)
        if self.fail_page == (name, start // size + 1):
            self._error(h, 503, "The service is currently unavailable.", "backendError")
            return
        body: dict = {"kind": f"admin#directory#{name}", "etag": '"page"'}
        chunk = items[start : start + size]
        if chunk:
            body[key] = chunk
        if start + size < len(items):
            body["nextPageToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        self._send(h, 200, body)


def _user_value(user: dict, field: str):
    return {
        "email": user.get("primaryEmail"),
        "givenName": user.get("name", {}).get("givenName"),
        "familyName": user.get("name", {}).get("familyName"),
        "orgUnitPath": user.get("orgUnitPath"),
        "isSuspended": str(user.get("suspended", False)).lower(),
        "isAdmin": str(user.get("isAdmin", False)).lower(),
    }[field]


_USER_FIELDS = ("email", "givenName", "familyName", "orgUnitPath", "isSuspended", "isAdmin")
_GROUP_FIELDS = ("email", "name")
_CLAUSE = re.compile(r"""(\w+)([:=])('[^']*'|"[^"]*"|\S*)""")


def _matches(item: dict, query: str, fields: tuple[str, ...]) -> bool:
    """Every clause of a search query holds (raises ValueError on a field it does not know)."""
    for clause in _clauses(query):
        name, _op, raw = clause
        if name not in fields:
            raise ValueError(name)
        value = raw.strip("'\"").lower()
        actual = _user_value(item, name) if fields is _USER_FIELDS else item.get(name)
        actual = str(actual or "").lower()
        if value.endswith("*"):
            if not actual.startswith(value[:-1]):
                return False
        elif actual != value:
            return False
    return True


def _clauses(query: str):
    rest = query.strip()
    for match in _CLAUSE.finditer(rest):
        yield match.groups()
    leftover = _CLAUSE.sub("", rest).strip()
    if leftover:
        raise ValueError(leftover)


def many_users(count: int) -> list[dict]:
    """`count` users with ids and addresses in order (the 5,000-user directory)."""
    return [
        google_user(f"1{n:020d}", f"user{n}@acme.example", f"Given{n}", f"Family{n}")
        for n in itertools.islice(itertools.count(), count)
    ]
