"""Durations as people write them in a schedule: `30m`, `2s`, `1h30m`, `1d`, or plain seconds.

Our own dozen lines: the libraries that parse durations (pytimeparse, humanfriendly) accept far
more than a config file should, and would be one more dependency for this alone.
"""

from __future__ import annotations

import re
from typing import Any

import click

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str | int | float) -> float:
    """Seconds in `text`; raises ValueError on anything else (negative, empty, unknown unit).

    >>> parse_duration("1h30m"), parse_duration("2s"), parse_duration(90)
    (5400.0, 2.0, 90.0)
    """
    if isinstance(text, bool):
        raise ValueError("a duration, not true/false")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return float(text)
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    pos, total = 0, 0.0
    for match in _PART.finditer(value):
        if value[pos : match.start()].strip():
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not value or pos == 0 or value[pos:].strip():
        raise ValueError(f"{text!r} is not a duration (write e.g. 30m, 2s, 1h30m)")
    return total


class Duration(click.ParamType):
    name = "DURATION"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()
