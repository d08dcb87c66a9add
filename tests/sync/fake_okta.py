"""A local Okta org serving the documented shapes of the Users, Groups and Apps APIs.

Built from Okta's public Management API reference (Users, Groups, Application Users and
Application Groups, Pagination, Rate limits), not from scimguard's reader:

- `GET /api/v1/users?limit=&after=`: every user whose status is not DEPROVISIONED (as Okta
  lists them: deactivated users only with `filter=status eq "DEPROVISIONED"`).
- `GET /api/v1/groups?q=&limit=&after=` (OKTA_GROUP, APP_GROUP and the BUILT_IN `Everyone`),
  `GET /api/v1/groups/{id}`, `GET /api/v1/groups/{id}/users` (members of any status).
- `GET /api/v1/apps/{id}/users`: the app's users, assigned directly (`"scope": "USER"`) or
  through a group (`"scope": "GROUP"`), never a DEPROVISIONED user (deactivation removes app
  assignments); `GET /api/v1/apps/{id}/groups`.
- Pagination: `limit` capped at `page_size`; `Link: <...>; rel="self"` and, when there is
  more, `Link: <...>; rel="next"` with an opaque `after` cursor.
- Rate limits per endpoint bucket (users, groups, apps): every answer carries
  `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (epoch seconds);
  a request past the limit answers 429 `E0000047` until the window resets.
- `Authorization: SSWS <token>`, else 401 `E0000011`.
- `GET /api/v1/users/{id}` (404 `E0000007` for no such user) and `POST /api/v1/users/{id}`
  with `{"profile": {...}}`: Okta's *partial* update (only the attributes sent change; PUT
  would replace the profile). Each update received is recorded in `updates` as (id, body). A
  token in `read_only_tokens` reads but cannot write: 403 `E0000006` ("You do not have
  permission to perform the requested action"), as for a Read-only Administrator's token. A
  `login` that is not an email address answers 400 `E0000001` with its `errorCauses`.

Faults: `fail_users_page=N` answers 500 to every read of page N of /api/v1/users;
`rate_limit_every=N` answers 429 (with Reset one second ahead) to every N-th request;
`throttle_writes=N` answers 429 `E0000047` (Reset one second ahead) to the next N POSTs.
"""

from __future__ import annotations

import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlparse

from fake_api import FakeApi

STAMP = "2024-01-01T00:00:00.000Z"
BUCKETS = ("users", "groups", "apps")


def okta_user(uid: str, login: str, first: str | None, last: str | None, **profile) -> dict:
    """A user as `GET /api/v1/users` returns it (the default profile's attributes)."""
    status = profile.pop("status", "ACTIVE")
    display = profile.pop("displayName", " ".join(p for p in (first, last) if p) or None)
    return {
        "id": uid,
        "status": status,
        "created": STAMP,
        "activated": None if status in ("STAGED", "PROVISIONED") else STAMP,
        "statusChanged": STAMP,
        "lastLogin": None,
        "lastUpdated": STAMP,
        "passwordChanged": None if status in ("STAGED", "PROVISIONED") else STAMP,
        "type": {"id": "oty1"},
        "profile": {
            "login": login,
            "email": login,
            "firstName": first,
            "lastName": last,
            "displayName": display,
            "mobilePhone": None,
            "secondEmail": None,
            **profile,
        },
        "credentials": {
            "password": {},
            "provider": {"type": "OKTA", "name": "OKTA"},
        },
        "_links": {"self": {"href": f"/api/v1/users/{uid}"}},
    }


def okta_group(gid: str, name: str, kind: str = "OKTA_GROUP", description: str | None = None):
    """A group as `GET /api/v1/groups` returns it."""
    object_class = {
        "OKTA_GROUP": ["okta:user_group"],
        "APP_GROUP": ["okta:windows_security_principal"],
        "BUILT_IN": ["okta:user_group"],
    }[kind]
    return {
        "id": gid,
        "created": STAMP,
        "lastUpdated": STAMP,
        "lastMembershipUpdated": STAMP,
        "objectClass": object_class,
        "type": kind,
        "profile": {"name": name, "description": description},
        "_links": {
            "logo": [{"name": "medium", "href": "/img/logos/groups/okta-medium.png"}],
            "users": {"href": f"/api/v1/groups/{gid}/users"},
            "apps": {"href": f"/api/v1/groups/{gid}/apps"},
        },
    }


class _Bucket:
    """One rate-limit bucket: `limit` requests per `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.remaining = limit
        self.reset = 0

    def take(self, now: float) -> bool:
        if now >= self.reset:
            self.remaining = self.limit
            self.reset = math.ceil(now + self.window)
        if self.remaining == 0:
            return False
        self.remaining -= 1
        return True


class FakeOkta(FakeApi):
    def __init__(
        self,
        token: str = "okta-test-token",
        page_size: int = 2,
        *,
        rate_limit: int = 600,
        rate_window: float = 60.0,
    ) -> None:
        self.token = token
        self.page_size = page_size
        self.users: list[dict] = []
        self.groups: list[dict] = []
        self.members: dict[str, list[str]] = {}
        self.apps: dict[str, dict[str, list[str]]] = {}  # app id -> {"users": [], "groups": []}
        self.fail_users_page: int | None = None
        self.rate_limit_every: int | None = None
        self.requests: list[str] = []
        self.updates: list[tuple[str, dict]] = []  # (user id, body) of each partial update
        self.read_only_tokens: set[str] = set()
        self.throttle_writes = 0
        self.write_attempts = 0
        self.rate_limited = 0
        self.buckets = {name: _Bucket(rate_limit, rate_window) for name in BUCKETS}
        self._lock = threading.Lock()

    # --- answering (served by FakeApi) --------------------------------------------------------

    def _reply(
        self, h: BaseHTTPRequestHandler, status: int, body, links=(), bucket: _Bucket | None = None
    ) -> None:
        """`body` with the bucket's rate-limit headers and the `Link` headers of a page."""
        headers = []
        if bucket is not None:
            headers += [
                ("X-Rate-Limit-Limit", str(bucket.limit)),
                ("X-Rate-Limit-Remaining", str(bucket.remaining)),
                ("X-Rate-Limit-Reset", str(bucket.reset)),
            ]
        headers += [("Link", link) for link in links]
        self._send(h, status, body, headers)

    @staticmethod
    def _error_body(code: str, summary: str) -> dict:
        return {
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": "oae1",
            "errorCauses": [],
        }

    def _error(self, h, status: int, code: str, summary: str, bucket=None) -> None:
        self._reply(h, status, self._error_body(code, summary), bucket=bucket)

    def _too_many(self, h, bucket: _Bucket) -> None:
        self.rate_limited += 1
        summary = "API call exceeded rate limit due to too many requests."
        self._error(h, 429, "E0000047", summary, bucket)

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        parts = url.path.strip("/").split("/")
        name = parts[2] if len(parts) > 2 and parts[2] in BUCKETS else "users"
        bucket = self.buckets[name]
        with self._lock:
            self.requests.append(h.path)
            count = len(self.requests)
            allowed = bucket.take(time.time())
        tokens = {self.token, *self.read_only_tokens}
        if h.headers.get("Authorization") not in {f"SSWS {t}" for t in tokens}:
            self._error(h, 401, "E0000011", "Invalid token provided", bucket)
            return
        if self.rate_limit_every and count % self.rate_limit_every == 0:
            forced = _Bucket(bucket.limit, 1.0)
            forced.remaining, forced.reset = 0, math.ceil(time.time() + 1)
            self._too_many(h, forced)
            return
        if not allowed:
            self._too_many(h, bucket)
            return
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if parts[:2] != ["api", "v1"] or len(parts) < 3:
            summary = "The endpoint does not support the provided HTTP method"
            self._error(h, 404, "E0000022", summary, bucket)
            return
        tail = parts[2:]
        if tail == ["users"]:
            users = [u for u in self.users if u["status"] != "DEPROVISIONED"]
            if q.get("filter", "").replace("'", '"') == 'status eq "DEPROVISIONED"':
                users = [u for u in self.users if u["status"] == "DEPROVISIONED"]
            self._page(h, url.path, q, users, bucket, fail_page=self.fail_users_page)
        elif len(tail) == 2 and tail[0] == "users":
            user = self._user_by_id(tail[1])
            if user is None:
                summary = f"Not found: Resource not found: {tail[1]} (User)"
                self._error(h, 404, "E0000007", summary, bucket)
            else:
                self._reply(h, 200, user, bucket=bucket)
        elif tail == ["groups"]:
            groups = self.groups
            if "q" in q:
                groups = [g for g in groups if g["profile"]["name"].startswith(q["q"])]
            self._page(h, url.path, q, groups, bucket)
        elif len(tail) == 2 and tail[0] == "groups":
            group = next((g for g in self.groups if g["id"] == tail[1]), None)
            if group is None:
                summary = f"Not found: Resource not found: {tail[1]} (UserGroup)"
                self._error(h, 404, "E0000007", summary, bucket)
            else:
                self._reply(h, 200, group, bucket=bucket)
        elif len(tail) == 3 and tail[0] == "groups" and tail[2] == "users":
            ids = set(self.members.get(tail[1], []))
            self._page(h, url.path, q, [u for u in self.users if u["id"] in ids], bucket)
        elif len(tail) == 3 and tail[0] == "apps" and tail[1] in self.apps:
            app = self.apps[tail[1]]
            if tail[2] == "users":
                items = self._app_users(tail[1], app)
            else:
                items = [
                    {
                        "id": gid,
                        "lastUpdated": STAMP,
                        "priority": i,
                        "profile": {},
                        "_links": {"group": {"href": f"/api/v1/groups/{gid}"}},
                    }
                    for i, gid in enumerate(app.get("groups", []))
                ]
            self._page(h, url.path, q, items, bucket)
        else:
            summary = f"Not found: Resource not found: {url.path}"
            self._error(h, 404, "E0000007", summary, bucket)

    def _user_by_id(self, uid: str) -> dict | None:
        return next((u for u in self.users if u["id"] == uid), None)

    def _post(self, h: BaseHTTPRequestHandler) -> None:
        """`POST /api/v1/users/{id}`: a partial profile update (see the module docstring)."""
        url = urlparse(h.path)
        parts = url.path.strip("/").split("/")
        bucket = self.buckets["users"]
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        with self._lock:
            self.requests.append(f"POST {h.path}")
            self.write_attempts += 1
            allowed = bucket.take(time.time())
            throttled = self.throttle_writes > 0
            if throttled:
                self.throttle_writes -= 1
        auth = h.headers.get("Authorization", "")
        token = auth[5:] if auth.startswith("SSWS ") else None
        if token != self.token and token not in self.read_only_tokens:
            self._error(h, 401, "E0000011", "Invalid token provided", bucket)
            return
        if throttled:
            forced = _Bucket(bucket.limit, 1.0)
            forced.remaining, forced.reset = 0, math.ceil(time.time() + 1)
            self._too_many(h, forced)
            return
        if not allowed:
            self._too_many(h, bucket)
            return
        if len(parts) != 4 or parts[:3] != ["api", "v1", "users"]:
            summary = "The endpoint does not support the provided HTTP method"
            self._error(h, 405, "E0000022", summary, bucket)
            return
        if token in self.read_only_tokens:
            summary = "You do not have permission to perform the requested action"
            self._error(h, 403, "E0000006", summary, bucket)
            return
        user = self._user_by_id(parts[3])
        if user is None:
            summary = f"Not found: Resource not found: {parts[3]} (User)"
            self._error(h, 404, "E0000007", summary, bucket)
            return
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("profile"), dict):
            self._error(h, 400, "E0000003", "The request body was not well-formed.", bucket)
            return
        login = body["profile"].get("login", user["profile"].get("login"))
        if not isinstance(login, str) or "@" not in login:
            error = self._error_body("E0000001", "Api validation failed: login")
            error["errorCauses"] = [
                {"errorSummary": "login: Username must be in the form of an email address"}
            ]
            self._reply(h, 400, error, bucket=bucket)
            return
        with self._lock:
            self.updates.append((parts[3], body))
            user["profile"] = {**user["profile"], **body["profile"]}
            user["lastUpdated"] = STAMP
        self._reply(h, 200, user, bucket=bucket)

    def _app_users(self, app_id: str, app: dict[str, list[str]]) -> list[dict]:
        """Application users: direct assignments first, then those through groups."""
        scope: dict[str, str] = {uid: "USER" for uid in app.get("users", [])}
        for gid in app.get("groups", []):
            for uid in self.members.get(gid, []):
                scope.setdefault(uid, "GROUP")
        by_id = {u["id"]: u for u in self.users}
        return [
            {
                "id": uid,
                "externalId": None,
                "created": STAMP,
                "lastUpdated": STAMP,
                "scope": how,
                "status": "PROVISIONED",
                "syncState": "SYNCHRONIZED",
                "credentials": {"userName": by_id[uid]["profile"]["login"]},
                "profile": {},
                "_links": {
                    "app": {"href": f"/api/v1/apps/{app_id}"},
                    "user": {"href": f"/api/v1/users/{uid}"},
                },
            }
            for uid, how in scope.items()
            if uid in by_id and by_id[uid]["status"] != "DEPROVISIONED"
        ]

    def _page(
        self, h, path: str, q: dict, items: list[dict], bucket, fail_page: int | None = None
    ) -> None:
        limit = min(int(q.get("limit", self.page_size)), self.page_size)
        start = 0
        if "after" in q:
            start = next(
                (i + 1 for i, it in enumerate(items) if it["id"] == q["after"]), len(items)
            )
        page_number = start // limit + 1
        if fail_page is not None and page_number == fail_page:
            self._error(h, 500, "E0000009", "Internal Server Error", bucket)
            return
        chunk = items[start : start + limit]
        extra = "".join(
            f"&{k}={quote(v, safe='')}" for k, v in q.items() if k not in ("after", "limit")
        )
        links = [f'<{self.url}{path}?limit={limit}{extra}>; rel="self"']
        if start + limit < len(items):
            links.append(
                f'<{self.url}{path}?after={chunk[-1]["id"]}&limit={limit}{extra}>; rel="next"'
            )
        self._reply(h, 200, chunk, links, bucket)
