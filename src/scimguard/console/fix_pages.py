"""The console's *Apply suggested fix* pages: the review of the changes, then apply and retry.

`GET /tasks/{id}/fix` (one task) and `POST /tasks/fix/preview` (the ticked tasks, or the
review form sent again with typed values, to check them) show each record's errors at its
source, now, with the value each attribute would get: a diff per attribute, invisible
characters made visible. `POST /tasks/fix` applies the accepted changes of each task at its
source (all of a task's or none), records them, and retries the tasks whose source changed,
in one step. Both POSTs go through the console's guard (session, CSRF).

Form fields, per task T and attribute A: `use:T:A` (accepted), `v:T:A` (the value; absent
with `drop:T:A`, which leaves the attribute out), `b:T:A` (the value at the source when the
review was shown: a change since makes the apply refuse), `confirm:T` (identifiers may change).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine
from starlette.responses import RedirectResponse, Response

from scimguard.console.fix_file import apply_file, plan_file
from scimguard.console.fix_okta import apply_okta, plan_okta
from scimguard.console.fixing import MISSING, Applied, FixPlan, record_applied, run_profile
from scimguard.fix import FixInputError
from scimguard.profile import Profile
from scimguard.sources.okta_write import OktaWriteError
from scimguard.sync import tasks as T

MAX_TASKS = 50  # tasks reviewed or applied at once (each may read Okta or a whole file)


class Host(Protocol):
    """What the pages need of the console (app.Console), without importing it."""

    engine: Engine
    token: str | None
    sessions: Any

    def page(self, ctx: Any, name: str, status: int = 200, **context: Any) -> Response: ...


def plan_for(engine: Engine, task: T.Task, chosen: dict[str, Any]) -> tuple[FixPlan, Any, Profile]:
    """The task's plan, what applying it needs (the Okta user, the engine's result), and the
    profile it was made with: the run's; for a task the target refused although the run's
    profile let it through (a relaxed switch such as --allow-legacy-characters), the
    defaults, which say what the target refused (as the diagnosis's *Where* does)."""
    profile = run_profile(engine, task)
    plan, extra = _plan(task, profile, chosen)
    if task.state == "failed" and not plan.edits and plan.problem is None:
        profile = Profile()
        plan, extra = _plan(task, profile, chosen)
    return plan, extra, profile


def _plan(task: T.Task, profile: Profile, chosen: dict[str, Any]) -> tuple[FixPlan, Any]:
    kind = (task.source or {}).get("type")
    if task.state not in T.OPEN_STATES:
        return FixPlan(task, problem=f"the task is {task.state}: there is nothing to fix"), None
    if kind == "okta" and task.kind != "user":
        problem = "a group's name is changed in Okta itself: the console writes users only"
        return FixPlan(task, "okta", problem=problem), None
    if kind == "okta":
        return plan_okta(task, profile, chosen)
    if kind == "file":
        return plan_file(task, profile, chosen)
    return FixPlan(task, problem="the task does not say where its record comes from"), None


def _ids(ctx: Any) -> list[int]:
    ids = [int(v) for v in ctx.form.getlist("id") if isinstance(v, str) and v.isdigit()]
    return list(dict.fromkeys(ids))[:MAX_TASKS]


def chosen_values(ctx: Any, task_id: int) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(the accepted values by attribute, the values shown as before, identifiers confirmed)
    of one task in the submitted form."""
    chosen: dict[str, Any] = {}
    before: dict[str, Any] = {}
    prefix = f"use:{task_id}:"
    for name in ctx.form:
        if not name.startswith(prefix):
            continue
        attribute = name[len(prefix) :]
        if ctx.field(f"drop:{task_id}:{attribute}") == "1":
            chosen[attribute] = None
        elif ctx.field(f"v:{task_id}:{attribute}"):
            chosen[attribute] = ctx.field(f"v:{task_id}:{attribute}")
        else:
            continue  # ticked, but nothing typed: there is no value to apply
        raw = ctx.field(f"b:{task_id}:{attribute}")
        try:
            before[attribute] = json.loads(raw) if raw else MISSING
        except ValueError:
            before[attribute] = MISSING
    return chosen, before, ctx.field(f"confirm:{task_id}") == "1"


class FixPages:
    def __init__(self, host: Host, retry: Callable[..., list[Any]]) -> None:
        self.host = host
        self.retry = retry  # the console's Retry Selected machinery (sync.retry.retry)

    def _review(self, ctx: Any, plans: list[FixPlan], status: int = 200) -> Response:
        return self.host.page(ctx, "fix.html", status, plans=plans, missing=MISSING, dumps=_dumps)

    def review_one(self, ctx: Any) -> Response:
        raw = ctx.request.path_params["task_id"]
        task = T.get_task(self.host.engine, int(raw)) if raw.isdigit() else None
        if task is None:
            return self.host.page(ctx, "error.html", 404, title="No such task", message=raw)
        return self._review(ctx, [plan_for(self.host.engine, task, {})[0]])

    def review(self, ctx: Any) -> Response:
        plans = []
        submitted = ctx.field("reviewed") == "1"  # the review form itself, with typed values
        for task_id in _ids(ctx):
            task = T.get_task(self.host.engine, task_id)
            if task is None:
                continue
            chosen = chosen_values(ctx, task_id)[0] if submitted else {}
            plan = plan_for(self.host.engine, task, chosen)[0]
            if submitted:
                _keep_ticked(plan, chosen)
            plans.append(plan)
        if not plans:
            self.host.sessions.set_flash(ctx.session, {"notice": "Tick at least one task to fix."})
            return RedirectResponse("/tasks", status_code=303)
        return self._review(ctx, plans)

    def apply(self, ctx: Any) -> Response:
        ids = _ids(ctx)
        results: list[Applied] = []
        for task_id in ids:
            task = T.get_task(self.host.engine, task_id)
            if task is not None:
                results.append(self._apply_one(ctx, task))
        fixed = [r.task_id for r in results if r.ok]
        retried = self.retry(self.host.engine, fixed, token=self.host.token) if fixed else []
        outcomes = {o.task_id: o for o in retried}
        notice = (
            "; ".join(
                f"#{r.task_id}: {r.message}"
                + (f"; retried: {outcomes[r.task_id].state}" if r.task_id in outcomes else "")
                for r in results
            )
            or "Nothing to apply."
        )
        failed = any(not r.ok for r in results) or any(
            o.state != "succeeded" for o in outcomes.values()
        )
        self.host.sessions.set_flash(ctx.session, {"notice": notice, "error": failed})
        where = f"/tasks/{ids[0]}" if len(ids) == 1 else "/tasks"
        return RedirectResponse(where, status_code=303)

    def _apply_one(self, ctx: Any, task: T.Task) -> Applied:
        chosen, shown, confirmed = chosen_values(ctx, task.id)
        if not chosen:
            return Applied(task.id, False, "no change was accepted")
        plan, extra, profile = plan_for(self.host.engine, task, chosen)
        if plan.problem:
            return Applied(task.id, False, plan.problem)
        _keep_ticked(plan, chosen)
        ready = plan.ready
        for edit in plan.edits:
            if edit.attribute in chosen and not edit.ready:
                return Applied(task.id, False, f"{edit.attribute}: {edit.refused or 'no value'}")
            if edit.attribute in chosen and shown.get(edit.attribute, MISSING) != edit.before:
                return Applied(
                    task.id,
                    False,
                    f"{edit.attribute} changed at the source since the review: review it again",
                )
        missing = set(chosen) - {e.attribute for e in ready}
        if missing or not ready:
            return Applied(task.id, False, "the record no longer has " + ", ".join(sorted(missing)))
        if plan.needs_confirmation and not confirmed:
            names = ", ".join(e.attribute for e in ready if e.identifier)
            return Applied(
                task.id,
                False,
                f"{names} is what sync matches the record on: tick the confirmation to change it",
            )
        try:
            if plan.source == "okta":
                note = apply_okta(plan, extra)
            else:
                note = apply_file(plan, profile, confirmed)
        except OktaWriteError as exc:
            return Applied(task.id, False, f"nothing was changed: {exc}")
        except (FixInputError, OSError) as exc:
            return Applied(task.id, False, f"nothing was changed: {exc}")
        record_applied(self.host.engine, task, ctx.session.username, plan.source, ready, note)
        names = ", ".join(e.attribute for e in ready)
        return Applied(task.id, True, f"fixed {names} at the source ({note})", ready)


def _keep_ticked(plan: FixPlan, chosen: dict[str, Any]) -> None:
    """Edits the admin did not tick stay shown but are not applied."""
    for edit in plan.edits:
        if edit.attribute not in chosen and edit.refused is None:
            edit.refused = "not ticked"


def _dumps(value: Any) -> str:
    return "" if value is MISSING else json.dumps(value, ensure_ascii=False)
