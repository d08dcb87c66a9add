"""`fix --dry-run`'s unified diff, with the invisible characters of changed lines spelled out.

A plain diff of `Jane<U+200B>` -> `Jane` prints two lines that look the same. Every `-` and `+`
line is shown through `scimguard.text.visible`, as every value shown to a person is; trailing
spaces of such a line are spelled out too (a line end hides them). Tabs that indent a line
stay tabs (JSON indented with tabs: a leading tab that changed still shows as a shift); every
other tab is spelled out. Context lines and line endings are printed as they are. difflib
makes the diff; only its lines are rendered here.
"""

from __future__ import annotations

import difflib
import re

from scimguard.text import visible

_EDGES = re.compile(r"\A(\t*)(.*?)( *)\Z", re.DOTALL)


def unified(before: bytes, after: bytes, before_name: str, after_name: str) -> str:
    """The unified diff of two UTF-8 texts, their changed lines readable by a person."""
    old = _lines(before.decode("utf-8", errors="replace"))
    new = _lines(after.decode("utf-8", errors="replace"))
    diff = difflib.unified_diff(old, new, fromfile=before_name, tofile=after_name)
    out = [
        _shown(line) if n >= 2 and line[:1] in ("-", "+") else line  # 0, 1: the headers
        for n, line in enumerate(diff)
    ]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out
    )


def _lines(content: str) -> list[str]:
    """Lines split at LF only: CR, U+2028 and their kind inside a line are characters to show
    (`str.splitlines` would cut there and hide them)."""
    lines = content.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _shown(line: str) -> str:
    sign, body = line[0], line[1:]
    ending = "\r\n" if body.endswith("\r\n") else "\n" if body.endswith("\n") else ""
    match = _EDGES.match(body[: len(body) - len(ending)])
    assert match is not None  # the pattern matches every string
    indent, middle, tail = match.groups()
    # visible() leaves a plain space as it is: at the end of a line nothing would show it.
    return sign + indent + visible(middle) + "<U+0020 SPACE>" * len(tail) + ending
