"""Microsoft Entra ID through Microsoft Graph as a source (`--entra-tenant TENANT_ID`).

A *full read* lists `/users` and `/groups` (`$select`ed, `@odata.nextLink` paging) and each
group's users through `/groups/{id}/transitiveMembers/microsoft.graph.user` (an OData cast,
which needs `ConsistencyLevel: eventual` and `$count=true`): AWS has no nested groups, so a
group's members are every user in it at any depth.

With the engine's state (`sync`, not `check`), the read also keeps a *delta cursor*: before the
full listing it asks `/users/delta` and `/groups/delta` for `$deltatoken=latest` (a cursor of
"now", without the objects), and saves the users, groups, memberships and both `deltaLink`s.
The next run follows the `deltaLink`s only: changed objects are merged, `@removed` ones
dropped, and the groups whose `members@delta` changed (with every group that contains them)
have their transitive users read again. The planner still gets the whole desired state, so a
user absent from the delta is not removed. A 410 on a `deltaLink` (the tenant's sync state
lost), a 400 `syncStateNotFound` (a link older than seven days) or a changed `$select` (a new
`--mapping`) means a full read.

A failing request makes the read partial: the problem is returned with Graph's own
`error.code: error.message`, the state is not saved, and the planner removes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from scimguard.records import AttributeMapping, MappingError
from scimguard.sources.base import NoState, ReadContext, SourceRead, Spec, state_key
from scimguard.sources.entra_map import EntraConverter
from scimguard.sources.graph import (
    AUTHORITY_URL,
    GRAPH_URL,
    GraphClient,
    GraphSettings,
    credential_from_env,
)
from scimguard.sources.http import ApiError
from scimguard.sources.snapshot import SourceError, SourceRecord

TOP = 999  # Graph's largest page of users and groups
EVENTUAL = {"ConsistencyLevel": "eventual"}
STATE_VERSION = 1
_SPEC_KEYS = ("type", "tenant", "client_id", "graph_url", "authority_url", "mapping", "empty_cells")


class EntraSource:
    """`{"type": "entra", "tenant": ID, "client_id": ID, "graph_url": URL,
    "authority_url": URL, "mapping": PATH}` (the secret or certificate: environment)."""

    type = "entra"

    def read(self, spec: Spec, context: ReadContext) -> SourceRead:
        return read_entra(spec, context)

    def describe(self, spec: Spec) -> str:
        return f"Entra ID tenant {spec.get('tenant')}"


def read_entra(spec: Spec, context: ReadContext) -> SourceRead:
    """(records, problems) of an Entra spec; see the module docstring."""
    try:
        mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
    except MappingError as exc:
        raise SourceError(str(exc)) from exc
    conv = EntraConverter(mapping, spec.get("empty_cells", "absent"))
    settings = GraphSettings(
        tenant=str(spec["tenant"]),
        client_id=str(spec.get("client_id") or ""),
        graph_url=spec.get("graph_url") or GRAPH_URL,
        authority_url=spec.get("authority_url") or AUTHORITY_URL,
    )
    if not settings.client_id:
        raise SourceError("Entra source: no client id (--entra-client-id or ENTRA_CLIENT_ID)")
    policy = context.retry
    if spec.get("backoff") is not None:  # tests: a fast backoff
        policy = replace(policy, base=float(spec["backoff"]))
    key = state_key(spec, "tenant", "graph_url")
    keeps_state = not isinstance(context.state, NoState)
    select = conv.select()
    problems: list[str] = []
    with GraphClient(settings, credential_from_env(), retry=policy) as client:
        reader = _Reader(client, select, context)
        directory: dict[str, Any] | None = None
        saved: Any = context.state.load(key) if keeps_state else None
        if _usable(saved, select):
            try:
                directory = reader.delta(saved)
            except ApiError as exc:
                if not _expired(exc):
                    problems.append(str(exc))
                    return _records(spec, conv, saved, partial=True), problems
                context.progress(f"Entra: the delta link expired ({exc}): reading everything")
        if directory is None:
            directory = reader.full(with_cursor=keeps_state)
            problems.extend(reader.problems)
    if keeps_state and not problems:
        context.state.save(key, directory)
    return _records(spec, conv, directory, partial=bool(problems)), problems


def _expired(exc: ApiError) -> bool:
    """A delta link Graph will not follow: 410 Gone, or 400 `syncStateNotFound` (its answer to
    a link older than seven days, for users and groups)."""
    return exc.status == 410 or (exc.status == 400 and "syncStateNotFound" in str(exc))


def _usable(saved: Any, select: list[str]) -> bool:
    return (
        isinstance(saved, dict)
        and saved.get("version") == STATE_VERSION
        and saved.get("select") == select
        and bool(saved.get("links"))
    )


def _records(
    spec: Spec, conv: EntraConverter, directory: dict[str, Any], *, partial: bool
) -> list[SourceRecord]:
    base = {k: v for k, v in spec.items() if k in _SPEC_KEYS}
    users: dict[str, dict] = directory.get("users", {})
    out = [SourceRecord("user", conv.user(obj), {**base, "id": uid}) for uid, obj in users.items()]
    members: dict[str, list[str]] = directory.get("members", {})
    for gid, obj in directory.get("groups", {}).items():
        if partial and gid not in members:
            continue  # its members were not read: a group sent empty would lose them
        resource = conv.group({**obj, "id": gid}, members.get(gid, []))
        out.append(SourceRecord("group", resource, {**base, "id": gid}))
    return out


class _Reader:
    """The requests of one read; `problems` collects what failed (the read is then partial)."""

    def __init__(self, client: GraphClient, select: list[str], context: ReadContext) -> None:
        self.client = client
        self.select = select
        self.progress = context.progress
        self.problems: list[str] = []

    # --- full read ------------------------------------------------------------------------

    def full(self, *, with_cursor: bool) -> dict[str, Any]:
        directory: dict[str, Any] = {
            "version": STATE_VERSION,
            "select": self.select,
            "links": {},
            "users": {},
            "groups": {},
            "members": {},
            "nested": {},
        }
        try:
            if with_cursor:  # first: a change made during the listing comes again next time
                directory["links"] = {
                    "users": self._latest(f"/users/delta?$select={','.join(self.select)}"),
                    "groups": self._latest("/groups/delta?$select=displayName,members"),
                }
            users = directory["users"]
            for page in self.client.pages(f"/users?$select={','.join(self.select)}&$top={TOP}"):
                for obj in page["value"]:
                    users[obj["id"]] = _fields(obj)
                self.progress(f"Entra: {len(users)} users read")
            for obj in self.client.items(f"/groups?$select=id,displayName&$top={TOP}"):
                directory["groups"][obj["id"]] = {"displayName": obj.get("displayName")}
            self.progress(f"Entra: {len(directory['groups'])} groups read")
        except ApiError as exc:
            self.problems.append(str(exc))
            return directory
        except (KeyError, TypeError, ValueError) as exc:
            self.problems.append(_shape(exc))
            return directory
        self._memberships(directory, directory["groups"], nested=with_cursor)
        return directory

    def _latest(self, url: str) -> str:
        """A delta cursor of now: `$deltatoken=latest` answers no objects, only a deltaLink."""
        link = None
        for page in self.client.pages(f"{url}&$deltatoken=latest"):
            link = page.get("@odata.deltaLink") or link
        if not isinstance(link, str):
            raise ApiError(f"Microsoft Graph gave no deltaLink for {url.split('?', 1)[0]}")
        return link

    def _memberships(self, directory: dict[str, Any], ids: Iterable[str], *, nested: bool) -> None:
        """Each group's users at any depth (and, to follow deltas, its direct member groups)."""
        for done, gid in enumerate(sorted(ids), 1):
            g = quote(gid, safe="")
            try:
                users = self.client.items(
                    f"/groups/{g}/transitiveMembers/microsoft.graph.user"
                    f"?$select=id&$top={TOP}&$count=true",
                    EVENTUAL,
                )
                directory["members"][gid] = sorted({u["id"] for u in users})
                if nested:
                    groups = self.client.items(
                        f"/groups/{g}/members/microsoft.graph.group?$select=id&$top={TOP}"
                        "&$count=true",
                        EVENTUAL,
                    )
                    directory["nested"][gid] = sorted({c["id"] for c in groups})
            except ApiError as exc:
                directory["members"].pop(gid, None)
                self.problems.append(str(exc))
                if exc.status in (401, 403):
                    return  # every other group would be refused alike
            except (KeyError, TypeError, ValueError) as exc:
                directory["members"].pop(gid, None)
                self.problems.append(_shape(exc))
            if done % 50 == 0:
                self.progress(f"Entra: members of {done} groups read")

    # --- delta read -----------------------------------------------------------------------

    def delta(self, saved: dict[str, Any]) -> dict[str, Any]:
        """The saved directory with the changes since; raises `ApiError` (410: read it all)."""
        directory = {**saved, "links": dict(saved["links"])}
        users: dict[str, dict] = dict(saved["users"])
        groups: dict[str, dict] = dict(saved["groups"])
        members = {gid: list(ids) for gid, ids in saved["members"].items()}
        nested = {gid: list(ids) for gid, ids in saved.get("nested", {}).items()}
        gone_users: set[str] = set()
        changed = 0
        try:
            for item, link in self._changes(directory["links"]["users"]):
                directory["links"]["users"] = link or directory["links"]["users"]
                if item is None:
                    continue
                changed += 1
                uid = item["id"]
                if "@removed" in item:
                    users.pop(uid, None)
                    gone_users.add(uid)
                else:
                    users[uid] = {**users.get(uid, {}), **_fields(item)}
            dirty: set[str] = set()
            for item, link in self._changes(directory["links"]["groups"]):
                directory["links"]["groups"] = link or directory["links"]["groups"]
                if item is None:
                    continue
                changed += 1
                gid = item["id"]
                if "@removed" in item:
                    groups.pop(gid, None)
                    members.pop(gid, None)
                    nested.pop(gid, None)
                    dirty |= {parent for parent, kids in nested.items() if gid in kids}
                    continue
                if gid not in groups or "members@delta" in item:
                    dirty.add(gid)
                name = item.get("displayName", groups.get(gid, {}).get("displayName"))
                groups[gid] = {"displayName": name}
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(_shape(exc)) from exc
        self.progress(f"Entra: {changed} changes read through the delta links")
        if gone_users:
            members = {g: [u for u in ids if u not in gone_users] for g, ids in members.items()}
        directory.update(users=users, groups=groups, members=members, nested=nested)
        stale = _with_ancestors(dirty, nested) & set(groups)
        if stale:
            self._memberships(directory, stale, nested=True)
            if self.problems:
                raise ApiError(self.problems[0])
        return directory

    def _changes(self, link: str) -> Iterable[tuple[dict[str, Any] | None, str | None]]:
        """(changed object, None) for each change, then (None, the new deltaLink)."""
        for page in self.client.pages(link):
            for item in page["value"]:
                yield item, None
            if page.get("@odata.deltaLink"):
                yield None, page["@odata.deltaLink"]


def _fields(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's properties, without Graph's annotations (`@odata.type`, ...)."""
    return {k: v for k, v in obj.items() if "@" not in k}


def _with_ancestors(ids: set[str], nested: dict[str, list[str]]) -> set[str]:
    """`ids` and every group that contains one of them, at any depth."""
    parents: dict[str, set[str]] = {}
    for parent, kids in nested.items():
        for kid in kids:
            parents.setdefault(kid, set()).add(parent)
    out, todo = set(ids), list(ids)
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in out:
                out.add(parent)
                todo.append(parent)
    return out


def _shape(exc: Exception) -> str:
    return f"Microsoft Graph answered in an unexpected shape ({exc.__class__.__name__}: {exc})"
