"""AWS-shaped error responses (aws-identity-center-scim.md section 7).

Every refusal is raised as `ScimError` and rendered once, here: the body AWS sends (`schema` and
`schemas`, `status` as a string, `detail`, `exceptionRequestId`, `timeStamp`), the
`x-amzn-RequestId` header, and `X-Scimguard-Rule` with the codes of the rules that were broken.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

import orjson
from starlette.responses import Response

from scimguard.profile.schema import ERROR_URN

GENERIC_400 = "Request is unparsable, syntactically incorrect, or violates schema."
DUPLICATE_409 = "Refused to create a new, duplicate resource."
UNAUTHORIZED_401 = "Authorization header is invalid or missing."
THROTTLED_429 = "Too many requests exceeded the limits."
INVALID_FILTER = "Invalid Filter format"
INVALID_JSON = "Invalid JSON from RequestBody"
PATHLESS_PATCH = (
    'Current PATCH support allows omitting "path" attribute only for Add and Replace '
    "operations modifying a single attribute."
)
MISSING_PATH = "Missing path in PATCH request"
FAULT_DETAILS = {
    500: "Service failed to process the request.",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
RULE_HEADER = "X-Scimguard-Rule"
REQUEST_ID_HEADER = "x-amzn-RequestId"


class ScimError(Exception):
    """A refusal: HTTP status, the detail text, and the rule codes behind it."""

    def __init__(
        self,
        status: int,
        detail: str,
        rules: Iterable[str] = (),
        headers: dict[str, str] | None = None,
        specific: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.specific = specific  # the text of `--detail specific`, when it differs
        self.rules = list(dict.fromkeys(rules))
        self.headers = headers or {}


def timestamp() -> str:
    """AWS's error timestamp: `YYYY-MM-DD hh:mm:ss.SSS`, UTC, no zone."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}"


def error_response(
    status: int,
    detail: str,
    rules: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> Response:
    request_id = request_id or str(uuid.uuid4())
    body = {
        "schema": [ERROR_URN],
        "schemas": [ERROR_URN],
        "detail": detail,
        "status": str(status),
        "exceptionRequestId": request_id,
        "timeStamp": timestamp(),
    }
    out = {REQUEST_ID_HEADER: request_id, **(headers or {})}
    codes = list(dict.fromkeys(rules))
    if codes:
        out[RULE_HEADER] = ",".join(codes)
    return Response(orjson.dumps(body), status, headers=out, media_type="application/json")


def render(exc: ScimError, *, specific: bool = False, request_id: str | None = None) -> Response:
    detail = exc.specific if specific and exc.specific else exc.detail
    return error_response(exc.status, detail, exc.rules, exc.headers, request_id)
