"""The console's Starlette application: routes, the session guard, CSRF, templates.

Every route but sign-in and the static files goes through `Console.guard`: no live session ->
the sign-in page (GET) or 403 (POST); a POST without the session's CSRF token -> 403. Handlers
are plain functions run in the thread pool, since the database layer is synchronous.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from scimguard.console import accounts, checking, grid, inspector, limits, queries
from scimguard.console.db import cookie_secret, open_engine
from scimguard.console.display import okta_head, rule_title, show, show_json, show_message, when
from scimguard.console.fix_pages import FixPages
from scimguard.console.fixing import applied_to
from scimguard.console.grid_pages import GridPages
from scimguard.console.marks import same_message
from scimguard.console.security import SecurityHeaders
from scimguard.console.sessions import (
    COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    MAX_AGE,
    SIGNIN_COOKIE,
    Session,
    Sessions,
    csrf_ok,
)
from scimguard.profile import DEFAULT_SWITCHES, Switches
from scimguard.profile.catalogue import BY_CODE
from scimguard.records import FORMATS
from scimguard.records.mapping import EmptyCells
from scimguard.spreadsheet import EXCEL_BOM
from scimguard.sync import tasks as T
from scimguard.sync.diagnosis import SourcePlaces, located, source_place
from scimguard.sync.retry import retry as retry_tasks

HERE = Path(__file__).parent
STATE_FILTERS = ("open", "failed", "blocked", "succeeded", "dismissed", "all")
TASKS_SHOWN = 200  # a page of tasks, newest first; "Older tasks" pages on
RESOURCES_SHOWN = 200  # a page of users or groups, by name; "Next" pages on

Handler = Callable[["Ctx"], Response]


@dataclass
class Ctx:
    """What a handler gets: the request, its live session, and the submitted form (POST)."""

    request: Request
    session: Session
    form: FormData | None

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default


# --- the application --------------------------------------------------------------------------


class Console:
    def __init__(
        self,
        engine: Engine,
        *,
        backoff: accounts.Backoff | None = None,
        token: str | None = None,
        switches: Switches = DEFAULT_SWITCHES,
    ) -> None:
        self.engine = engine
        self.switches = switches  # the Check page's defaults (`console --profile FILE`)
        self.sessions = Sessions(engine, cookie_secret(engine))
        self.backoff = backoff or accounts.Backoff()
        self.token = token  # the target's token for retries (else the run's --token-env)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.filters["show"] = show
        env.filters["show_json"] = show_json
        env.filters["show_message"] = show_message
        env.filters["when"] = when
        env.globals["rule_title"] = rule_title
        env.globals["okta_head"] = okta_head
        env.globals["same_message"] = same_message
        env.globals["located"] = located

    # --- plumbing -----------------------------------------------------------------------------

    def render(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def page(self, ctx: Ctx, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("flash", None)
        context.update(session=ctx.session, csrf=ctx.session.csrf_token, path=ctx.request.url.path)
        return self.render(ctx.request, name, context, status)

    def guard(self, handler: Handler, *, max_body: int = limits.MAX_FORM) -> Callable[..., Any]:
        """The endpoint for `handler`: session first (before reading any body), then CSRF.

        The body is read under `max_body`, counted on the bytes received (limits.py)."""

        async def endpoint(request: Request) -> Response:
            session = await run_in_threadpool(self.sessions.load, request.cookies.get(COOKIE))
            if session is None:
                return self._no_session(request)
            form = None
            if request.method == "POST":
                try:
                    form = await limits.read_form(request, max_body)
                except limits.TooLarge:
                    return _too_large(max_body)
            try:
                return await run_in_threadpool(self._guarded, handler, request, session, form)
            finally:
                if form is not None:
                    await form.close()

        return endpoint

    def _no_session(self, request: Request) -> Response:
        if request.method != "GET":
            return PlainTextResponse("Sign in first.", status_code=403)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = "/signin?" + urlencode({"next": target})
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    def _guarded(
        self, handler: Handler, request: Request, session: Session, form: FormData | None
    ) -> Response:
        if request.method == "POST":
            submitted = request.headers.get(CSRF_HEADER)
            if form is not None and isinstance(form.get(CSRF_FIELD), str):
                submitted = str(form.get(CSRF_FIELD))
            if not csrf_ok(session, submitted):
                return PlainTextResponse(
                    "This form has expired or did not come from the console (CSRF token "
                    "missing or wrong). Go back, reload the page and try again.",
                    status_code=403,
                )
        return handler(Ctx(request, session, form))

    # --- sign-in / sign-out --------------------------------------------------------------------

    async def signin(self, request: Request) -> Response:
        form = None
        if request.method == "POST":
            try:
                form = await limits.read_form(request, limits.MAX_FORM, max_files=0)
            except limits.TooLarge:
                return _too_large(limits.MAX_FORM)
        return await run_in_threadpool(self._signin, request, form)

    def _signin(self, request: Request, form: FormData | None) -> Response:
        next_url = _safe_next(
            (form.get("next") if form is not None else None) or request.query_params.get("next")
        )
        if request.method == "GET" and self.sessions.load(request.cookies.get(COOKIE)):
            return RedirectResponse(next_url, status_code=303)
        token, cookie = self.sessions.signin_token(request.cookies.get(SIGNIN_COOKIE))
        context: dict[str, Any] = {
            "csrf": token,
            "next": next_url,
            "error": None,
            "username": "",
            "session": None,
            "no_admin": accounts.admin_count(self.engine) == 0,
        }
        status, headers = 200, {}
        if form is not None:
            if not self.sessions.signin_token_ok(
                request.cookies.get(SIGNIN_COOKIE), _str(form.get(CSRF_FIELD))
            ):
                return PlainTextResponse(
                    "The sign-in form has expired (CSRF token missing or wrong). "
                    "Reload the page and try again.",
                    status_code=403,
                )
            username = _str(form.get("username"))
            client = request.client.host if request.client else "unknown"
            result = accounts.authenticate(
                self.engine, username, _str(form.get("password")), client, self.backoff
            )
            if result.admin_id is not None:
                response: Response = RedirectResponse(next_url, status_code=303)
                self._set_cookie(
                    request, response, COOKIE, self.sessions.start(result.admin_id), MAX_AGE
                )
                response.delete_cookie(SIGNIN_COOKIE, path="/signin")
                return response
            context["username"] = username
            if result.retry_after > 0:
                status = 429
                wait = math.ceil(result.retry_after)
                headers["Retry-After"] = str(wait)
                context["error"] = (
                    "Wrong username or password. Too many failed sign-ins: wait "
                    f"{accounts.wait_text(wait)} before the next try."
                )
            else:
                status = 401
                context["error"] = "Wrong username or password."
        response = self.render(request, "signin.html", context, status)
        for name, value in headers.items():
            response.headers[name] = value
        self._set_cookie(request, response, SIGNIN_COOKIE, cookie, None, path="/signin")
        return response

    def _set_cookie(
        self,
        request: Request,
        response: Response,
        name: str,
        value: str,
        max_age: Any,
        path: str = "/",
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=int(max_age.total_seconds()) if max_age else None,
            path=path,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def signout(self, ctx: Ctx) -> Response:
        self.sessions.end(ctx.session.id_hash)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # --- pages ---------------------------------------------------------------------------------

    def dashboard(self, ctx: Ctx) -> Response:
        return self.page(
            ctx,
            "dashboard.html",
            counts=queries.provisioned_counts(self.engine),
            task_counts=T.task_counts(self.engine),
            failed_by_rule=T.rule_counts(self.engine, ("failed",)),
            blocked_by_rule=T.rule_counts(self.engine, ("blocked",)),
            runs=queries.recent_runs(self.engine, 5),
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
            self.engine, states, rule or None, kind or None, TASKS_SHOWN + 1, before
        )
        older = None
        if len(found) > TASKS_SHOWN:
            found = found[:TASKS_SHOWN]
            older = urlencode({"state": state, "rule": rule, "kind": kind, "before": found[-1].id})
        # Every code of the catalogue (counting the codes in use would scan every task).
        rules = sorted(set(BY_CODE) | ({rule} - {""}))
        flash = self.sessions.pop_flash(ctx.session)
        outcomes = {o["task_id"]: o for o in (flash or {}).get("outcomes", [])}
        return self.page(
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
            counts=T.task_counts(self.engine),
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
            self.sessions.set_flash(ctx.session, {"notice": "Tick at least one task to retry."})
            return self._back_to_tasks(ctx)
        names = {t.id: t.display for t in (T.get_task(self.engine, i) for i in ids) if t}
        try:
            outcomes = retry_tasks(self.engine, ids, token=self.token)
        except Exception as exc:  # the retry machinery itself broke: say so, keep the tasks
            self.sessions.set_flash(
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
        self.sessions.set_flash(
            ctx.session,
            {
                "notice": f"Retried {len(done)} task{'s' * (len(done) != 1)}: {ok} succeeded.",
                "outcomes": done,
            },
        )
        return self._back_to_tasks(ctx)

    def dismiss(self, ctx: Ctx) -> Response:
        ids = self._selected(ctx)
        count = T.dismiss_tasks(self.engine, ids) if ids else 0
        notice = (
            f"Dismissed {count} task{'s' * (count != 1)}."
            if ids
            else "Tick at least one task to dismiss."
        )
        self.sessions.set_flash(ctx.session, {"notice": notice})
        return self._back_to_tasks(ctx)

    def task(self, ctx: Ctx) -> Response:
        raw = ctx.request.path_params["task_id"]
        task = T.get_task(self.engine, int(raw)) if raw.isdigit() else None
        if task is None:
            return self.page(ctx, "error.html", 404, title="No such task", message=f"Task {raw}")
        flash = self.sessions.pop_flash(ctx.session)
        return self.page(
            ctx,
            "task.html",
            task=task,
            flash=flash,
            okta=okta_head(task),
            place=source_place(task),
            fixes=applied_to(self.engine, task.id),
        )

    def resources(self, kind: str) -> Handler:
        def handler(ctx: Ctx) -> Response:
            search = ctx.request.query_params.get("q", "")
            state = ctx.request.query_params.get("state", "")
            raw_page = ctx.request.query_params.get("page", "1")
            number = max(int(raw_page), 1) if raw_page.isdigit() else 1
            offset = (number - 1) * RESOURCES_SHOWN
            found, total = queries.list_resources(
                self.engine, kind, search, state, RESOURCES_SHOWN, offset
            )
            return self.page(
                ctx,
                "resources.html",
                kind=kind,
                items=found,
                total=total,
                manual=queries.manual_tasks(self.engine, kind, search) if not state else [],
                first=offset + 1,
                number=number,
                pages=max(math.ceil(total / RESOURCES_SHOWN), 1),
                query={"q": search, "state": state},
                q=search,
                state=state,
                states=queries.RESOURCE_STATES,
            )

        return handler

    def inspect(self, ctx: Ctx) -> Response:
        params = ctx.request.query_params
        value = params.get("value")
        attribute = params.get("attribute", "name.givenName")
        result = inspector.inspect(value, attribute) if value else None
        return self.page(
            ctx,
            "inspector.html",
            value=value or "",
            attribute=result.attribute if result else attribute,
            attributes=inspector.ATTRIBUTES,
            result=result,
            findings=[f.to_dict() for f in result.findings] if result else [],
            categories=inspector.CATEGORIES,
        )

    def check_page(self, ctx: Ctx) -> Response:
        result = None
        options: dict[str, Any] = {**asdict(self.switches), "empty_cells": "absent"}
        if ctx.form is not None:
            upload = ctx.form.get("file")
            switches = checking.switches_from_form(ctx.field)
            empty_cells: EmptyCells = (
                "empty-string" if ctx.field("empty_cells") == "empty-string" else "absent"
            )
            read = {"input_format": ctx.field("input_format") or None, "empty_cells": empty_cells}
            options = {**asdict(switches), **read}
            if isinstance(upload, UploadFile) and upload.filename:
                result, csv_text = checking.check_upload(
                    upload.file,
                    upload.filename,
                    switches=switches,
                    input_format=read["input_format"],
                    empty_cells=empty_cells,
                )
                if result.error is None:
                    result.report_id = checking.keep_report(
                        self.engine, ctx.session.id_hash, result.filename, csv_text
                    )
                    upload.file.seek(0)  # kept for the grid (grid.py), read under the cap
                    grid.keep_upload(
                        self.engine, result.report_id, ctx.session.id_hash, result.filename,
                        upload.file.read(limits.MAX_UPLOAD + 1), options,
                    )  # fmt: skip
            else:
                result = checking.CheckResult("", error="Choose a file to check.")
        return self.page(ctx, "check.html", result=result, options=options, formats=FORMATS)

    def check_csv(self, ctx: Ctx) -> Response:
        found = checking.load_report(
            self.engine, ctx.session.id_hash, ctx.request.path_params["report_id"]
        )
        if found is None:
            return self.page(
                ctx, "error.html", 404, title="No such report", message="Upload the file again."
            )
        filename, csv_text = found
        stem = filename.rsplit(".", 1)[0] if "." in filename else filename
        return Response(
            EXCEL_BOM + csv_text,  # a download is opened in a spreadsheet: say it is UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}-check.csv"'},
        )

    # --- routes --------------------------------------------------------------------------------

    def app(self) -> Starlette:
        fixing = FixPages(self, retry_tasks)
        cells = GridPages(self)
        routes = [
            Route("/signin", self.signin, methods=["GET", "POST"]),
            Route("/signout", self.guard(self.signout), methods=["POST"]),
            Route("/", self.guard(self.dashboard)),
            Route("/tasks", self.guard(self.tasks)),
            Route("/tasks/retry", self.guard(self.retry), methods=["POST"]),
            Route("/tasks/dismiss", self.guard(self.dismiss), methods=["POST"]),
            Route("/tasks/fix", self.guard(fixing.apply), methods=["POST"]),
            Route("/tasks/fix/preview", self.guard(fixing.review), methods=["POST"]),
            Route("/tasks/{task_id}", self.guard(self.task)),
            Route("/tasks/{task_id}/fix", self.guard(fixing.review_one)),
            Route("/users", self.guard(self.resources("user"))),
            Route("/groups", self.guard(self.resources("group"))),
            Route("/inspector", self.guard(self.inspect)),
            Route(
                "/check",
                self.guard(self.check_page, max_body=limits.MAX_UPLOAD + limits.FORM_OVERHEAD),
                methods=["GET", "POST"],
            ),
            Route("/check/{report_id}.csv", self.guard(self.check_csv)),
            Route("/check/{report_id}/fix", self.guard(cells.fix), methods=["POST"]),
            Route("/check/{report_id}/fixed", self.guard(cells.fixed)),
            Route("/check/{report_id}/changes.csv", self.guard(cells.changes)),
            Route("/check/{report_id}/undo.json", self.guard(cells.undo)),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
        app = Starlette(routes=routes)
        app.add_middleware(SecurityHeaders)
        return app


def _too_large(limit: int) -> Response:
    return PlainTextResponse(
        f"That upload is too large: the limit is {limits.size_text(limit)}.", status_code=413
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _safe_next(value: Any) -> str:
    """Only a path of this site (never `//host` or a scheme) may follow the sign-in."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(ch) < 0x20 for ch in value):
        return "/"
    return value


def create_app(
    url: str | None = None,
    *,
    backoff: accounts.Backoff | None = None,
    token: str | None = None,
    switches: Switches = DEFAULT_SWITCHES,
) -> Starlette:
    """The console over the engine database at `url` (migrated on start)."""
    return Console(open_engine(url), backoff=backoff, token=token, switches=switches).app()
