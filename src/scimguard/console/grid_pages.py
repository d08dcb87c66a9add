"""The Check page's grid, as pages: apply the grid's choices, download what the engine made.

`POST /check/{id}/fix` takes either `rule` (accept every suggestion of that rule) or the ticked
rows (`a:R:A` for record R and attribute A, the value in `s:R:A`, or `drop:R:A` to leave the
attribute out); `GET /check/{id}/fixed`, `/check/{id}/changes.csv` and `/check/{id}/undo.json`
download the fixed file, its change log and its undo file (`scimguard fix --undo`). All of it
is the session's own upload only, through the console's guard (session, CSRF).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Engine
from starlette.responses import Response

from scimguard.console.grid import Chosen, fix_upload, fixed_name, load_upload


class Host(Protocol):
    engine: Engine

    def page(self, ctx: Any, name: str, status: int = 200, **context: Any) -> Response: ...


def chosen_rows(ctx: Any) -> Chosen:
    chosen: Chosen = {}
    for name in ctx.form:
        if not name.startswith("a:"):
            continue
        record, _, attribute = name[2:].partition(":")
        if not record.isdigit() or not attribute:
            continue
        key = f"{record}:{attribute}"
        if ctx.field(f"drop:{key}") == "1":
            chosen[(int(record), attribute)] = None
        else:
            chosen[(int(record), attribute)] = ctx.field(f"s:{key}")
    return chosen


class GridPages:
    def __init__(self, host: Host) -> None:
        self.host = host

    def _upload(self, ctx: Any) -> Any:
        return load_upload(
            self.host.engine, ctx.session.id_hash, ctx.request.path_params["report_id"]
        )

    def _gone(self, ctx: Any) -> Response:
        return self.host.page(
            ctx, "error.html", 404, title="No such upload", message="Upload the file again."
        )

    def fix(self, ctx: Any) -> Response:
        upload = self._upload(ctx)
        if upload is None:
            return self._gone(ctx)
        rule = ctx.field("rule") or None
        chosen = None if rule else chosen_rows(ctx)
        if chosen == {}:
            return self.host.page(
                ctx,
                "grid_result.html",
                400,
                upload=upload,
                result=None,
                notice="Tick at least one row, or accept every suggestion of a rule.",
            )
        result = fix_upload(self.host.engine, upload, rule=rule, chosen=chosen)
        return self.host.page(
            ctx,
            "grid_result.html",
            200 if result.error is None else 400,
            upload=upload,
            result=result,
            rule=rule,
            fixed_name=fixed_name(upload.filename),
            notice=None,
        )

    def _download(self, ctx: Any, what: str) -> Response:
        upload = self._upload(ctx)
        if upload is None or upload.fixed is None:
            return self._gone(ctx)
        name = fixed_name(upload.filename)
        if what == "fixed":
            body, media, filename = upload.fixed, "application/octet-stream", name
        elif what == "changes":
            body = upload.changes or ""  # the bytes `scimguard fix` writes
            media, filename = "text/csv; charset=utf-8", f"{name}.changes.csv"
        else:
            body, media, filename = upload.undo or "", "application/json", f"{name}.undo.json"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def fixed(self, ctx: Any) -> Response:
        return self._download(ctx, "fixed")

    def changes(self, ctx: Any) -> Response:
        return self._download(ctx, "changes")

    def undo(self, ctx: Any) -> Response:
        return self._download(ctx, "undo")
