"""Where each record the readers produced sits in the input's bytes, with its editor.

The records come from `scimguard.records` (the same hardened readers as `check`). This module
only finds each one's byte span again, so that the rest of the file is kept byte for byte:

- JSON (array, ListResponse, one resource): the element's span, matched with the reader's
  record by the line both start on, so an element the reader could not use does not shift
  the others. One pass over the text, byte offsets counted as it goes (linear in the file);
- JSON lines: the record's line;
- CSV: the row's lines, read with the header's delimiter.

Anything here that meets input it cannot follow raises `FixInputError` with the file and
line (fix then exits 2 and writes nothing); it never lets a parser's exception through.
"""

from __future__ import annotations

import csv
import json
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

import orjson

from scimguard.errors import FixInputError
from scimguard.fix.csv_editor import CsvEditor, CsvLayout
from scimguard.fix.editors import Editor, ScimEditor
from scimguard.fix.json_style import WS
from scimguard.fix.okta_editor import OktaEditor, is_okta
from scimguard.records import AttributeMapping, EmptyCells, Record
from scimguard.records.inputs import BOM_UTF8, BOM_UTF16, detect_format
from scimguard.records.okta import OktaConverter

try:  # the readers' compiled splitter: where the objects of a JSON array begin and end
    from scimguard.records._split import split_objects as _split_objects
except ImportError:  # pragma: no cover - no C compiler at install time: the parser finds them
    _split_objects = None  # type: ignore[assignment]  # the stub types the name; None: not built

Span = tuple[int, int, Any]  # (byte start, byte end, parsed value)
# (record index -> how many records start on its line before it, line -> records on it)
Places = tuple[dict[int, int], dict[int, int]]


def line_offsets(data: bytes) -> list[int]:
    """offsets[n] = byte offset where line n+1 starts (lines end at LF); plus the end."""
    offsets = [0]
    find = data.find
    pos = find(b"\n")
    while pos != -1:
        offsets.append(pos + 1)
        pos = find(b"\n", pos + 1)
    if offsets[-1] != len(data):
        offsets.append(len(data))
    return offsets


def _decode(decoder: json.JSONDecoder, text: str, pos: int) -> tuple[Any, int]:
    """One JSON value at `pos`; nesting deeper than Python's parser goes is a decode error
    at that position (the stdlib parser recurses; its RecursionError must not escape)."""
    try:
        return decoder.raw_decode(text, pos)
    except RecursionError:
        raise json.JSONDecodeError("the value is nested too deeply", text, pos) from None


def json_spans(data: bytes, name: str = "input") -> list[Span]:
    """(start, end, value) of each resource element: the top-level array, `Resources`, or the
    whole object. Raises FixInputError (naming `name` and the line) for invalid JSON.

    `value` is None where it was not parsed (the caller parses the few it edits): the
    objects of a plain array are found by the readers' compiled splitter (records/_split.c).
    """
    offset = len(BOM_UTF8) if data.startswith(BOM_UTF8) else 0
    head = data[offset : offset + 4096]
    start = offset + len(head) - len(head.lstrip(b" \t\r\n"))
    if _split_objects is not None and data[start : start + 1] == b"[":
        found, stop = _split_objects(data, start + 1)
        if data[stop:].rstrip(b" \t\r\n") == b"]":  # nothing but objects: no parse needed
            return [(found[i], found[i + 1], None) for i in range(0, len(found), 2)]
    try:
        text = data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start + offset) + 1
        raise FixInputError(
            f"{name}:{line}: the input is not UTF-8 (byte {exc.start + offset})"
        ) from None
    decoder = json.JSONDecoder()
    pos = WS.match(text, 0).end()  # type: ignore[union-attr]
    try:
        if text.startswith("[", pos):
            spans = _array(text, pos, decoder)
        elif text.startswith("{", pos):
            whole, end = _decode(decoder, text, pos)
            if isinstance(whole, dict) and isinstance(whole.get("Resources"), list):
                spans = _resources(text, pos, decoder)
            else:
                spans = [(pos, end, whole)]
        else:
            raise FixInputError(f"{name}: the input is neither a JSON array nor a JSON object")
    except json.JSONDecodeError as exc:
        raise FixInputError(
            f"{name}:{exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno}); fix "
            "rewrites valid files only"
        ) from None
    if len(text) == len(data) - offset:  # ASCII: a character is a byte
        return [(offset + start, offset + end, value) for start, end, value in spans]
    out = []
    byte, char = offset, 0
    for start, end, value in spans:  # byte offsets counted along, never from the start again
        byte += len(text[char:start].encode())
        b_start = byte
        byte += len(text[start:end].encode())
        char = end
        out.append((b_start, byte, value))
    return out


def _array(text: str, pos: int, decoder: json.JSONDecoder) -> list[Span]:
    spans: list[Span] = []
    pos = WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", pos):
        return spans
    while True:
        value, end = _decode(decoder, text, pos)
        spans.append((pos, end, value))
        pos = WS.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos = WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            continue
        if text.startswith("]", pos):
            return spans
        raise json.JSONDecodeError("expected , or ]", text, pos)


def _resources(text: str, pos: int, decoder: json.JSONDecoder) -> list[Span]:
    """The spans of the `Resources` elements of a top-level object starting at `pos`."""
    pos = WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    found: list[Span] = []
    while not text.startswith("}", pos):
        key, end = _decode(decoder, text, pos)
        pos = WS.match(text, end).end()  # type: ignore[union-attr]
        if not text.startswith(":", pos):
            raise json.JSONDecodeError("expected :", text, pos)
        pos = WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        if key == "Resources" and text.startswith("[", pos):
            found = _array(text, pos, decoder)
        _value, end = _decode(decoder, text, pos)
        pos = WS.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos = WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    return found


def csv_rows(data: bytes, offsets: list[int], line: int, delimiter: str) -> tuple[list[str], int]:
    """The cells of the CSV row that starts at `line` (1-based) and the line after it."""
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for n in range(line - 1, len(offsets) - 1):
            count += 1
            yield data[offsets[n] : offsets[n + 1]].decode("utf-8")

    fields = next(csv.reader(lines(), delimiter=delimiter))
    return fields, line + count


# --- an editor per record ---------------------------------------------------------------------


def editors_for(
    data: bytes,
    name: str,
    records: list[Record],
    places: Places,
    input_format: str | None,
    mapping: AttributeMapping | None,
    empty_cells: EmptyCells,
) -> tuple[list[Editor | None], dict[int, str]]:
    """An editor per record (None where the record cannot be rewritten, with the reason).

    `records` may leave out records that need no editor (users the screen passed); `places`
    counts every record, so that the others are matched with the right span or line."""
    if data[:2] in BOM_UTF16:
        raise FixInputError(
            f"{name}: the input is UTF-16; fix rewrites UTF-8 files only (save as UTF-8)"
        )
    body = data[len(BOM_UTF8) :] if data.startswith(BOM_UTF8) else data
    fmt = detect_format(body[: 1 << 16])
    if input_format == "csv" or (input_format is None and fmt == "csv"):
        return _csv_editors(data, records, mapping, empty_cells)
    converter = OktaConverter(mapping, empty_cells)
    if input_format == "okta" and fmt == "csv":
        fmt = "json"
    if input_format == "jsonl" or (input_format in (None, "okta") and fmt == "jsonl"):
        return _jsonl_editors(data, records, places, input_format, converter)
    return _json_editors(data, name, records, places, input_format, converter)


def _editor_for_object(
    record: Record,
    start: int,
    end: int,
    obj: Any,
    input_format: str | None,
    converter: OktaConverter,
) -> Editor | None:
    if not isinstance(obj, dict):
        return None
    if is_okta(obj, input_format):
        if not isinstance(obj.get("profile"), dict):
            return None
        return OktaEditor(record, start, end, obj, converter)
    return ScimEditor(record, start, end, obj)  # whether it gives the record is checked later


def _json_editors(
    data: bytes,
    name: str,
    records: list[Record],
    places: Places,
    input_format: str | None,
    converter: OktaConverter,
) -> tuple[list[Editor | None], dict[int, str]]:
    """Records are matched with the objects by the line each starts on (the reader's `line`)
    and their order on it, so an element the reader could not use (it reported it) does not
    shift the others."""
    spans = [s for s in json_spans(data, name) if data[s[0] : s[0] + 1] == b"{"]
    editors: list[Editor | None] = []
    why: dict[int, str] = {}
    nth, totals = places
    if len(spans) == sum(totals.values()) == len(records) == 1:
        pairs = {records[0].index: spans[0]}
    else:  # the spans that start on each record's line (spans are in order of their start)
        offsets = line_offsets(data)
        starts = [span[0] for span in spans]
        pairs = {}
        for record in records:
            if record.line >= len(offsets):
                continue
            low = bisect_left(starts, offsets[record.line - 1])
            high = bisect_left(starts, offsets[record.line], low)
            if high - low == totals.get(record.line):
                pairs[record.index] = spans[low + nth[record.index]]
    for record in records:
        editor = None
        if record.index in pairs:
            start, end, obj = pairs[record.index]
            if obj is None:
                try:
                    obj = orjson.loads(data[start:end])  # the readers' parser
                except orjson.JSONDecodeError:
                    obj = None
            editor = _editor_for_object(record, start, end, obj, input_format, converter)
        if editor is None:
            why[record.index] = "the record could not be located in the input"
        editors.append(editor)
    return editors, why


def _jsonl_editors(
    data: bytes,
    records: list[Record],
    places: Places,
    input_format: str | None,
    converter: OktaConverter,
) -> tuple[list[Editor | None], dict[int, str]]:
    offsets = line_offsets(data)
    per_line = places[1]
    editors: list[Editor | None] = []
    why: dict[int, str] = {}
    for record in records:
        editor = None
        if per_line[record.line] > 1:
            why[record.index] = "the record shares its line with other records; fix it by hand"
        else:
            start, end = offsets[record.line - 1], offsets[record.line]
            if record.line == 1 and data.startswith(BOM_UTF8):
                start += len(BOM_UTF8)
            raw = data[start:end]
            end = start + len(raw.rstrip(b"\r\n"))
            try:
                obj = json.loads(data[start:end])
            except (ValueError, RecursionError):
                obj = None
            editor = _editor_for_object(record, start, end, obj, input_format, converter)
            if editor is None:
                why[record.index] = "the record could not be located in the input"
        editors.append(editor)
    return editors, why


def _csv_editors(
    data: bytes, records: list[Record], mapping: AttributeMapping | None, empty_cells: EmptyCells
) -> tuple[list[Editor | None], dict[int, str]]:
    offsets = line_offsets(data)
    header_line = 0
    header_text = ""
    for n in range(len(offsets) - 1):
        text = data[offsets[n] : offsets[n + 1]].decode("utf-8", errors="replace")
        if text.strip():
            header_line, header_text = n + 1, text.removeprefix("\ufeff")
            break
    editors: list[Editor | None] = []
    why: dict[int, str] = {}
    if not header_line:
        return editors, why
    try:
        layout = CsvLayout(header_text, header_line, mapping, empty_cells)
    except csv.Error:  # the reader reported the header; no row of this file can be rewritten
        for record in records:
            why[record.index] = "the header row could not be read again"
            editors.append(None)
        return editors, why
    for record in records:
        editor: Editor | None = None
        try:
            fields, after = csv_rows(data, offsets, record.line, layout.delimiter)
            start, end = offsets[record.line - 1], offsets[after - 1]
            candidate = CsvEditor(record, start, end, fields, layout)
            if len(fields) == layout.width:
                editor = candidate
        except (ValueError, StopIteration, IndexError, csv.Error):
            editor = None
        if editor is None:
            why[record.index] = "the row could not be located in the input"
        editors.append(editor)
    return editors, why
