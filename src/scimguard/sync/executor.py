"""Applies a plan to the target; every operation that does not succeed becomes a task.

Order: users (create, update, adopt), groups, memberships (PATCH chunks of at most 100), then
removals. Within a phase, operations run concurrently; the client's rate limiter keeps them
within the quotas. Crash safety: a create is written down as an intent (`sync_resources`,
state `pending`) before it is sent, so a run killed after sending but before recording is
reconciled by the next run's planner (the resource is recognised as ours, not re-created and
not mistaken for a manual one). A 401/403 stops everything at once (`Stopped`). What the run
writes to the state database goes through its `Recorder` (sync/recorder.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from sqlalchemy import Engine

from scimguard.profile import BY_CODE, Finding, Kind, Profile, Severity
from scimguard.sync.client import Reply, ScimClient, TargetUnauthorized
from scimguard.sync.diff import changed_attributes
from scimguard.sync.memory import members_digest, op_digest, task_operation
from scimguard.sync.planner import MAX_MEMBERS_PER_PATCH, REMEMBERED, MemberOp, Op, Plan
from scimguard.sync.recorder import Outcome, Recorder

log = logging.getLogger("scimguard.sync")


class Stopped(Exception):
    """The run stopped early (401/403); the message says why and what is left."""


def _finding_from_catalogue(code: str, attribute: str, value: Any, message: str) -> Finding:
    entry = BY_CODE.get(code)
    fix = entry.fix if entry else "Look at the response of the target."
    return Finding(code, Severity.ERROR, attribute, value, message, fix)


def diagnose_refusal(profile: Profile, reply: Reply, kind: str) -> tuple[str, list[Finding]]:
    """Why a 400 happened: the emulator's X-Scimguard-Rule, else our rules on what was sent."""
    body = reply.body if isinstance(reply.body, dict) else {}
    if reply.method == "PATCH":
        body = {}
    errors = profile.errors(body, cast(Kind, kind)) if body else []  # Op.kind: user | group
    header = reply.headers.get("x-scimguard-rule")
    detail = reply.data.get("detail") if isinstance(reply.data, dict) else reply.data
    if header:
        codes = [c.strip() for c in header.split(",") if c.strip()]
        chosen = [f for f in errors if f.rule in codes]
        if not chosen:
            chosen = [
                _finding_from_catalogue(
                    c, "", None, f"The target refused the request under rule {c}: {detail}"
                )
                for c in codes
            ]
        return chosen[0].rule, chosen
    if errors:
        return errors[0].rule, errors
    return "target-rejected", [
        _finding_from_catalogue(
            "target-rejected",
            "",
            None,
            f"The target answered {reply.status} and no rule of the profile explains it. "
            f"Its answer: {detail if detail is not None else '(empty)'}",
        )
    ]


class Executor:
    def __init__(
        self,
        engine: Engine | None,
        client: ScimClient,
        *,
        target_url: str,
        run_id: int | None,
        profile: Profile | None = None,
        adopt_manual: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.engine = engine
        self.on_progress = on_progress
        self.total = 0  # operations to send (membership changes count one per group)
        self.finished = 0
        self.client = client
        self.target_url = target_url
        self.run_id = run_id
        self.profile = profile or Profile()
        self.adopt_manual = adopt_manual
        self.outcome = Outcome()
        self.user_ids: dict[str, str] = {}  # record key -> target id
        self.group_ids: dict[str, str] = {}
        self.record = Recorder(engine, target_url, run_id, self.outcome)
        self._deferred: set[str] = set()  # unchanged groups counted by their membership change
        # New groups get their first members in the create itself (AWS takes up to 100).
        self._members_with_create: dict[str, MemberOp] = {}
        self._members_done: set[str] = set()
        self._user_done: dict[str, asyncio.Event] = {}

    # --- applying -------------------------------------------------------------------------------

    async def apply(self, plan: Plan, *, removals: bool = True) -> Outcome:
        self.record.load_open()
        self.record.write_claims(plan.claims)
        kept = ("update", "unchanged", "adopt", "blocked", "still-failed", "still-blocked")
        for op in plan.ops:
            if op.target_id and op.action in (*kept, "dismissed"):
                ids = self.user_ids if op.kind == "user" else self.group_ids
                if op.rule != "manually-sourced":
                    ids[op.key] = op.target_id
        member_groups = {m.group_key for m in plan.members}
        for m in plan.still_members:
            self.record.keep_open.add(("group", m.group_key))
        waiting = {m.group_key for m in plan.still_members}
        for op in plan.ops:
            if op.action == "blocked":
                self.record.task(
                    op.kind,
                    op.key,
                    op.display,
                    task_operation(op),
                    "blocked",
                    op.rule or "",
                    op.findings,
                    None,
                    {
                        "method": "PUT" if op.target_id else "POST",
                        "path": op.resource + (f"/{op.target_id}" if op.target_id else ""),
                        "body": op.body,
                    },
                    op.record.source if op.record else None,
                    op.digest or op_digest(op),
                )
            elif op.action in REMEMBERED:
                self.outcome.add(op.kind, op.action.replace("-", "_"))
                self.record.keep_open.add((op.kind, op.key))
            elif op.action == "unchanged" and op.kind == "group" and op.key in member_groups:
                self._deferred.add(op.key)  # updated if a membership write succeeds
            elif op.action == "unchanged" and op.kind == "group" and op.key in waiting:
                self.outcome.add("group", "still_failed")
            elif op.action == "unchanged":
                self.outcome.add(op.kind, "unchanged")
                self.record.succeeded(op.kind, op.key)
        try:
            self.total = sum(
                1 for o in plan.ops if o.action in ("create", "update", "adopt")
            ) + len(plan.members)
            if removals:
                self.total += sum(1 for o in plan.ops if o.action in ("deactivate", "delete"))
            self._tick(0)
            self._members_with_create = {
                m.group_key: m
                for m in plan.members
                if m.group_id is None and not m.remove and len(m.add) <= MAX_MEMBERS_PER_PATCH
            }
            started = time.monotonic()
            await self._users_and_groups(plan)
            self.record.flush()
            log.info("users and groups in %.2fs", time.monotonic() - started)
            started = time.monotonic()
            await self._run_all([self._members(m) for m in plan.members])
            self.record.flush()
            log.info(
                "%d membership changes in %.2fs", len(plan.members), time.monotonic() - started
            )
            if removals:
                ops = [o for o in plan.ops if o.action in ("deactivate", "delete")]
                ops.sort(key=lambda o: o.kind != "user")
                await self._run_all([self._remove(o) for o in ops])
        except TargetUnauthorized as exc:
            reply = exc.reply
            reason = "Unauthorized" if reply.status == 401 else "Forbidden"
            self.outcome.stopped = (
                f"the target answered {reply.status} ({reason})"
                f" to {reply.method} {reply.path}: the token is wrong, expired or revoked. "
                "The run stopped; the unfinished work is kept and the next run picks it up."
            )
            self.outcome.not_attempted = max(0, self.total - self.finished)
            if self.outcome.not_attempted:
                self.outcome.stopped += (
                    f" {self.outcome.not_attempted} operation(s) were not finished."
                )
        finally:
            self.record.flush()
        return self.outcome

    async def _users_and_groups(self, plan: Plan) -> None:
        """Users and groups in one stream: a new group goes as soon as its members exist.

        Users are sent group by group (the members of the first group first, and so on), so
        each group's create, with its members, overlaps the remaining user writes instead of
        waiting for all of them. The intents of every create are written before any is sent.
        """
        writes = ("create", "update", "adopt")
        user_ops = [o for o in plan.ops if o.kind == "user" and o.action in writes]
        group_ops = [o for o in plan.ops if o.kind == "group" and o.action in writes]
        waits: dict[str, list[str]] = {}
        for key, m in self._members_with_create.items():
            waits[key] = [k for k in m.add if not k.startswith("id:")]
        rank: dict[str, int] = {}
        for index, op in enumerate(group_ops):
            for key in waits.get(op.key, ()):
                rank.setdefault(key, index)
        user_ops.sort(key=lambda o: rank.get(o.key, len(group_ops)))
        self._user_done = {o.key: asyncio.Event() for o in user_ops}
        self.record.write_intents([o for o in user_ops + group_ops if o.action == "create"])
        await self._run_all(
            [self._upsert(o) for o in user_ops]
            + [self._group_when_ready(o, waits.get(o.key, [])) for o in group_ops]
        )

    async def _group_when_ready(self, op: Op, member_keys: list[str]) -> None:
        for key in member_keys:
            event = self._user_done.get(key)
            if event is not None:
                await event.wait()
        await self._upsert(op)

    async def _run_all(self, coros: list) -> None:
        if not coros:
            return
        try:
            async with asyncio.TaskGroup() as group:
                for coro in coros:
                    group.create_task(coro)
        except* TargetUnauthorized as eg:
            raise eg.exceptions[0] from None

    # --- one operation each ----------------------------------------------------------------------

    def _unauthorized(
        self,
        op_kind: str,
        key: str,
        display: str,
        operation: str,
        reply: Reply,
        source: dict | None,
    ) -> None:
        finding = _finding_from_catalogue(
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
        if reply.transient:
            what = f"status {reply.status}" if reply.status else (reply.error or "no answer")
            rule, findings = (
                "target-unavailable",
                [
                    _finding_from_catalogue(
                        "target-unavailable",
                        "",
                        None,
                        f"The target did not succeed after {reply.attempts} attempts ({what}).",
                    )
                ],
            )
        elif reply.status == 400:
            rule, findings = diagnose_refusal(self.profile, reply, op.kind)
        elif reply.status == 409:
            rule, findings = (
                "target-conflict",
                [
                    _finding_from_catalogue(
                        "target-conflict",
                        "",
                        None,
                        f"The target refused a duplicate: {_detail(reply)}",
                    )
                ],
            )
        else:
            rule, findings = (
                "target-rejected",
                [
                    _finding_from_catalogue(
                        "target-rejected",
                        "",
                        None,
                        f"The target answered {reply.status}: {_detail(reply)}",
                    )
                ],
            )
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

    def _tick(self, step: int = 1) -> None:
        self.finished += step
        if self.on_progress is not None:
            self.on_progress(self.finished, self.total)

    async def _upsert(self, op: Op) -> None:
        source = op.record.source if op.record else None
        try:
            await self._guard(
                op.kind, op.key, op.display, op.action, source, self._upsert_inner(op)
            )
        finally:
            if op.kind == "user" and op.key in self._user_done:
                self._user_done[op.key].set()
        self._tick()

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
        m = self._members_with_create.get(op.key) if op.kind == "group" else None
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
        finding = _finding_from_catalogue(
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

    async def _members(self, m: MemberOp) -> None:
        await self._members_inner(m)
        self._tick()

    async def _members_inner(self, m: MemberOp) -> None:
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
        deferred = m.group_key in self._deferred
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

    async def _remove(self, op: Op) -> None:
        await self._guard(op.kind, op.key, op.display, op.action, None, self._remove_inner(op))
        self._tick()

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


def _detail(reply: Reply) -> str:
    if isinstance(reply.data, dict):
        return str(reply.data.get("detail") or json.dumps(reply.data))
    return str(reply.data or reply.error or "(empty)")
