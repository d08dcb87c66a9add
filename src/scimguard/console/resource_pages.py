"""The users and groups the engine provisioned: a page of them by name, searched and filtered.

Beside them, while no state filter is chosen, the records made by hand at the target, which
the engine left alone (`queries.manual_tasks`).
"""

from __future__ import annotations

import math

from starlette.responses import Response

from scimguard.console import queries
from scimguard.console.pages import Ctx, Handler, Host

RESOURCES_SHOWN = 200  # a page of users or groups, by name; "Next" pages on


class ResourcePages:
    def __init__(self, host: Host) -> None:
        self.host = host

    def resources(self, kind: str) -> Handler:
        def handler(ctx: Ctx) -> Response:
            search = ctx.request.query_params.get("q", "")
            state = ctx.request.query_params.get("state", "")
            raw_page = ctx.request.query_params.get("page", "1")
            number = max(int(raw_page), 1) if raw_page.isdigit() else 1
            offset = (number - 1) * RESOURCES_SHOWN
            found, total = queries.list_resources(
                self.host.engine, kind, search, state, RESOURCES_SHOWN, offset
            )
            return self.host.page(
                ctx,
                "resources.html",
                kind=kind,
                items=found,
                total=total,
                manual=queries.manual_tasks(self.host.engine, kind, search) if not state else [],
                first=offset + 1,
                number=number,
                pages=max(math.ceil(total / RESOURCES_SHOWN), 1),
                query={"q": search, "state": state},
                q=search,
                state=state,
                states=queries.RESOURCE_STATES,
            )

        return handler
