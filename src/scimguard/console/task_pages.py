"""The engine's tasks: the dashboard, the task list with Retry Selected and Dismiss, one task.

The list shows a page of tasks, newest first, filtered by state, rule and kind; Retry Selected
sends the ticked tasks again now (`sync.retry`) and Dismiss closes them; both come back to the
list the form was on (its filters and page).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import RedirectResponse, Response

from scimguard.console import queries
from scimguard.console.display import okta_head
from scimguard.console.fixing import applied_to
from scimguard.console.pages import Ctx, Host
from scimguard.profile.catalogue import BY_CODE
from scimguard.sync import tasks as T
from scimguard.sync.diagnosis import SourcePlaces, source_place
from scimguard.sync.retry import retry as retry_tasks

STATE_FILTERS = ("open", "failed", "blocked", "succeeded", "dismissed", "all")
TASKS_SHOWN = 200  # a page of tasks, newest first; "Older tasks" pages on


class TaskPages:
    def __init__(self, host: Host) -> None:
        self.host = host

    def dashboard(self, ctx: Ctx) -> Response:
        return self.host.page(
            ctx,
            "dashboard.html",
            counts=queries.provisioned_counts(self.host.engine),
            task_counts=T.task_counts(self.host.engine),
            failed_by_rule=T.rule_counts(self.host.engine, ("failed",)),
            blocked_by_rule=T.rule_counts(self.host.engine, ("blocked",)),
            runs=queries.recent_runs(self.host.engine, 5),
        )

    def tasks(self, ctx: Ctx) -> Response:
        params = ctx.request.query_params
        state = params.get("state", "open")
        state = state if state in STATE_FILTERS else "open"
        rule = params.get("rule", "")
        kind = params.get("kind", "")
        kind = kind if kind in ("user", "group") else ""
        states: Any = {"open": T.OPEN_STATES, "all": None}.get(state, state)
        raw_before = params.get("before", "")
        before = int(raw_before) if raw_before.isdigit() else None
        found = queries.newest_tasks(
            self.host.engine, states, rule or None, kind or None, TASKS_SHOWN + 1, before
        )
        older = None
        if len(found) > TASKS_SHOWN:
            found = found[:TASKS_SHOWN]
            older = urlencode({"state": state, "rule": rule, "kind": kind, "before": found[-1].id})
        # Every code of the catalogue (counting the codes in use would scan every task).
        rules = sorted(set(BY_CODE) | ({rule} - {""}))
        flash = self.host.sessions.pop_flash(ctx.session)
        outcomes = {o["task_id"]: o for o in (flash or {}).get("outcomes", [])}
        return self.host.page(
            ctx,
            "tasks.html",
            tasks=found,
            older=older,
            paged=before is not None,
            state=state,
            rule=rule,
            kind=kind,
            rules=rules,
            states=STATE_FILTERS,
            counts=T.task_counts(self.host.engine),
            flash=flash,
            outcomes=outcomes,
            query=ctx.request.url.query,
            places=SourcePlaces(),  # each source's columns read once for the page
        )

    def _selected(self, ctx: Ctx) -> list[int]:
        assert ctx.form is not None
        ids = []
        for value in ctx.form.getlist("id"):
            if isinstance(value, str) and value.isdigit():
                ids.append(int(value))
        return ids

    def _back_to_tasks(self, ctx: Ctx) -> Response:
        """Back to the list the form was on (its filters and page), re-encoded."""
        query = urlencode(parse_qsl(ctx.field("query"))[:10])
        return RedirectResponse("/tasks" + (f"?{query}" if query else ""), status_code=303)

    def retry(self, ctx: Ctx) -> Response:
        ids = self._selected(ctx)
        if not ids:
            self.host.sessions.set_flash(
                ctx.session, {"notice": "Tick at least one task to retry."}
            )
            return self._back_to_tasks(ctx)
        names = {t.id: t.display for t in (T.get_task(self.host.engine, i) for i in ids) if t}
        try:
            outcomes = retry_tasks(self.host.engine, ids, token=self.host.token)
        except Exception as exc:  # the retry machinery itself broke: say so, keep the tasks
            self.host.sessions.set_flash(
                ctx.session,
                {"notice": f"Retry could not run: {exc.__class__.__name__}: {exc}", "error": True},
            )
            return self._back_to_tasks(ctx)
        done = [
            {
                "task_id": o.task_id,
                "state": o.state,
                "message": o.message,
                "display": names.get(o.task_id, str(o.task_id)),
            }
            for o in outcomes
        ]
        ok = sum(1 for o in done if o["state"] == "succeeded")
        self.host.sessions.set_flash(
            ctx.session,
            {
                "notice": f"Retried {len(done)} task{'s' * (len(done) != 1)}: {ok} succeeded.",
                "outcomes": done,
            },
        )
        return self._back_to_tasks(ctx)

    def dismiss(self, ctx: Ctx) -> Response:
        ids = self._selected(ctx)
        count = T.dismiss_tasks(self.host.engine, ids) if ids else 0
        notice = (
            f"Dismissed {count} task{'s' * (count != 1)}."
            if ids
            else "Tick at least one task to dismiss."
        )
        self.host.sessions.set_flash(ctx.session, {"notice": notice})
        return self._back_to_tasks(ctx)

    def task(self, ctx: Ctx) -> Response:
        raw = ctx.request.path_params["task_id"]
        task = T.get_task(self.host.engine, int(raw)) if raw.isdigit() else None
        if task is None:
            return self.host.page(
                ctx, "error.html", 404, title="No such task", message=f"Task {raw}"
            )
        flash = self.host.sessions.pop_flash(ctx.session)
        return self.host.page(
            ctx,
            "task.html",
            task=task,
            flash=flash,
            okta=okta_head(task),
            place=source_place(task),
            fixes=applied_to(self.host.engine, task.id),
        )
