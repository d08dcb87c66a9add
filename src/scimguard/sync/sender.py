"""One operation of a plan sent to the target, and how it ended recorded.

A user or group is created, updated or adopted (`upsert`), a group's membership changes go
in PATCHes of at most 100 (`members`), a resource is deactivated or deleted (`remove`). A 409
on a create is looked into: a resource of ours from an earlier attempt is adopted, one made by
hand becomes a task. What does not succeed becomes a task (`refusals` says under which rule);
a 401/403 files its task and is raised, for the executor to stop the run. The order of the
operations, their concurrency and the run's progress are the executor's (sync/executor.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from scimguard.profile import Profile
from scimguard.sync.client import Reply, ScimClient, TargetUnauthorized
from scimguard.sync.diff import changed_attributes
from scimguard.sync.memory import members_digest, op_digest
from scimguard.sync.ops import Op
from scimguard.sync.planner import MAX_MEMBERS_PER_PATCH, MemberOp
from scimguard.sync.recorder import Outcome, Recorder
from scimguard.sync.refusals import diagnose_failure, finding_from_catalogue


class Sender:
    """Sends one operation at a time and records how it ended; the executor decides the order."""

    def __init__(
        self,
        client: ScimClient,
        record: Recorder,
        outcome: Outcome,
        *,
        profile: Profile,
        adopt_manual: bool,
    ) -> None:
        self.client = client
        self.record = record
        self.outcome = outcome
        self.profile = profile
        self.adopt_manual = adopt_manual
        self.user_ids: dict[str, str] = {}  # record key -> target id
        self.group_ids: dict[str, str] = {}
        self.deferred: set[str] = set()  # unchanged groups counted by their membership change
        # New groups get their first members in the create itself (AWS takes up to 100).
        self.members_with_create: dict[str, MemberOp] = {}
        self._members_done: set[str] = set()

    async def upsert(self, op: Op) -> None:
        """Create, update or adopt one user or group."""
        source = op.record.source if op.record else None
        await self._guard(op.kind, op.key, op.display, op.action, source, self._upsert_inner(op))

    async def remove(self, op: Op) -> None:
        """Deactivate or delete one user or group."""
        await self._guard(op.kind, op.key, op.display, op.action, None, self._remove_inner(op))

    async def members(self, m: MemberOp) -> None:
        """The group's membership PATCHes. An add for a user whose create failed in this run
        is left out: it waits in the user's task. An unchanged group is `updated` only when a
        write to it succeeded."""
        if m.group_key in self._members_done:
            self.record.succeeded("group", m.group_key)
            return
        group_id = m.group_id or self.group_ids.get(m.group_key)
        if group_id is None:
            return  # the group itself failed: its task says so
        add_ids = []
        for key in m.add:
            uid = key[3:] if key.startswith("id:") else self.user_ids.get(key)
            if uid:
                add_ids.append(uid)
        batches = [
            ("add", add_ids[i : i + MAX_MEMBERS_PER_PATCH])
            for i in range(0, len(add_ids), MAX_MEMBERS_PER_PATCH)
        ]
        batches += [
            ("remove", m.remove[i : i + MAX_MEMBERS_PER_PATCH])
            for i in range(0, len(m.remove), MAX_MEMBERS_PER_PATCH)
        ]
        replies = await asyncio.gather(
            *[self._guarded_patch(m, group_id, verb, chunk) for verb, chunk in batches]
        )
        failed = [r for r in replies if not r.ok]
        deferred = m.group_key in self.deferred
        if failed:
            op = Op("group", "members", m.group_key, m.group_display, target_id=group_id)
            self._failure(op, "members", failed[0], members_digest(m))
            return
        if deferred:
            self.outcome.add("group", "updated" if replies else "unchanged")
        self.record.succeeded("group", m.group_key)

    async def _guarded_patch(
        self, m: MemberOp, group_id: str, verb: str, chunk: list[str]
    ) -> Reply:
        operations = [{"op": verb, "path": "members", "value": [{"value": v} for v in chunk]}]
        try:
            return await self.client.patch("/Groups", group_id, operations)
        except TargetUnauthorized as exc:
            self._unauthorized("group", m.group_key, m.group_display, "members", exc.reply, None)
            raise

    def _unauthorized(
        self,
        op_kind: str,
        key: str,
        display: str,
        operation: str,
        reply: Reply,
        source: dict | None,
    ) -> None:
        finding = finding_from_catalogue(
            "target-unauthorized",
            "",
            None,
            f"The target answered {reply.status}: the token is wrong, expired or revoked.",
        )
        self.record.task(
            op_kind,
            key,
            display,
            operation,
            "failed",
            "target-unauthorized",
            [finding],
            reply,
            None,
            source,
        )

    def _failure(self, op: Op, operation: str, reply: Reply, digest: str | None = None) -> None:
        source = op.record.source if op.record else None
        rule, findings = diagnose_failure(self.profile, reply, op.kind)
        self.record.task(
            op.kind,
            op.key,
            op.display,
            operation,
            "failed",
            rule,
            findings,
            reply,
            None,
            source,
            digest or op.digest or op_digest(op),
        )

    async def _guard(
        self,
        op_kind: str,
        key: str,
        display: str,
        operation: str,
        source: dict | None,
        coro: Awaitable[object],
    ) -> None:
        try:
            await coro
        except TargetUnauthorized as exc:
            self._unauthorized(op_kind, key, display, operation, exc.reply, source)
            raise

    async def _upsert_inner(self, op: Op) -> None:
        ids = self.user_ids if op.kind == "user" else self.group_ids
        body = op.body or {}
        if op.action == "create":
            members = self._initial_members(op)
            reply = await self.client.create(
                op.resource, {**body, "members": members} if members else body
            )
            if members and reply.status in (400, 404):
                # Again without members: a member the target refuses is diagnosed by its PATCH.
                members = []
                reply = await self.client.create(op.resource, body)
            if reply.ok and isinstance(reply.data, dict) and reply.data.get("id"):
                if members:
                    self._members_done.add(op.key)
                self._created(op, reply.data["id"])
                return
            if reply.status == 409:
                await self._conflict(op, reply)
                return
            self._failure(op, "create", reply)
            return
        # update / adopt
        assert op.target_id is not None
        reply = await self._send_update(op, op.target_id)
        if reply.ok:
            ids[op.key] = op.target_id
            self.record.own(
                op.kind,
                op.key,
                op.target_id,
                state="active",
                external_id=op.record.external_id if op.record else None,
                name_lower=(op.record.name.lower() if op.record else None),
            )
            self.outcome.add(op.kind, "updated")
            self.record.succeeded(op.kind, op.key)
        else:
            self._failure(op, op.action, reply)

    async def _send_update(self, op: Op, target_id: str) -> Reply:
        body = op.body or {}
        if op.kind == "user":
            return await self.client.replace(op.resource, target_id, body)
        operations = []
        for attr in ("displayName", "externalId"):
            if attr in body and body[attr] is not None:
                operations.append({"op": "replace", "path": attr, "value": body[attr]})
        if not operations:  # nothing to change (AWS refuses an empty PATCH)
            return Reply("PATCH", f"{op.resource}/{target_id}", None, 204, attempts=0)
        return await self.client.patch(op.resource, target_id, operations)

    def _initial_members(self, op: Op) -> list[dict[str, str]]:
        m = self.members_with_create.get(op.key) if op.kind == "group" else None
        if m is None:
            return []
        ids = [k[3:] if k.startswith("id:") else self.user_ids.get(k) for k in m.add]
        if not ids or any(i is None for i in ids):
            return []  # a member still missing: the membership phase adds who exists
        return [{"value": i} for i in ids if i]

    def _created(self, op: Op, target_id: str) -> None:
        ids = self.user_ids if op.kind == "user" else self.group_ids
        ids[op.key] = target_id
        self.record.own(op.kind, op.key, target_id, state="active")
        self.outcome.add(op.kind, "created")
        self.record.succeeded(op.kind, op.key)

    async def _conflict(self, op: Op, reply: Reply) -> None:
        """409 on create: ours from an earlier attempt -> adopt; else a manual one -> task."""
        rec = op.record
        name_attr = "userName" if op.kind == "user" else "displayName"
        found = None
        if rec and rec.external_id:
            look = await self.client.find_one(op.resource, "externalId", rec.external_id)
            found = _first(look)
        if found is None and rec and rec.name:
            look = await self.client.find_one(op.resource, name_attr, rec.name)
            found = _first(look)
        if found is None:
            self._failure(op, "create", reply)
            return
        ext = found.get("externalId")
        # Ours: it carries the record's externalId, or (no externalId on either side) an
        # earlier attempt of this very create may have landed before its answer was lost.
        ours = bool(rec and rec.external_id and ext == rec.external_id) or (
            not ext and not (rec and rec.external_id) and reply.attempts > 1
        )
        if ours or (self.adopt_manual and not ext):
            target_id = found["id"]
            changes = changed_attributes(op.body or {}, found, op.kind)
            if changes:
                again = await self._send_update(op, target_id)
                if not again.ok:
                    self.record.own(op.kind, op.key, target_id, state="active")
                    self._failure(op, "update", again)
                    return
            self._created(op, target_id)
            return
        how = f"another externalId ({ext!r})" if ext else "no externalId"
        finding = finding_from_catalogue(
            "manually-sourced",
            name_attr,
            rec.name if rec else op.display,
            f"The target already holds a {op.kind} {found.get(name_attr)!r} (id {found.get('id')}) "
            f"with {how}, not created by this engine; the create was refused with 409.",
        )
        self.record.task(
            op.kind,
            op.key,
            op.display,
            "create",
            "failed",
            "manually-sourced",
            [finding],
            reply,
            None,
            rec.source if rec else None,
            op.digest or op_digest(op),
        )

    async def _remove_inner(self, op: Op) -> None:
        assert op.target_id is not None
        if op.action == "delete":
            reply = await self.client.delete(op.resource, op.target_id)
            if reply.ok or reply.status == 404:
                self.record.own(op.kind, op.key, op.target_id, state="deleted")
                self.outcome.add(op.kind, "deleted")
                self.record.succeeded(op.kind, op.key)
                return
        else:
            assert op.body is not None  # a deactivation carries its PATCH (planner)
            reply = await self.client.patch(op.resource, op.target_id, op.body["Operations"])
            if reply.ok:
                self.record.own(op.kind, op.key, op.target_id, state="inactive")
                self.outcome.add(op.kind, "deactivated")
                self.record.succeeded(op.kind, op.key)
                return
        self._failure(op, op.action, reply)


def _first(reply: Reply) -> dict | None:
    if reply.ok and isinstance(reply.data, dict):
        items = reply.data.get("Resources") or []
        if items and isinstance(items[0], dict):
            return items[0]
    return None
