"""The console's Starlette application: the routes, the session guard, CSRF, templates.

Every route but sign-in and the static files goes through `Console.guard`: no live session ->
the sign-in page (GET) or 403 (POST); a POST without the session's CSRF token -> 403. Handlers
are plain functions run in the thread pool, since the database layer is synchronous. They live
in the page modules (`*_pages.py`), each built with the console as its host (pages.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from scimguard.console import accounts, limits
from scimguard.console.check_pages import CheckPages
from scimguard.console.db import cookie_secret, open_engine
from scimguard.console.display import okta_head, rule_title, show, show_json, show_message, when
from scimguard.console.fix_pages import FixPages
from scimguard.console.grid_pages import GridPages
from scimguard.console.marks import same_message
from scimguard.console.pages import Ctx, Handler
from scimguard.console.resource_pages import ResourcePages
from scimguard.console.security import SecurityHeaders
from scimguard.console.sessions import COOKIE, CSRF_FIELD, CSRF_HEADER, Session, Sessions, csrf_ok
from scimguard.console.signin_pages import SigninPages
from scimguard.console.task_pages import TaskPages
from scimguard.profile import DEFAULT_SWITCHES, Switches
from scimguard.sync.diagnosis import located
from scimguard.sync.retry import retry as retry_tasks

HERE = Path(__file__).parent


class Console:
    """What every page needs: the engine's database, the sign-in sessions and their backoff,
    the templates with their filters, and `guard` (session, then CSRF) around each handler.
    The pages themselves live in *_pages.py, each built with this as its host."""

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
                    return limits.too_large(max_body)
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

    # --- routes --------------------------------------------------------------------------------

    def app(self) -> Starlette:
        signin = SigninPages(self)
        tasks = TaskPages(self)
        lists = ResourcePages(self)
        checks = CheckPages(self)
        fixing = FixPages(self, retry_tasks)
        cells = GridPages(self)
        routes = [
            Route("/signin", signin.signin, methods=["GET", "POST"]),
            Route("/signout", self.guard(signin.signout), methods=["POST"]),
            Route("/", self.guard(tasks.dashboard)),
            Route("/tasks", self.guard(tasks.tasks)),
            Route("/tasks/retry", self.guard(tasks.retry), methods=["POST"]),
            Route("/tasks/dismiss", self.guard(tasks.dismiss), methods=["POST"]),
            Route("/tasks/fix", self.guard(fixing.apply), methods=["POST"]),
            Route("/tasks/fix/preview", self.guard(fixing.review), methods=["POST"]),
            Route("/tasks/{task_id}", self.guard(tasks.task)),
            Route("/tasks/{task_id}/fix", self.guard(fixing.review_one)),
            Route("/users", self.guard(lists.resources("user"))),
            Route("/groups", self.guard(lists.resources("group"))),
            Route("/inspector", self.guard(checks.inspect)),
            Route(
                "/check",
                self.guard(checks.check_page, max_body=limits.MAX_UPLOAD + limits.FORM_OVERHEAD),
                methods=["GET", "POST"],
            ),
            Route("/check/{report_id}.csv", self.guard(checks.check_csv)),
            Route("/check/{report_id}/fix", self.guard(cells.fix), methods=["POST"]),
            Route("/check/{report_id}/fixed", self.guard(cells.fixed)),
            Route("/check/{report_id}/changes.csv", self.guard(cells.changes)),
            Route("/check/{report_id}/undo.json", self.guard(cells.undo)),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
        app = Starlette(routes=routes)
        app.add_middleware(SecurityHeaders)
        return app


def create_app(
    url: str | None = None,
    *,
    backoff: accounts.Backoff | None = None,
    token: str | None = None,
    switches: Switches = DEFAULT_SWITCHES,
) -> Starlette:
    """The console over the engine database at `url` (migrated on start)."""
    return Console(open_engine(url), backoff=backoff, token=token, switches=switches).app()
