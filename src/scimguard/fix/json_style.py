"""JSON written in the style of the text it replaces.

- JSON lines: the record's line, re-serialised with the line's own separators;
- JSON (array, ListResponse, one resource, Okta export): the element's span, re-serialised with
  the element's indentation, separators and escaping; key order and unknown attributes are kept.

`splice_json` reuses the original text wherever old and new agree, so only the values that
changed are written anew; `dump_like` writes a value in the style of a sample.
"""

from __future__ import annotations

import json
import re
from typing import Any


def dump_like(obj: Any, raw: bytes) -> bytes:
    """`obj` as JSON, in the style of `raw` (indentation, separators, escaping of non-ASCII)."""
    text = raw.decode("utf-8")
    ensure_ascii = bool(
        re.search(r"\\u00[89a-f]|\\u0[1-9a-f]|\\u[1-9a-f]", text, re.I)
    ) and not any(ord(c) > 127 for c in text)
    if "\n" not in text.strip():
        compact = not re.search(r'"\s*:\s+', text) and not re.search(r",\s+\S", _outside(text))
        separators = (",", ":") if compact else (", ", ": ")
        return json.dumps(obj, ensure_ascii=ensure_ascii, separators=separators).encode()
    lines = text.split("\n")
    second = next((line for line in lines[1:] if line.strip()), "")
    last = lines[-1]
    base = len(last) - len(last.lstrip())
    step = max(1, len(second) - len(second.lstrip()) - base)
    indent = "\t" if second.lstrip(" ").startswith("\t") or second.startswith("\t") else step
    key_sep = ": " if re.search(r'"\s*:\s', text) else ":"
    dumped = json.dumps(obj, ensure_ascii=ensure_ascii, indent=indent, separators=(",", key_sep))
    pad = last[:base]
    return "\n".join(
        [dumped.split("\n")[0]] + [pad + line for line in dumped.split("\n")[1:]]
    ).encode()


def _outside(text: str) -> str:
    """The text without its JSON strings (for looking at separators)."""
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)


# JSON's whitespace (RFC 8259: space, tab, LF, CR; not `\s`, which takes NBSP and the like),
# shared with locate.py. It matches the empty string too: `WS.match()` is never None, which
# mypy cannot know (the `# type: ignore[union-attr]` on each `WS.match(...).end()`).
WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def splice_json(raw: str, old: Any, new: Any) -> str:
    """`new` as JSON text, reusing the text of `raw` (which holds `old`) wherever they agree.

    Objects are edited member by member and lists element by element (when the length is the
    same), so only the values that changed are written anew, in the style of what they replace.
    """
    if old == new and type(old) is type(new):
        return raw
    try:
        if isinstance(old, dict) and isinstance(new, dict) and raw.startswith("{"):
            return _splice_object(raw, old, new)
        if (
            isinstance(old, list)
            and isinstance(new, list)
            and len(old) == len(new)
            and raw.startswith("[")
        ):
            return _splice_list(raw, old, new)
    except ValueError:
        pass
    return dump_like(new, raw.encode()).decode()


def _members(raw: str) -> list[tuple[str, int, int, int]]:
    """(key, key start, value start, value end) of each member of the object text `raw`."""
    out = []
    pos = WS.match(raw, 1).end()  # type: ignore[union-attr]
    while not raw.startswith("}", pos):
        key, end = _DECODER.raw_decode(raw, pos)
        colon = WS.match(raw, end).end()  # type: ignore[union-attr]
        if not raw.startswith(":", colon):
            raise ValueError("expected :")
        start = WS.match(raw, colon + 1).end()  # type: ignore[union-attr]
        _value, value_end = _DECODER.raw_decode(raw, start)
        out.append((key, pos, start, value_end))
        pos = WS.match(raw, value_end).end()  # type: ignore[union-attr]
        if raw.startswith(",", pos):
            pos = WS.match(raw, pos + 1).end()  # type: ignore[union-attr]
    return out


def _splice_object(raw: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    members = _members(raw)
    if not members or [m[0] for m in members] != list(old):
        raise ValueError("duplicate or unexpected keys")
    kept = [m for m in members if m[0] in new]
    if not kept:
        raise ValueError("nothing to keep")
    # the text between members (", \n    "), and between a key and its value (": ")
    gap = raw[members[0][3] : members[1][1]] if len(members) > 1 else ", "
    key_sep = raw[members[0][1] : members[0][2]][len(json.dumps(members[0][0])) :] or ": "
    parts = [raw[: kept[0][1]]]
    for i, (key, key_start, value_start, value_end) in enumerate(kept):
        if i:
            parts.append(gap)
        parts.append(raw[key_start:value_start])
        value_raw = raw[value_start:value_end]
        parts.append(splice_json(value_raw, old[key], new[key]))
    for key, value in new.items():
        if key not in old:
            if "\n" in raw:
                text = _nested(value, raw, kept[-1][1])
            else:
                text = dump_like(value, raw.encode()).decode()
            parts.append(gap + json.dumps(key, ensure_ascii=False) + key_sep + text)
    parts.append(raw[members[-1][3] :])
    return "".join(parts)


def _nested(value: Any, raw: str, key_start: int) -> str:
    """`value` dumped for a member whose key starts at `key_start` of an indented object."""
    line_start = raw.rfind("\n", 0, key_start) + 1
    pad = raw[line_start:key_start]
    if not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    indent: int | str = "\t" if pad.startswith("\t") else max(1, len(pad) - len(_closing_pad(raw)))
    dumped = json.dumps(value, ensure_ascii=False, indent=indent)
    return "\n".join([dumped.split("\n")[0]] + [pad + line for line in dumped.split("\n")[1:]])


def _closing_pad(raw: str) -> str:
    last = raw.rsplit("\n", 1)[-1]
    return last[: len(last) - len(last.lstrip())]


def _splice_list(raw: str, old: list[Any], new: list[Any]) -> str:
    pos = WS.match(raw, 1).end()  # type: ignore[union-attr]
    spans = []
    for _ in old:
        _value, end = _DECODER.raw_decode(raw, pos)
        spans.append((pos, end))
        pos = WS.match(raw, end).end()  # type: ignore[union-attr]
        if raw.startswith(",", pos):
            pos = WS.match(raw, pos + 1).end()  # type: ignore[union-attr]
    parts = []
    position = 0
    for (start, end), before, after in zip(spans, old, new, strict=True):
        parts.append(raw[position:start])
        parts.append(splice_json(raw[start:end], before, after))
        position = end
    parts.append(raw[position:])
    return "".join(parts)
