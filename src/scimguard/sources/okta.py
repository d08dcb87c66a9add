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

import os
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from scimguard.errors import MappingError
from scimguard.records import AttributeMapping
from scimguard.records.okta import OktaConverter
from scimguard.sources.base import ReadContext, SourceRead, Spec
from scimguard.sources.http import ApiAnswer, ApiClient, ApiError, path_of
from scimguard.sources.snapshot import NOT_FOUND, Problem, SourceError, SourceRecord
from scimguard.sync.backoff import RetryPolicy

LIMIT = 200
RESET_SLACK = 0.05  # Okta's reset is whole epoch seconds: a hair late beats a second 429
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


def _reset_delay(response: httpx.Response) -> float | None:
    """Seconds until Okta's `X-Rate-Limit-Reset` (epoch seconds), if the header is usable."""
    reset = response.headers.get("x-rate-limit-reset")
    try:
        return max(0.0, float(reset) - time.time()) + RESET_SLACK if reset else None
    except ValueError:
        return None


class OktaClient(ApiClient):
    """Okta's API: SSWS token, `X-Rate-Limit-*` headers, `errorSummary` bodies, `Link` paging."""

    name = "Okta"

    def __init__(
        self, org: str, token: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(org, timeout=timeout, retry=retry)
        self.org = self.base_url
        self._token = token

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"SSWS {self._token}"}

    def error_text(self, response: httpx.Response) -> str:
        return _summary(response)

    def refusal(self, response: httpx.Response, method: str, url: str) -> str:
        if response.status_code in (401, 403):
            return (
                f"Okta answered {response.status_code} to {method} {_path(url)}: the API "
                "token (OKTA_API_TOKEN) is wrong or lacks permission"
            )
        return super().refusal(response, method, url)

    def server_delay(self, answer: ApiAnswer) -> float | None:
        """On a 429 Okta's reset time wins over the backoff."""
        if answer.status != 429 or answer.response is None:
            return None
        return _reset_delay(answer.response)

    def after_response(self, response: httpx.Response) -> None:
        if response.headers.get("x-rate-limit-remaining") == "0":
            # Not a retry: the next request would be refused, so wait for the window to reset.
            wait = _reset_delay(response)
            time.sleep(min(self.retry.max_retry_after, 1.0 if wait is None else wait))

    def pages(self, url: str) -> Iterator[Any]:
        """Every item of a paged collection, following `Link rel="next"`."""
        next_url: str | None = url
        while next_url:
            response = self.get(next_url)
            data = response.json()
            if not isinstance(data, list):
                raise ApiError(f"Okta answered GET {_path(next_url)} with no list")
            yield from data
            next_url = _next_link(response.headers.get_list("link"))


_path = path_of


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


def converter(spec: Spec) -> OktaConverter:
    """The shared Okta -> SCIM mapping of `scimguard.records` (plus `--mapping`, if given)."""
    mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
    return OktaConverter(mapping, spec.get("empty_cells", "absent"))


def okta_group_to_scim(conv: OktaConverter, group: dict[str, Any], ids: list[str]) -> dict:
    resource = conv.convert({**group, "type": group.get("type") or "OKTA_GROUP"})
    resource["members"] = [{"value": uid} for uid in ids]
    return resource


# --- reading ------------------------------------------------------------------------------------


class OktaSource:
    """`{"type": "okta", "org": URL, "groups": [...], "app": ID, "mapping": PATH}`."""

    type = "okta"

    def read(self, spec: Spec, context: ReadContext) -> SourceRead:
        return read_okta(spec, context.retry)

    def describe(self, spec: Spec) -> str:
        return f"Okta {spec.get('org')}"


def read_okta(spec: Spec, retry: RetryPolicy | None = None) -> SourceRead:
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
    try:
        conv = converter(spec)
    except (MappingError, OSError) as exc:  # a source problem of this read, not a crash
        raise SourceError(f"Okta source: --mapping {spec.get('mapping')}: {exc}") from exc
    client = OktaClient(spec["org"], token, retry=policy)
    users: dict[str, dict] = {}
    groups: list[tuple[dict, list[str]]] = []
    problems: list[str] = []
    base = {k: v for k, v in spec.items() if k in ("type", "org", "groups", "app", "mapping")}
    try:
        if spec.get("groups"):
            for name in spec["groups"]:
                group = _find_group(client, name)
                if group is None:
                    problems.append(Problem(f"Okta group {name!r} not found", NOT_FOUND))
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
    except ApiError as exc:
        unknown_app = exc.status == 404 and bool(spec.get("app")) and "/api/v1/apps/" in str(exc)
        problems.append(Problem(str(exc), NOT_FOUND) if unknown_app else str(exc))
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
