"""Request bodies read under a cap counted on the bytes received, not on `Content-Length`.

A chunked upload declares no length, and a declared length can lie: Starlette's form parser
spools files of any size to disk. Here the ASGI receive channel itself counts the body bytes
and stops the read as soon as the cap is passed, so nothing past it is parsed or stored; the
console answers `too_large` (413) then.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message

MAX_UPLOAD = 50 * 1024 * 1024  # the Check page's export file
MAX_FORM = 1024 * 1024  # every other form (sign-in, retry, dismiss)
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields beside the file


class TooLarge(Exception):
    """The body passed its cap (declared or received)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


def declared_too_large(request: Request, limit: int) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > limit


async def read_form(
    request: Request, limit: int, *, max_files: int = 1, max_part_size: int = MAX_FORM
) -> FormData:
    """The request's form, read through a receive channel that raises `TooLarge` past `limit`."""
    if declared_too_large(request, limit):
        raise TooLarge(limit)
    received = 0
    receive = request.receive

    async def counting() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge(limit)
        return message

    return await Request(request.scope, counting).form(
        max_files=max_files, max_part_size=max_part_size
    )


def size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def too_large(limit: int) -> Response:
    return PlainTextResponse(
        f"That upload is too large: the limit is {size_text(limit)}.", status_code=413
    )
