"""Events of unattended runs, one a line on stderr: JSON for log pipelines, or text.

An event is a `logging` record on the `scimguard` loggers that carries `event` (its name) and
`fields` (a flat dict of small values) in `extra`; the SCIM client logs its retries that way.
Only those records, and warnings, are written. The fields are counts, ids, rule codes, methods
and paths without their query: never a token, never a record's attributes.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

log = logging.getLogger("scimguard.events")
_HANDLER_NAME = "scimguard-events"


def emit(event: str, level: int = logging.INFO, **fields: Any) -> None:
    log.log(level, event, extra={"event": event, "fields": fields})


def _stamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": _stamp(record),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or "log",
        }
        body.update(getattr(record, "fields", None) or {})
        if not hasattr(record, "event"):
            body["message"] = record.getMessage()
        return orjson.dumps(body, default=str).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        pairs = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        what = getattr(record, "event", None) or record.getMessage()
        return f"{_stamp(record)} {what}{' ' + pairs if pairs else ''}"


class _Events(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return hasattr(record, "event") or record.levelno >= logging.WARNING


def setup(log_format: str) -> None:
    """Write events of every `scimguard` logger to stderr (idempotent)."""
    root = logging.getLogger("scimguard")
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_Events())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # the client logs retries at debug; the filter keeps events
    root.propagate = False
