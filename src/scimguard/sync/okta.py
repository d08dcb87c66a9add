"""The Okta Users and Groups API as a source (`--okta-org URL`, token in `OKTA_API_TOKEN`).

Reads follow the `Link: <...>; rel="next"` header page after page, wait when Okta's
`X-Rate-Limit-Remaining` reaches zero (until `X-Rate-Limit-Reset`, epoch seconds), and retry
429, 5xx, timeouts and connection errors by the engine's one `RetryPolicy` (sync/backoff.py,
the SCIM client's too): on a 429 the reset time wins over the backoff. A page that still fails
makes the read *partial*: the records read so far are used for creates and updates, and the
snapshot says it is incomplete so nothing is deactivated or deleted.

Scope: `--okta-group NAME` (repeatable): those groups and their members; `--okta-app ID`: the
users and groups assigned to the app; neither: every user and group of the org.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

import httpx

from scimguard.records import AttributeMapping
from scimguard.records.okta import OktaConverter
from scimguard.sync.backoff import RetryPolicy, count_retry, transient
from scimguard.sync.desired import SourceError, SourceRecord

log = logging.getLogger("scimguard.sync.okta")
LIMIT = 200
RESET_SLACK = 0.05  # Okta's reset is whole epoch seconds: a hair late beats a second 429
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


class OktaReadError(Exception):
    pass


@dataclass
class _Answer:
    """One GET as the retry policy sees it."""

    status: int | None  # None: no answer (timeout, connection error)
    response: httpx.Response | None = None
    error: str = ""


def _reset_delay(answer: _Answer) -> float | None:
    """Seconds until Okta's `X-Rate-Limit-Reset` (epoch seconds), for a 429 that has one."""
    if answer.status != 429 or answer.response is None:
        return None
    reset = answer.response.headers.get("x-rate-limit-reset")
    try:
        return max(0.0, float(reset) - time.time()) + RESET_SLACK if reset else None
    except ValueError:
        return None


class OktaClient:
    def __init__(
        self, org: str, token: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        self.org = org.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.http = httpx.Client(
            headers={"Authorization": f"SSWS {token}", "Accept": "application/json"},
            timeout=timeout,
        )
        self.requests = 0
        self.counts: dict[str, int] = {"retries": 0}

    def close(self) -> None:
        self.http.close()

    def get(self, url: str) -> httpx.Response:
        """One GET with Okta's rate-limit headers honoured and transient failures retried."""
        if url.startswith("/"):
            url = self.org + url

        def attempt() -> _Answer:
            self.requests += 1
            try:
                response = self.http.get(url)
            except httpx.TransportError as exc:  # timeouts included
                return _Answer(None, error=exc.__class__.__name__)
            status = response.status_code
            if status in (401, 403):
                raise OktaReadError(
                    f"Okta answered {status} to GET {_path(url)}: the API "
                    "token (OKTA_API_TOKEN) is wrong or lacks permission"
                )
            if 400 <= status < 500 and status != 429:
                raise OktaReadError(
                    f"Okta answered {status} to GET {_path(url)}: {_summary(response)}"
                )
            return _Answer(status, response)

        def on_retry(answer: _Answer, number: int) -> None:
            why = count_retry(self.counts, answer)
            log.debug(
                "retry %d of GET %s after %s",
                number - 1,
                _path(url).split("?", 1)[0],
                why,
                extra={  # the SCIM client's event shape; no query (it may hold a name)
                    "event": "throttled" if answer.status == 429 else "retry",
                    "fields": {
                        "method": "GET",
                        "path": _path(url).split("?", 1)[0],
                        "attempt": number,
                        "after": why,
                    },
                },
            )

        answer = self.retry.call(attempt, server_delay=_reset_delay, on_retry=on_retry)
        if answer.response is None or transient(answer):
            last = answer.error if answer.status is None else str(answer.status)
            raise OktaReadError(
                f"Okta failed on GET {_path(url)} after {self.retry.max_attempts} attempts ({last})"
            )
        response = answer.response
        if response.headers.get("x-rate-limit-remaining") == "0":
            # Not a retry: the next request would be refused, so wait for the window to reset.
            reset = response.headers.get("x-rate-limit-reset")
            try:
                wait = float(reset) - time.time() if reset else 1.0
            except ValueError:
                wait = 1.0
            time.sleep(min(self.retry.max_retry_after, max(0.0, wait) + RESET_SLACK))
        return response

    def pages(self, url: str) -> Any:
        """Every item of a paged collection, following `Link rel="next"`."""
        page: str | None = url
        while page:
            response = self.get(page)
            data = response.json()
            if not isinstance(data, list):
                raise OktaReadError(f"Okta answered GET {_path(page)} with no list")
            yield from data
            page = _next_link(response.headers.get_list("link"))


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _summary(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("errorSummary") or data)
    return str(data)[:200]


def _next_link(values: list[str]) -> str | None:
    for value in values:
        for url, rel in _LINK.findall(value):
            if rel.strip() == "next":
                return url
    return None


# --- mapping ------------------------------------------------------------------------------------


def converter(spec: dict[str, Any]) -> OktaConverter:
    """The shared Okta -> SCIM mapping of `scimguard.records` (plus `--mapping`, if given)."""
    mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
    return OktaConverter(mapping, spec.get("empty_cells", "absent"))


def okta_group_to_scim(conv: OktaConverter, group: dict[str, Any], ids: list[str]) -> dict:
    resource = conv.convert({**group, "type": group.get("type") or "OKTA_GROUP"})
    resource["members"] = [{"value": uid} for uid in ids]
    return resource


# --- reading ------------------------------------------------------------------------------------


def read_okta(
    spec: dict[str, Any], retry: RetryPolicy | None = None
) -> tuple[list[SourceRecord], list[str]]:
    """(records, problems) of an Okta source spec; see the module docstring.

    `retry` is the run's policy (the SCIM client's); a spec's `backoff` (seconds, tests use it)
    replaces its base.
    """
    token = os.environ.get("OKTA_API_TOKEN", "").strip()
    if not token:
        raise SourceError("Okta source: OKTA_API_TOKEN is not set")
    policy = retry or RetryPolicy()
    if spec.get("backoff") is not None:
        policy = replace(policy, base=float(spec["backoff"]))
    client = OktaClient(spec["org"], token, retry=policy)
    users: dict[str, dict] = {}
    groups: list[tuple[dict, list[str]]] = []
    problems: list[str] = []
    base = {k: v for k, v in spec.items() if k in ("type", "org", "groups", "app", "mapping")}
    conv = converter(spec)
    try:
        if spec.get("groups"):
            for name in spec["groups"]:
                group = _find_group(client, name)
                if group is None:
                    problems.append(f"Okta group {name!r} not found")
                    continue
                members = _collect_users(
                    client, f"/api/v1/groups/{group['id']}/users?limit={LIMIT}", users
                )
                groups.append((group, members))
        elif spec.get("app"):
            app = quote(spec["app"], safe="")
            assigned = {a["id"] for a in client.pages(f"/api/v1/apps/{app}/users?limit={LIMIT}")}
            for group_ref in client.pages(f"/api/v1/apps/{app}/groups?limit={LIMIT}"):
                gid = quote(group_ref["id"], safe="")
                group = client.get(f"/api/v1/groups/{gid}").json()
                members = _collect_users(client, f"/api/v1/groups/{gid}/users?limit={LIMIT}", users)
                assigned.update(members)
                groups.append((group, members))
            missing = assigned - set(users)
            if missing:
                everyone: dict[str, dict] = {}
                _collect_users(client, f"/api/v1/users?limit={LIMIT}", everyone)
                for uid in missing:
                    if uid in everyone:
                        users[uid] = everyone[uid]
                    else:
                        problems.append(f"Okta app user {uid} not found among the org's users")
            # Group members outside the app's assignments are still provisioned with the group.
        else:
            _collect_users(client, f"/api/v1/users?limit={LIMIT}", users)
            for group in client.pages(f"/api/v1/groups?limit={LIMIT}"):
                if group.get("type") == "BUILT_IN":
                    continue
                gid = quote(group["id"], safe="")
                members = _collect_users(client, f"/api/v1/groups/{gid}/users?limit={LIMIT}", {})
                groups.append((group, members))
    except OktaReadError as exc:
        problems.append(str(exc))
    except (ValueError, KeyError, TypeError) as exc:
        problems.append(f"Okta answered in an unexpected shape ({exc.__class__.__name__}: {exc})")
    finally:
        client.close()
    records = [
        SourceRecord("user", conv.convert(u), {**base, "id": uid}) for uid, u in users.items()
    ]
    records += [
        SourceRecord("group", okta_group_to_scim(conv, g, m), {**base, "id": g.get("id")})
        for g, m in groups
    ]
    return records, problems


def _find_group(client: OktaClient, name: str) -> dict | None:
    for group in client.pages(f"/api/v1/groups?q={quote(name, safe='')}&limit={LIMIT}"):
        if (group.get("profile") or {}).get("name") == name:
            return group
    return None


def _collect_users(client: OktaClient, url: str, into: dict[str, dict]) -> list[str]:
    ids = []
    for user in client.pages(url):
        uid = user.get("id")
        if isinstance(uid, str):
            ids.append(uid)
            into.setdefault(uid, user)
    return ids
