"""A local Okta org serving the documented shapes of the Users, Groups and Apps APIs.

Users: `GET /api/v1/users?limit=&after=`, groups: `GET /api/v1/groups?q=&limit=&after=`,
`GET /api/v1/groups/{id}`, `GET /api/v1/groups/{id}/users`, apps: `/api/v1/apps/{id}/users`,
`/api/v1/apps/{id}/groups`. Pagination with `Link: <...>; rel="self"` and `rel="next"` (cursor
`after`), `X-Rate-Limit-Limit/Remaining/Reset` on every answer, `Authorization: SSWS <token>`.
Faults: `fail_users_page=N` answers 500 to every read of page N of /api/v1/users;
`rate_limit_every=N` answers 429 (with Reset one second ahead) to every N-th request.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def okta_user(uid: str, login: str, first: str, last: str, **profile) -> dict:
    return {
        "id": uid,
        "status": profile.pop("status", "ACTIVE"),
        "created": "2024-01-01T00:00:00.000Z",
        "activated": "2024-01-01T00:00:00.000Z",
        "statusChanged": "2024-01-01T00:00:00.000Z",
        "lastLogin": None,
        "lastUpdated": "2024-01-01T00:00:00.000Z",
        "passwordChanged": None,
        "type": {"id": "oty1"},
        "profile": {
            "login": login,
            "email": login,
            "firstName": first,
            "lastName": last,
            "mobilePhone": None,
            "secondEmail": None,
            **profile,
        },
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": f"/api/v1/users/{uid}"}},
    }


def okta_group(gid: str, name: str) -> dict:
    return {
        "id": gid,
        "created": "2024-01-01T00:00:00.000Z",
        "lastUpdated": "2024-01-01T00:00:00.000Z",
        "lastMembershipUpdated": "2024-01-01T00:00:00.000Z",
        "objectClass": ["okta:user_group"],
        "type": "OKTA_GROUP",
        "profile": {"name": name, "description": None},
        "_links": {"users": {"href": f"/api/v1/groups/{gid}/users"}},
    }


class FakeOkta:
    def __init__(self, token: str = "okta-test-token", page_size: int = 2) -> None:
        self.token = token
        self.page_size = page_size
        self.users: list[dict] = []
        self.groups: list[dict] = []
        self.members: dict[str, list[str]] = {}
        self.apps: dict[str, dict[str, list[str]]] = {}  # app id -> {"users": [], "groups": []}
        self.fail_users_page: int | None = None
        self.rate_limit_every: int | None = None
        self.requests: list[str] = []
        self.rate_limited = 0
        self._server: ThreadingHTTPServer | None = None

    # --- serving --------------------------------------------------------------------------

    def __enter__(self) -> FakeOkta:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _send(self, h: BaseHTTPRequestHandler, status: int, body, links=(), reset=None) -> None:
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("X-Rate-Limit-Limit", "600")
        h.send_header("X-Rate-Limit-Remaining", "0" if status == 429 else "599")
        h.send_header("X-Rate-Limit-Reset", str(int(reset or time.time() + 60)))
        for link in links:
            h.send_header("Link", link)
        h.end_headers()
        h.wfile.write(data)

    def _error(self, h, status: int, code: str, summary: str) -> None:
        self._send(
            h,
            status,
            {
                "errorCode": code,
                "errorSummary": summary,
                "errorLink": code,
                "errorId": "oae1",
                "errorCauses": [],
            },
        )

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        self.requests.append(h.path)
        if h.headers.get("Authorization") != f"SSWS {self.token}":
            self._error(h, 401, "E0000011", "Invalid token provided")
            return
        if self.rate_limit_every and len(self.requests) % self.rate_limit_every == 0:
            self.rate_limited += 1
            self._send(
                h,
                429,
                {
                    "errorCode": "E0000047",
                    "errorSummary": "API call exceeded rate limit due to too many requests.",
                },
                reset=time.time() + 1,
            )
            return
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if parts[:3] != ["api", "v1", parts[2] if len(parts) > 2 else ""]:
            self._error(
                h, 404, "E0000022", "The endpoint does not support the provided HTTP method"
            )
            return
        tail = parts[2:]
        if tail == ["users"]:
            self._page(h, url.path, q, self.users, fail_page=self.fail_users_page)
        elif tail == ["groups"]:
            groups = self.groups
            if "q" in q:
                groups = [g for g in groups if g["profile"]["name"].startswith(q["q"])]
            self._page(h, url.path, q, groups)
        elif len(tail) == 2 and tail[0] == "groups":
            group = next((g for g in self.groups if g["id"] == tail[1]), None)
            if group is None:
                self._error(
                    h, 404, "E0000007", f"Not found: Resource not found: {tail[1]} (UserGroup)"
                )
            else:
                self._send(h, 200, group)
        elif len(tail) == 3 and tail[0] == "groups" and tail[2] == "users":
            ids = self.members.get(tail[1], [])
            self._page(h, url.path, q, [u for u in self.users if u["id"] in ids])
        elif len(tail) == 3 and tail[0] == "apps" and tail[1] in self.apps:
            app = self.apps[tail[1]]
            if tail[2] == "users":
                items = [
                    {
                        "id": uid,
                        "scope": "USER",
                        "status": "PROVISIONED",
                        "credentials": {
                            "userName": next(
                                u["profile"]["login"] for u in self.users if u["id"] == uid
                            )
                        },
                    }
                    for uid in app.get("users", [])
                ]
            else:
                items = [{"id": gid, "priority": 0, "profile": {}} for gid in app.get("groups", [])]
            self._page(h, url.path, q, items)
        else:
            self._error(h, 404, "E0000007", f"Not found: Resource not found: {url.path}")

    def _page(self, h, path: str, q: dict, items: list[dict], fail_page: int | None = None) -> None:
        limit = min(int(q.get("limit", self.page_size)), self.page_size)
        start = 0
        if "after" in q:
            start = next(
                (i + 1 for i, it in enumerate(items) if it["id"] == q["after"]), len(items)
            )
        page_number = start // limit + 1
        if fail_page is not None and page_number == fail_page:
            self._error(h, 500, "E0000009", "Internal Server Error")
            return
        chunk = items[start : start + limit]
        extra = "".join(f"&{k}={v}" for k, v in q.items() if k not in ("after", "limit"))
        links = [f'<{self.url}{path}?limit={limit}{extra}>; rel="self"']
        if start + limit < len(items):
            links.append(
                f'<{self.url}{path}?after={chunk[-1]["id"]}&limit={limit}{extra}>; rel="next"'
            )
        self._send(h, 200, chunk, links)
