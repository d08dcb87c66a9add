"""Applies a plan to the target; every operation that does not succeed becomes a task.

Order: users (create, update, adopt), groups, memberships (PATCH chunks of at most 100), then
removals. Within a phase, operations run concurrently; the client's rate limiter keeps them
within the quotas. Crash safety: a create is written down as an intent (`sync_resources`,
state `pending`) before it is sent, so a run killed after sending but before recording is
reconciled by the next run's planner (the resource is recognised as ours, not re-created and
not mistaken for a manual one). A 401/403 stops everything at once (`Stopped`).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, select, update

from scimguard.profile import BY_CODE, Finding, Profile, Severity
from scimguard.sync import tasks as task_store
from scimguard.sync.client import Reply, ScimClient, TargetUnauthorized
from scimguard.sync.diff import changed_attributes
from scimguard.sync.planner import MAX_MEMBERS_PER_PATCH, MemberOp, Op, Owned, Plan
from scimguard.sync.schema import resources, tasks
from scimguard.sync.store import now

FLUSH_EVERY = 200


class Stopped(Exception):
    """The run stopped early (401/403); the message says why and what is left."""


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    blocked: int = 0
    stopped: str | None = None
    not_attempted: int = 0
    task_ids: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deactivated": self.deactivated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "blocked": self.blocked,
        }


def _finding_from_catalogue(code: str, attribute: str, value: Any, message: str) -> Finding:
    entry = BY_CODE.get(code)
    fix = entry.fix if entry else "Look at the response of the target."
    return Finding(code, Severity.ERROR, attribute, value, message, fix)


def diagnose_refusal(profile: Profile, reply: Reply, kind: str) -> tuple[str, list[Finding]]:
    """Why a 400 happened: the emulator's X-Scimguard-Rule, else our rules on what was sent."""
    body = reply.body if isinstance(reply.body, dict) else {}
    if reply.method == "PATCH":
        body = {}
    errors = profile.errors(body, kind) if body else []
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
    ) -> None:
        self.engine = engine
        self.client = client
        self.target_url = target_url
        self.run_id = run_id
        self.profile = profile or Profile()
        self.adopt_manual = adopt_manual
        self.outcome = Outcome()
        self.user_ids: dict[str, str] = {}  # record key -> target id
        self.group_ids: dict[str, str] = {}
        self._pending_tasks: list[dict[str, Any]] = []
        self._done: list[tuple[str, str]] = []  # (kind, key) that went through
        self._owned_updates: list[tuple[str, str, str | None, dict[str, Any]]] = []
        self._open: set[tuple[str, str]] = set()
        self._failed_keys: set[tuple[str, str]] = set()

    # --- bookkeeping ---------------------------------------------------------------------------

    def _load_open(self) -> None:
        if self.engine is None:
            return
        with self.engine.connect() as conn:
            self._open = {
                (k, r)
                for k, r in conn.execute(
                    select(tasks.c.kind, tasks.c.record_key).where(
                        tasks.c.state.in_(task_store.OPEN_STATES)
                    )
                )
            }

    def _task(
        self,
        op_kind: str,
        key: str,
        display: str,
        operation: str,
        state: str,
        rule: str,
        findings: list[Finding],
        reply: Reply | None,
        request: dict[str, Any] | None,
        source: dict[str, Any] | None,
    ) -> None:
        self._failed_keys.add((op_kind, key))
        if state == "failed":
            self.outcome.failed += 1
        self._pending_tasks.append(
            {
                "run_id": self.run_id,
                "kind": op_kind,
                "record_key": key,
                "display": display,
                "operation": operation,
                "state": state,
                "rule": rule,
                "request": request
                if request is not None
                else (reply.request_dict() if reply else None),
                "response": reply.response_dict() if reply else None,
                "findings": [f.to_dict() for f in findings],
                "attempts": reply.attempts if reply else 0,
                "source": source,
                "target_url": self.target_url,
            }
        )
        self._maybe_flush()

    def _succeeded(self, kind: str, key: str) -> None:
        if (kind, key) in self._open:
            self._done.append((kind, key))

    def _own(self, kind: str, key: str, target_id: str | None, **values: Any) -> None:
        self._owned_updates.append((kind, key, target_id, values))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        size = len(self._pending_tasks) + len(self._done) + len(self._owned_updates)
        if size >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.engine is None:
            self._pending_tasks.clear()
            self._done.clear()
            self._owned_updates.clear()
            return
        pending, done, owned = self._pending_tasks, self._done, self._owned_updates
        self._pending_tasks, self._done, self._owned_updates = [], [], []
        if not (pending or done or owned):
            return
        with self.engine.begin() as conn:
            for kind, key, target_id, values in owned:
                self._write_owned(conn, kind, key, target_id, values)
            for kind, key in done:
                if (kind, key) not in self._failed_keys:
                    task_store.close_tasks(conn, kind, key, self.run_id)
            for item in pending:
                self.outcome.task_ids.append(task_store.file_task(conn, **item))

    def _write_owned(self, conn, kind: str, key: str, target_id: str | None, values: dict) -> None:
        t = resources.c
        where = and_(t.target_url == self.target_url, t.kind == kind, t.record_key == key)
        row = conn.execute(select(t.id).where(where).order_by(t.id.desc()).limit(1)).first()
        if row is None and target_id is not None:
            row = conn.execute(
                select(t.id)
                .where(t.target_url == self.target_url, t.kind == kind, t.target_id == target_id)
                .limit(1)
            ).first()
        data = {**values, "updated_at": now(), "run_id": self.run_id}
        if target_id is not None:
            data["target_id"] = target_id
        if row is None:
            conn.execute(
                resources.insert().values(
                    target_url=self.target_url,
                    kind=kind,
                    record_key=key,
                    created_at=now(),
                    **{"state": "active", **data},
                )
            )
        else:
            conn.execute(update(resources).where(t.id == row.id).values(record_key=key, **data))

    def write_intents(self, ops: list[Op]) -> None:
        """Before any create is sent: write it down (crash safety)."""
        if self.engine is None or not ops:
            return
        with self.engine.begin() as conn:
            for op in ops:
                rec = op.record
                name = rec.name if rec else op.display
                self._write_owned(
                    conn,
                    op.kind,
                    op.key,
                    None,
                    {
                        "state": "pending",
                        "external_id": rec.external_id if rec else None,
                        "name": name,
                        "name_lower": name.lower() if name else None,
                    },
                )

    def write_claims(self, claims: list[Owned]) -> None:
        for claim in claims:
            self._own(
                claim.kind,
                claim.record_key,
                claim.target_id,
                state="active",
                external_id=claim.external_id,
                name_lower=claim.name_lower,
            )

    # --- applying -------------------------------------------------------------------------------

    async def apply(self, plan: Plan, *, removals: bool = True) -> Outcome:
        self._load_open()
        self.write_claims(plan.claims)
        for op in plan.ops:
            if op.target_id and op.action in ("update", "unchanged", "adopt", "blocked"):
                ids = self.user_ids if op.kind == "user" else self.group_ids
                if op.action != "blocked" or op.rule != "manually-sourced":
                    ids[op.key] = op.target_id
        for op in plan.ops:
            if op.action == "blocked":
                self.outcome.blocked += 1
                self._task(
                    op.kind,
                    op.key,
                    op.display,
                    "update" if op.target_id else "create",
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
                )
            elif op.action == "unchanged":
                self.outcome.unchanged += 1
                self._succeeded(op.kind, op.key)
        changed_groups = {m.group_key for m in plan.members}
        if any(
            o.kind == "group" and o.action == "unchanged" and o.key in changed_groups
            for o in plan.ops
        ):
            n = sum(
                1
                for o in plan.ops
                if o.kind == "group" and o.action == "unchanged" and o.key in changed_groups
            )
            self.outcome.unchanged -= n
            self.outcome.updated += n
        try:
            for kind in ("user", "group"):
                ops = [
                    o
                    for o in plan.ops
                    if o.kind == kind and o.action in ("create", "update", "adopt")
                ]
                self.write_intents([o for o in ops if o.action == "create"])
                await self._run_all([self._upsert(o) for o in ops])
                self.flush()
            await self._run_all([self._members(m) for m in plan.members])
            self.flush()
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
        finally:
            self.flush()
        return self.outcome

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
        self._task(
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

    def _failure(self, op: Op, operation: str, reply: Reply) -> None:
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
        self._task(
            op.kind, op.key, op.display, operation, "failed", rule, findings, reply, None, source
        )

    async def _guard(
        self, op_kind: str, key: str, display: str, operation: str, source: dict | None, coro
    ) -> None:
        try:
            await coro
        except TargetUnauthorized as exc:
            self._unauthorized(op_kind, key, display, operation, exc.reply, source)
            raise

    async def _upsert(self, op: Op) -> None:
        source = op.record.source if op.record else None
        await self._guard(op.kind, op.key, op.display, op.action, source, self._upsert_inner(op))

    async def _upsert_inner(self, op: Op) -> None:
        ids = self.user_ids if op.kind == "user" else self.group_ids
        body = op.body or {}
        if op.action == "create":
            reply = await self.client.create(op.resource, body)
            if reply.ok and isinstance(reply.data, dict) and reply.data.get("id"):
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
            self._own(
                op.kind,
                op.key,
                op.target_id,
                state="active",
                external_id=op.record.external_id if op.record else None,
                name_lower=(op.record.name.lower() if op.record else None),
            )
            self.outcome.updated += 1
            self._succeeded(op.kind, op.key)
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
        return await self.client.patch(op.resource, target_id, operations)

    def _created(self, op: Op, target_id: str) -> None:
        ids = self.user_ids if op.kind == "user" else self.group_ids
        ids[op.key] = target_id
        self._own(op.kind, op.key, target_id, state="active")
        self.outcome.created += 1
        self._succeeded(op.kind, op.key)

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
        ours = bool(rec and rec.external_id and ext == rec.external_id) or (
            not ext and not (rec and rec.external_id) and await self._intended(op)
        )
        if ours or (self.adopt_manual and not ext):
            target_id = found["id"]
            changes = changed_attributes(op.body or {}, found, op.kind)
            if changes:
                again = await self._send_update(op, target_id)
                if not again.ok:
                    self._own(op.kind, op.key, target_id, state="active")
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
        self._task(
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
        )

    async def _intended(self, op: Op) -> bool:
        """Was a create of this record written down as an intent (before this attempt)?"""
        if self.engine is None:
            return False
        with self.engine.connect() as conn:
            row = conn.execute(
                select(resources.c.id)
                .where(
                    resources.c.target_url == self.target_url,
                    resources.c.kind == op.kind,
                    resources.c.record_key == op.key,
                )
                .limit(1)
            ).first()
        return row is not None

    async def _members(self, m: MemberOp) -> None:
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
        if failed:
            reply = failed[0]
            op = Op("group", "members", m.group_key, m.group_display, target_id=group_id)
            self._failure(op, "members", reply)
        else:
            self._succeeded("group", m.group_key)

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

    async def _remove_inner(self, op: Op) -> None:
        assert op.target_id is not None
        if op.action == "delete":
            reply = await self.client.delete(op.resource, op.target_id)
            if reply.ok or reply.status == 404:
                self._own(op.kind, op.key, op.target_id, state="deleted")
                self.outcome.deleted += 1
                self._succeeded(op.kind, op.key)
                return
        else:
            reply = await self.client.patch(op.resource, op.target_id, op.body["Operations"])
            if reply.ok:
                self._own(op.kind, op.key, op.target_id, state="inactive")
                self.outcome.deactivated += 1
                self._succeeded(op.kind, op.key)
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
