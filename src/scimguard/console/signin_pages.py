"""Sign-in and sign-out: the only pages outside the console's session guard (app.py).

The sign-in form carries its own CSRF token, bound to a cookie scoped to `/signin` (there is no
session yet). A right password starts a session and goes on to `next`, a path of this site
only; after a few wrong ones, a lock that doubles each time (accounts.Backoff): 429, Retry-After.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from scimguard.console import accounts, limits
from scimguard.console.pages import Ctx, Host
from scimguard.console.sessions import COOKIE, CSRF_FIELD, MAX_AGE, SIGNIN_COOKIE


class SigninPages:
    def __init__(self, host: Host) -> None:
        self.host = host

    async def signin(self, request: Request) -> Response:
        form = None
        if request.method == "POST":
            try:
                form = await limits.read_form(request, limits.MAX_FORM, max_files=0)
            except limits.TooLarge:
                return limits.too_large(limits.MAX_FORM)
        return await run_in_threadpool(self._signin, request, form)

    def _signin(self, request: Request, form: FormData | None) -> Response:
        next_url = _safe_next(
            (form.get("next") if form is not None else None) or request.query_params.get("next")
        )
        if request.method == "GET" and self.host.sessions.load(request.cookies.get(COOKIE)):
            return RedirectResponse(next_url, status_code=303)
        token, cookie = self.host.sessions.signin_token(request.cookies.get(SIGNIN_COOKIE))
        context: dict[str, Any] = {
            "csrf": token,
            "next": next_url,
            "error": None,
            "username": "",
            "session": None,
            "no_admin": accounts.admin_count(self.host.engine) == 0,
        }
        status, headers = 200, {}
        if form is not None:
            if not self.host.sessions.signin_token_ok(
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
                self.host.engine, username, _str(form.get("password")), client, self.host.backoff
            )
            if result.admin_id is not None:
                response: Response = RedirectResponse(next_url, status_code=303)
                self._set_cookie(
                    request, response, COOKIE, self.host.sessions.start(result.admin_id), MAX_AGE
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
        response = self.host.render(request, "signin.html", context, status)
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
        self.host.sessions.end(ctx.session.id_hash)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _safe_next(value: Any) -> str:
    """Only a path of this site (never `//host` or a scheme) may follow the sign-in."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(ch) < 0x20 for ch in value):
        return "/"
    return value
