"""What the console's page modules share with the application, so none imports app.py.

`Ctx` is what a handler gets (the request, its live session, the submitted form), `Handler` is
a page handler, and `Host` is the console (app.Console) as the pages see it: the application
builds each page module with itself as host, and routes to the modules' handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from scimguard.console.accounts import Backoff
from scimguard.console.sessions import Session, Sessions
from scimguard.profile import Switches

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


class Host(Protocol):
    """What the pages need of the console (app.Console), without importing it."""

    engine: Engine
    sessions: Sessions
    backoff: Backoff
    token: str | None
    switches: Switches

    def render(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> Response: ...

    def page(self, ctx: Ctx, name: str, status: int = 200, **context: Any) -> Response: ...
