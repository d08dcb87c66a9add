"""Google Workspace as a source: the Admin SDK Directory API (`--google-customer ID`).

Reads `users.list`, `groups.list` and `members.list` page after page (`pageToken`, the largest
`maxResults` each allows: 500 users, 200 groups or members), as the delegated admin named by
the subject (google_auth.py: key path from `$GOOGLE_APPLICATION_CREDENTIALS`). Scope:

- neither query: every user and every group of the customer;
- `--google-user-query Q` (the API's `query`, e.g. `orgUnitPath=/Eng isSuspended=false`):
  those users; groups keep only members among them;
- `--google-group-query Q` (e.g. `email:aws-*`): those groups, and their members as users
  (also when outside the user query); without a user query, only those members.

AWS IAM Identity Center has no nested groups: a group member that is a group is replaced by
its users, recursively (a cycle is read once); the group record names the groups it flattened
(`nested`) and the plan says so. Suspended (or archived) users are inactive.

429, 5xx, no answer and Google's 403 `userRateLimitExceeded` / `rateLimitExceeded` /
`quotaExceeded` are retried by the engine's one `RetryPolicy`, `Retry-After` winning. A page
that still fails makes the read *partial* (a problem): records read are used for creates and
updates, nothing is removed. Messages carry the API's own `error.message` and reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from scimguard.records import AttributeMapping, MappingError
from scimguard.sources.base import ReadContext, SourceRead, Spec
from scimguard.sources.google_mapping import GoogleConverter
from scimguard.sources.http import ApiAnswer, ApiClient, ApiError, path_of
from scimguard.sources.snapshot import SourceError, SourceRecord
from scimguard.sync.backoff import RetryPolicy, retry_after, transient

API = "https://admin.googleapis.com"
KEY_ENV = "GOOGLE_APPLICATION_CREDENTIALS"  # names the variable holding the key file's path
SCOPES = (  # the read-only scopes domain-wide delegation must grant the key's client ID
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.readonly",
    "https://www.googleapis.com/auth/admin.directory.group.member.readonly",
)
DIRECTORY = "/admin/directory/v1"
USER_PAGE, GROUP_PAGE, MEMBER_PAGE = 500, 200, 200
# 403 reasons that are a rate limit or a quota, not a refusal (Directory API "Errors" page).
RATE_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded", "quotaExceeded"})
SPEC_FIELDS = ("type", "customer", "subject", "user_query", "group_query", "key_env", "api")


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {}


def reasons(response: httpx.Response) -> list[str]:
    """The `errors[].reason` of a Google error body."""
    errors = _error(response).get("errors")
    if not isinstance(errors, list):
        return []
    return [str(e["reason"]) for e in errors if isinstance(e, dict) and e.get("reason")]


class GoogleClient(ApiClient):
    """The Directory API: bearer token by delegation, Google's error bodies, `pageToken`."""

    name = "Google Admin SDK"

    def __init__(
        self,
        base_url: str,
        *,
        key_env: str = KEY_ENV,
        subject: str = "",
        retry: RetryPolicy | None = None,
        progress: Callable[[str], None] = lambda message: None,
    ) -> None:
        super().__init__(base_url, retry=retry)
        self.key_env = key_env
        self.subject = subject
        self.progress = progress
        self.token: Callable[[], str] = lambda: ""  # set by read_google: DelegatedToken

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def error_text(self, response: httpx.Response) -> str:
        error = _error(response)
        if not error:
            return response.text[:200]
        text = str(error.get("message") or error.get("status") or error)
        found = reasons(response)
        return f"{text} ({', '.join(found)})" if found else text

    def is_transient(self, answer: ApiAnswer) -> bool:
        if transient(answer):
            return True
        return (
            answer.status == 403
            and answer.response is not None
            and bool(RATE_REASONS.intersection(reasons(answer.response)))
        )

    def server_delay(self, answer: ApiAnswer) -> float | None:
        if answer.response is None or not self.is_transient(answer):
            return None
        return retry_after(answer.response.headers.get("retry-after"))

    def refusal(self, response: httpx.Response, method: str, url: str) -> str:
        said = f"{self.name} answered {response.status_code} to {method} {path_of(url)}: "
        said += self.error_text(response)
        if response.status_code == 401:
            return said + f" (check the service account key in ${self.key_env})"
        if response.status_code == 403:
            return said + (
                f" (the subject {self.subject!r} must be an admin allowed to read users and "
                "groups, and the key's client ID granted the read-only directory scopes)"
            )
        return said

    def pages(self, path: str, params: dict[str, Any], key: str, what: str) -> Iterator[dict]:
        """Every item of a list method, following `nextPageToken`; an empty list has no key."""
        token: str | None = None
        read = page = 0
        while True:
            query = {k: v for k, v in params.items() if v not in (None, "")}
            if token:
                query["pageToken"] = token
            data = self.get(f"{path}?{urlencode(query)}").json()
            if not isinstance(data, dict):
                raise ApiError(f"{self.name} answered GET {path} with no object")
            items = data.get(key) or []
            if not isinstance(items, list):
                raise ApiError(f"{self.name} answered GET {path}: {key!r} is not a list")
            page += 1
            read += len(items)
            if page > 1 or data.get("nextPageToken"):
                self.progress(f"Google Workspace: {read} {what} read (page {page})")
            yield from (item for item in items if isinstance(item, dict))
            token = data.get("nextPageToken")
            if not token:
                return


class GoogleSource:
    """`{"type": "google", "customer": ID, "subject": EMAIL, "user_query", "group_query",
    "key_env": VAR, "api": URL, "mapping": PATH}`."""

    type = "google"

    def read(self, spec: Spec, context: ReadContext) -> SourceRead:
        return read_google(spec, context)

    def describe(self, spec: Spec) -> str:
        return f"Google Workspace {spec.get('customer') or 'my_customer'}"


def read_google(spec: Spec, context: ReadContext | None = None) -> SourceRead:
    """(records, problems) of a Google Workspace spec; see the module docstring.

    A spec's `backoff` (seconds; tests use it) replaces the base of the run's retry policy.
    """
    context = context or ReadContext()
    policy = context.retry
    if spec.get("backoff") is not None:
        policy = replace(policy, base=float(spec["backoff"]))
    key_env = spec.get("key_env") or KEY_ENV
    subject = spec.get("subject") or ""
    try:
        mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
    except MappingError as exc:  # a source problem (nothing removed), not a crash
        raise SourceError(f"Google Workspace source: {exc}") from None
    conv = GoogleConverter(mapping, spec.get("empty_cells", "absent"))
    client = GoogleClient(
        spec.get("api") or API,
        key_env=key_env,
        subject=subject,
        retry=policy,
        progress=context.progress,
    )
    # why: google-auth and cryptography under it take a third of a second to import,
    # which every sync and check would pay; only a Google read needs them.
    from scimguard.sources.google_auth import DelegatedToken

    try:
        client.token = DelegatedToken(key_env, subject, SCOPES, client.http)
    except SourceError:
        client.close()
        raise
    reader = _Reader(client, spec.get("customer") or "my_customer")
    problems: list[str] = []
    try:
        reader.read(spec.get("user_query"), spec.get("group_query"))
    except ApiError as exc:
        problems.append(str(exc))
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(
            f"Google Admin SDK answered in an unexpected shape ({exc.__class__.__name__}: {exc})"
        )
    finally:
        client.close()
    return _records(spec, conv, reader), problems


class _Reader:
    """What one read collected; a failure leaves what was read so far in place."""

    def __init__(self, client: GoogleClient, customer: str) -> None:
        self.client = client
        self.customer = customer
        self.users: dict[str, dict] = {}  # Google id -> user
        self.groups: list[dict] = []
        self.flat: dict[str, tuple[list[str], list[str]]] = {}  # group id -> (users, nested)
        self._direct: dict[str, list[dict]] = {}

    def _users(self, query: str | None) -> Iterator[dict]:
        params = {
            "customer": self.customer,
            "maxResults": USER_PAGE,
            "projection": "full",
            "query": query,
        }
        return self.client.pages(f"{DIRECTORY}/users", params, "users", "users")

    def read(self, user_query: str | None, group_query: str | None) -> None:
        if user_query or not group_query:
            for user in self._users(user_query):
                self.users[user["id"]] = user
        params = {"customer": self.customer, "maxResults": GROUP_PAGE, "query": group_query}
        self.groups = list(self.client.pages(f"{DIRECTORY}/groups", params, "groups", "groups"))
        for group in self.groups:
            self.flat[group["id"]] = self.flatten(group["id"])
        if group_query:  # the groups' members are users of the read, the user query or not
            wanted = {uid for users, _ in self.flat.values() for uid in users} - set(self.users)
            if wanted:
                for user in self._users(None):
                    if user["id"] in wanted:
                        self.users[user["id"]] = user
        else:
            for gid, (users, nested) in self.flat.items():
                self.flat[gid] = ([u for u in users if u in self.users], nested)

    def direct(self, key: str) -> list[dict]:
        """A group's direct members (`members.list`), read once per read."""
        if key not in self._direct:
            path = f"{DIRECTORY}/groups/{quote(key, safe='')}/members"
            params = {"maxResults": MEMBER_PAGE}
            self._direct[key] = list(self.client.pages(path, params, "members", "members"))
        return self._direct[key]

    def flatten(self, gid: str) -> tuple[list[str], list[str]]:
        """The users of a group, nested groups replaced by their users; the groups replaced."""
        users: dict[str, None] = {}
        nested: list[str] = []
        seen = {gid}
        todo = [gid]
        while todo:
            for member in self.direct(todo.pop(0)):
                kind, mid = member.get("type"), member.get("id")
                if kind == "USER" and isinstance(mid, str):
                    users.setdefault(mid)
                elif kind == "GROUP" and isinstance(mid, str) and mid not in seen:
                    seen.add(mid)
                    nested.append(str(member.get("email") or mid))
                    todo.append(mid)
                # CUSTOMER (everyone) and EXTERNAL members name no directory user: not sent.
        return list(users), nested


def _records(spec: Spec, conv: GoogleConverter, reader: _Reader) -> list[SourceRecord]:
    base = {k: spec[k] for k in (*SPEC_FIELDS, "mapping") if spec.get(k) is not None}
    records: list[SourceRecord] = []
    member_value: dict[str, str] = {}
    for uid, user in reader.users.items():
        resource = conv.user(user)
        record = SourceRecord("user", resource, {**base, "id": uid})
        member_value[uid] = record.key
        records.append(record)
    for group in reader.groups:
        users, nested = reader.flat.get(group["id"], ([], []))
        values = [member_value[u] for u in users if u in member_value]
        source = {**base, "id": group["id"]}
        if nested:
            source["nested"] = nested
        records.append(SourceRecord("group", conv.group(group, values), source))
    return records
