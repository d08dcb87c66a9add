"""A local Microsoft Entra ID: the token endpoint and the Microsoft Graph v1.0 reads a sync uses.

Built from Microsoft's public references (Microsoft identity platform: OpenID Connect discovery
and the OAuth 2.0 client credentials flow; Microsoft Graph v1.0: List users, List groups, List
group transitive members, List group members, user: delta, group: delta, Use delta query,
Paging, Query parameters, Advanced query capabilities, Throttling, Error responses), not from
scimguard's reader. Served over HTTPS on 127.0.0.1 with a self-signed certificate made per
fake (msal accepts only an https authority): a client trusts it through `SSL_CERT_FILE`
(httpx) and `REQUESTS_CA_BUNDLE` (msal's requests).

Implemented:
- the sign-in (discovery document, token endpoint: secret or certificate): fake_identity.py.
- Graph requests need `Authorization: Bearer <a token this fake issued>`, else 401
  `InvalidAuthenticationToken`.
- `GET /v1.0/users`, `/v1.0/groups`: `$select` (an unknown user property is 400
  `Request_BadRequest`), `$top` (at most 999; the page is also capped at `page_size`),
  `@odata.nextLink` with an opaque `$skiptoken`.
- `GET /v1.0/groups/{id}/transitiveMembers/microsoft.graph.user` (users at any depth) and
  `/members/microsoft.graph.group` (direct member groups): OData casts, `$count=true` adds
  `@odata.count` and, as every advanced query, needs `ConsistencyLevel: eventual` (else 400
  `Request_UnsupportedQuery`); an unknown group is 404 `Request_ResourceNotFound`.
- `GET /v1.0/users/delta`, `/v1.0/groups/delta` (`$select`, `members` for groups): the first
  round returns every object, paged by `@odata.nextLink`, the last page an `@odata.deltaLink`;
  `$deltatoken=latest` returns no object and a deltaLink of now; a deltaLink returns the objects
  changed since (their selected properties), deleted ones as `{"id", "@removed": {"reason":
  "deleted"}}`, groups' membership changes as `members@delta` (removed members with
  `@removed`). `expire_delta(status)` makes every issued deltaLink answer 410, or 400
  `syncStateNotFound` (what Graph answers to a link older than seven days).
- Errors are `{"error": {"code", "message", "innerError": {"date", "request-id",
  "client-request-id"}}}`. Throttling: `throttle_every=N` answers every N-th Graph request
  429 `TooManyRequests` with `Retry-After` (seconds). Faults: `fail_users_page=N` answers 503
  `serviceNotAvailable` to every read of page N of `/users`; `forbidden` (path prefixes)
  answers 403 `Authorization_RequestDenied`, as for an app without the permission.
"""

from __future__ import annotations

import datetime as dt
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from fake_identity import IdentityPlatform

from fake_api import self_signed

USER_PROPERTIES = frozenset(
    [
        "id",
        "accountEnabled",
        "businessPhones",
        "city",
        "companyName",
        "country",
        "department",
        "displayName",
        "employeeId",
        "employeeType",
        "givenName",
        "jobTitle",
        "mail",
        "mailNickname",
        "mobilePhone",
        "officeLocation",
        "otherMails",
        "postalCode",
        "preferredLanguage",
        "state",
        "streetAddress",
        "surname",
        "usageLocation",
        "userPrincipalName",
        "userType",
    ]
)
TOP_MAX = 999


def graph_user(uid: str, upn: str, given: str | None, surname: str | None, **props: Any) -> dict:
    """A user as Graph holds it (the properties a sync may select)."""
    display = " ".join(p for p in (given, surname) if p) or upn
    return {
        "id": uid,
        "userPrincipalName": upn,
        "displayName": props.pop("displayName", display),
        "givenName": given,
        "surname": surname,
        "mail": props.pop("mail", upn),
        "accountEnabled": props.pop("accountEnabled", True),
        "businessPhones": props.pop("businessPhones", []),
        "mobilePhone": None,
        "jobTitle": None,
        "department": None,
        "employeeId": None,
        "streetAddress": None,
        "city": None,
        "state": None,
        "postalCode": None,
        "country": None,
        "preferredLanguage": None,
        "officeLocation": None,
        "userType": "Member",
        **props,
    }


class FakeGraph(IdentityPlatform):
    protocol_version = "HTTP/1.1"  # connections kept open between requests, as by Graph

    def __init__(
        self,
        workdir: Any,  # a directory (Path) for the certificate
        *,
        tenant: str = "11111111-2222-3333-4444-555555555555",
        client_id: str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        secret: str = "entra-test-secret",
        page_size: int = 100,
    ) -> None:
        self.tenant = tenant
        self.client_id = client_id
        self.secret = secret
        self.certificate: bytes | None = None  # the app's certificate (PEM), if it has one
        self.page_size = page_size
        self.key_path, self.cert_path = self_signed(workdir)
        self.users: dict[str, dict] = {}
        self.groups: dict[str, dict] = {}
        self.members: dict[str, list[str]] = {}  # group id -> direct member ids
        self.seq = 0
        self.log: list[tuple[int, str, str, str | None, bool]] = []  # seq, kind, id, member, added
        self.epoch = 0  # a deltatoken is `<epoch>-<seq>`; expire_delta starts a new epoch
        self.expired_status = 410
        self.throttle_every: int | None = None
        self.fail_users_page: int | None = None
        self.forbidden: set[str] = set()  # path prefixes the app lacks the permission for
        self.requests: list[str] = []  # Graph paths and queries, in order
        self.token_requests = 0
        self.throttled = 0
        self._tokens = set()
        self._lock = threading.Lock()

    # --- the directory (each change is logged for delta queries) ---------------------------

    def _change(self, kind: str, oid: str, member: str | None = None, added: bool = True) -> None:
        self.seq += 1
        self.log.append((self.seq, kind, oid, member, added))

    def add_user(self, user: dict) -> None:
        self.users[user["id"]] = user
        self._change("user", user["id"])

    def update_user(self, uid: str, **props: Any) -> None:
        self.users[uid].update(props)
        self._change("user", uid)

    def delete_user(self, uid: str) -> None:
        del self.users[uid]
        self._change("user", uid)
        for gid, ids in self.members.items():
            if uid in ids:
                ids.remove(uid)
                self._change("group", gid, uid, added=False)

    def add_group(self, gid: str, name: str, members: list[str] = ()) -> None:  # type: ignore[assignment]
        self.groups[gid] = {"id": gid, "displayName": name}
        self.members[gid] = []
        self._change("group", gid)
        for mid in members:
            self.add_member(gid, mid)

    def delete_group(self, gid: str) -> None:
        del self.groups[gid]
        del self.members[gid]
        self._change("group", gid)
        for parent, ids in self.members.items():
            if gid in ids:
                ids.remove(gid)
                self._change("group", parent, gid, added=False)

    def add_member(self, gid: str, mid: str) -> None:
        self.members[gid].append(mid)
        self._change("group", gid, mid, added=True)

    def remove_member(self, gid: str, mid: str) -> None:
        self.members[gid].remove(mid)
        self._change("group", gid, mid, added=False)

    def expire_delta(self, status: int = 410) -> None:
        """Every deltaLink issued so far is refused (410, or 400 syncStateNotFound)."""
        self.epoch += 1
        self.expired_status = status

    def transitive_users(self, gid: str) -> set[str]:
        seen: set[str] = set()
        users: set[str] = set()
        todo = [gid]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for mid in self.members.get(current, []):
                if mid in self.groups:
                    todo.append(mid)
                elif mid in self.users:
                    users.add(mid)
        return users

    # --- serving ----------------------------------------------------------------------------

    def _tls(self) -> ssl.SSLContext:
        """Graph and the identity platform answer HTTPS only: our self-signed certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    def graph_requests(self, prefix: str) -> list[str]:
        return [r for r in self.requests if r.startswith(prefix)]

    def _error(self, h, status: int, code: str, message: str, headers=()) -> None:
        inner = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "request-id": str(uuid.uuid4()),
            "client-request-id": str(uuid.uuid4()),
        }
        body = {"error": {"code": code, "message": message, "innerError": inner}}
        self._send(h, status, body, headers)

    # --- Graph --------------------------------------------------------------------------------

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        try:
            self._route_get(h)
        except Exception as exc:  # a bug of the fake: say so, as a 500
            self._error(h, 500, "FakeGraphBug", f"{exc.__class__.__name__}: {exc}")

    def _route_get(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        parts = url.path.strip("/").split("/")
        if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            self._discovery(h, parts[0])
            return
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self._lock:
            self.requests.append(h.path)
            count = len(self.requests)
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self._tokens:
            message = "Access token is empty." if not auth else "Access token validation failure."
            self._error(h, 401, "InvalidAuthenticationToken", message)
            return
        if self.throttle_every and count % self.throttle_every == 0:
            with self._lock:
                self.throttled += 1
            self._error(h, 429, "TooManyRequests", "Too many requests.", [("Retry-After", "1")])
            return
        if any(url.path.startswith(prefix) for prefix in self.forbidden):
            self._error(
                h,
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
            return
        if parts[0] != "v1.0":
            self._error(h, 404, "Request_ResourceNotFound", f"Resource {url.path} not found.")
            return
        advanced = "$count" in q or "$search" in q
        if advanced and h.headers.get("ConsistencyLevel", "").lower() != "eventual":
            self._error(
                h,
                400,
                "Request_UnsupportedQuery",
                "Unsupported query: $count and "
                "$search need the request header ConsistencyLevel: eventual.",
            )
            return
        tail = parts[1:]
        if tail in (["users"], ["users", "delta"]):
            select = (
                q.get("$select", "").split(",") if q.get("$select") else sorted(USER_PROPERTIES)
            )
            unknown = [p for p in select if p not in USER_PROPERTIES]
            if unknown:
                self._error(
                    h,
                    400,
                    "Request_BadRequest",
                    f"Could not find a property named "
                    f"'{unknown[0]}' on type 'microsoft.graph.user'.",
                )
                return
        if tail == ["users"]:
            items = [_pick(u, q) for u in self.users.values()]
            self._page(h, url.path, q, items, fail_page=self.fail_users_page)
        elif tail == ["groups"]:
            self._page(h, url.path, q, [_pick(g, q) for g in self.groups.values()])
        elif tail in (["users", "delta"], ["groups", "delta"]):
            self._delta(h, url.path, q, tail[0][:-1])
        elif (
            len(tail) == 4
            and tail[0] == "groups"
            and tail[2:]
            in (
                ["transitiveMembers", "microsoft.graph.user"],
                ["members", "microsoft.graph.group"],
            )
        ):
            gid = tail[1]
            if gid not in self.groups:
                self._error(
                    h,
                    404,
                    "Request_ResourceNotFound",
                    f"Resource '{gid}' does not exist "
                    "or one of its queried reference-property objects are not present.",
                )
                return
            if tail[2] == "transitiveMembers":
                items = [_pick(self.users[u], q) for u in sorted(self.transitive_users(gid))]
                kind = "#microsoft.graph.user"
            else:
                items = [_pick(self.groups[m], q) for m in self.members[gid] if m in self.groups]
                kind = "#microsoft.graph.group"
            items = [{"@odata.type": kind, **it} for it in items]
            self._page(h, url.path, q, items)
        else:
            self._error(h, 400, "Request_BadRequest", f"Unsupported request: {url.path}")

    def _page(
        self,
        h,
        path: str,
        q: dict,
        items: list[dict],
        fail_page: int | None = None,
        extra: dict | None = None,
    ) -> None:
        top = min(int(q.get("$top", TOP_MAX)), TOP_MAX, self.page_size)
        start = int(q.get("$skiptoken", "X0").removeprefix("X"))
        if fail_page is not None and start // top + 1 == fail_page:
            self._error(h, 503, "serviceNotAvailable", "The service is temporarily unavailable.")
            return
        body: dict[str, Any] = {"@odata.context": f"{self.graph_url}/$metadata#{path}"}
        if q.get("$count") == "true":
            body["@odata.count"] = len(items)
        body["value"] = items[start : start + top]
        if start + top < len(items):
            rest = {k: v for k, v in q.items() if k != "$skiptoken"}
            body["@odata.nextLink"] = (
                f"{self.url}{path}?{urlencode({**rest, '$skiptoken': f'X{start + top}'})}"
            )
        body.update(extra or {})
        self._send(h, 200, body)

    def _delta(self, h, path: str, q: dict, kind: str) -> None:
        token = q.get("$deltatoken")
        here = {k: v for k, v in q.items() if k not in ("$deltatoken", "$skiptoken")}
        if token == "latest":
            link = f"{self.url}{path}?{urlencode({**here, '$deltatoken': self._token(self.seq)})}"
            self._send(h, 200, {"value": [], "@odata.deltaLink": link})
            return
        if "$skiptoken" in q:  # a page of a round: "<since>.<until>.<offset>"
            since, until, offset = (int(x) for x in q["$skiptoken"].split("."))
        else:
            epoch, since = (int(x) for x in (token or f"{self.epoch}-0").split("-"))
            until, offset = self.seq, 0
            if epoch != self.epoch:
                if self.expired_status == 410:
                    self._error(h, 410, "syncStateNotFound", "The sync state is not found.")
                else:
                    self._error(
                        h,
                        400,
                        "syncStateNotFound",
                        "The sync state generation is not "
                        "found. The delta token is expired and data must be synchronized "
                        "again.",
                    )
                return
        items = self._changes(kind, since, until, q)
        chunk = items[offset : offset + self.page_size]
        body: dict[str, Any] = {"@odata.context": f"{self.graph_url}/$metadata#{kind}s/delta"}
        body["value"] = chunk
        if offset + self.page_size < len(items):
            skip = f"{since}.{until}.{offset + self.page_size}"
            body["@odata.nextLink"] = f"{self.url}{path}?{urlencode({**here, '$skiptoken': skip})}"
        else:
            body["@odata.deltaLink"] = (
                f"{self.url}{path}?{urlencode({**here, '$deltatoken': self._token(until)})}"
            )
        self._send(h, 200, body)

    def _token(self, seq: int) -> str:
        return f"{self.epoch}-{seq}"

    def _changes(self, kind: str, since: int, until: int, q: dict) -> list[dict]:
        """The objects of `kind` changed in (since, until], in the order of their last change."""
        changed: dict[str, list[tuple[str, bool]]] = {}
        for seq, k, oid, member, added in self.log:
            if k == kind and since < seq <= until:
                changed.setdefault(oid, [])
                if member is not None:
                    changed[oid].append((member, added))
        out = []
        store = self.users if kind == "user" else self.groups
        for oid, member_changes in changed.items():
            if oid not in store:
                out.append({"id": oid, "@removed": {"reason": "deleted"}})
                continue
            item = _pick(store[oid], q)
            if kind == "group" and "members" in q.get("$select", "members"):
                last: dict[str, bool] = {}
                for mid, added in member_changes:
                    last[mid] = added
                if since == 0:  # the first round: the members as they are
                    last = dict.fromkeys(self.members[oid], True)
                delta = []
                for mid, added in last.items():
                    otype = (
                        "#microsoft.graph.group"
                        if mid in self.groups
                        else ("#microsoft.graph.user")
                    )
                    entry: dict[str, Any] = {"@odata.type": otype, "id": mid}
                    if not added:
                        entry["@removed"] = {"reason": "deleted"}
                    delta.append(entry)
                if delta:
                    item["members@delta"] = delta
            out.append(item)
        return out


def _pick(obj: dict, q: dict) -> dict:
    """The object with only its `$select`ed properties (and `id`, which Graph always sends)."""
    select = q.get("$select")
    if not select:
        return dict(obj)
    names = [n for n in select.split(",") if n != "members"]
    return {"id": obj["id"], **{n: obj.get(n) for n in names if n != "id"}}
