"""The profile's own pages, which need none of the engine's state: the Check page and the inspector.

The Check page runs an uploaded export through `scimguard.check` (checking.py), keeps the report
for its CSV download and the upload for the grid of suggestions (grid.py, grid_pages.py); the
inspector shows one value, code point by code point, with the profile's verdict (inspector.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from scimguard.console import checking, grid, inspector, limits
from scimguard.console.pages import Ctx, Host
from scimguard.records import FORMATS
from scimguard.records.mapping import EmptyCells
from scimguard.spreadsheet import EXCEL_BOM


class CheckPages:
    def __init__(self, host: Host) -> None:
        self.host = host

    def inspect(self, ctx: Ctx) -> Response:
        params = ctx.request.query_params
        value = params.get("value")
        attribute = params.get("attribute", "name.givenName")
        result = inspector.inspect(value, attribute) if value else None
        return self.host.page(
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
        options: dict[str, Any] = {**asdict(self.host.switches), "empty_cells": "absent"}
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
                        self.host.engine, ctx.session.id_hash, result.filename, csv_text
                    )
                    upload.file.seek(0)  # kept for the grid (grid.py), read under the cap
                    grid.keep_upload(
                        self.host.engine, result.report_id, ctx.session.id_hash, result.filename,
                        upload.file.read(limits.MAX_UPLOAD + 1), options,
                    )  # fmt: skip
            else:
                result = checking.CheckResult("", error="Choose a file to check.")
        return self.host.page(ctx, "check.html", result=result, options=options, formats=FORMATS)

    def check_csv(self, ctx: Ctx) -> Response:
        found = checking.load_report(
            self.host.engine, ctx.session.id_hash, ctx.request.path_params["report_id"]
        )
        if found is None:
            return self.host.page(
                ctx, "error.html", 404, title="No such report", message="Upload the file again."
            )
        filename, csv_text = found
        stem = filename.rsplit(".", 1)[0] if "." in filename else filename
        return Response(
            EXCEL_BOM + csv_text,  # a download is opened in a spreadsheet: say it is UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}-check.csv"'},
        )
