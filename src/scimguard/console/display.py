"""How the console's templates show values: hidden characters spelled out, messages, times.

Jinja filters and globals (registered by `Console`), kept apart from the routes so a page's
look and the application's plumbing are each in one place.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Undefined
from markupsafe import Markup, escape

from scimguard import text
from scimguard.console.marks import SPACE_MARK, spaces_to_mark
from scimguard.profile.catalogue import BY_CODE
from scimguard.sync import tasks as T


def show(value: Any, *, keep_newlines: bool = False) -> Markup:
    """A value as HTML with every hidden or unusual code point spelled out and marked.

    `keep_newlines` is for pretty-printed JSON, whose line breaks are layout (JSON escapes
    every control character inside its strings). Spaces HTML would collapse or drop (leading,
    trailing, doubled) are marked too: `"  Tom"` must not read as `Tom`."""
    if value is None:
        return Markup('<span class="null">null</span>')
    if isinstance(value, Undefined):
        return Markup("")
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    if not text.needs_look(value) and "  " not in value:
        return escape(value)
    out = []
    blanks = set() if keep_newlines else spaces_to_mark(value)  # a <pre> keeps its spaces
    for i, ch in enumerate(value):
        if keep_newlines and ch == "\n":
            out.append(Markup("\n"))
        elif i in blanks:
            out.append(SPACE_MARK)
        elif text.is_hidden(ch) or ch in text.UNUSUAL_SPACES:
            code = f"U+{ord(ch):04X}"
            out.append(
                Markup('<mark class="hc" title="{}">&lt;{}&gt;</mark>').format(
                    text.char_name(ch), code
                )
            )
        else:
            out.append(escape(ch))
    return Markup("").join(out)


def show_message(value: Any) -> Markup:
    """A message of several lines: a line break between lines is layout (`<br>`), as
    `text.visible_lines` prints it in a terminal; every other hidden code point is spelled out."""
    if not isinstance(value, str):
        return show(value)
    return Markup("<br>").join(show(line) for line in value.split("\n"))


def show_json(value: Any) -> Markup:
    if value is None:
        return Markup('<span class="null">nothing</span>')
    if isinstance(value, str):
        return show(value)
    return show(json.dumps(value, ensure_ascii=False, indent=2), keep_newlines=True)


def okta_head(task: T.Task) -> str:
    """The first line of the Okta-style message (the findings are shown beside it)."""
    return T.okta_message(task).split("\n", 1)[0]


def rule_title(code: str | None) -> str:
    rule = BY_CODE.get(code or "")
    return rule.title if rule else (code or "")


def when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""
