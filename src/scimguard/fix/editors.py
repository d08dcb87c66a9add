"""Where each record sits in the input's bytes, and how to edit it without touching the rest.

The records themselves come from `scimguard.records` (the same readers as `check`); this module
only finds each record's byte span in the original file and knows how to turn an edited record
back into bytes of the same format:

- CSV: the row's lines; the edited row is written with the file's delimiter, its quoting style
  and its line ending, every other row is kept byte for byte;
- JSON lines: the record's line, re-serialised with the line's own separators;
- JSON (array, ListResponse, one resource, Okta export): the element's span, re-serialised with
  the element's indentation, separators and escaping; key order and unknown attributes are kept.

A SCIM attribute path is mapped back to the input's own field: the CSV column (SCIM path, Okta
name or `--mapping` source) or the Okta profile attribute. The mapping is found by building the
record once more with a marker in place of each field and looking where each marker lands, so
the readers' mapping (incl. compaction of list slots) is never re-implemented here. Values made
by a template (`{firstName} {lastName}`) or constants added by the mapping cannot be written back.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from scimguard.records import AttributeMapping, EmptyCells, FieldMapper, Record
from scimguard.records.csv_reader import header_columns, sniff_delimiter
from scimguard.records.mapping import OKTA_ATTRIBUTES
from scimguard.records.okta import OktaConverter, is_okta_object
from scimguard.records.paths import Segment

Path = tuple[Segment, ...]
_MARK = "\ue000{}\ue001"
_MARK_RE = re.compile("\ue000(\\d+)\ue001")


class Unwritable(Exception):
    """A change that cannot be expressed in the input's own fields (the message says why)."""


def format_path(path: Path) -> str:
    """Segments back to the SCIM path text findings use (`emails[0].value`, `urn:...User.x`)."""
    parts = []
    for name, index in path:
        parts.append(name if index is None else f"{name}[{index}]")
    return ".".join(parts)


def leaves(obj: Any, prefix: Path = ()) -> dict[Path, Any]:
    """Every scalar (or empty container) of a resource, by path."""
    out: dict[Path, Any] = {}
    if isinstance(obj, dict):
        for key, value in obj.items():
            _leaf(out, (*prefix, (key, None)), value)
    return out


def _leaf(out: dict[Path, Any], path: Path, value: Any) -> None:
    if isinstance(value, dict) and value:
        for key, sub in value.items():
            _leaf(out, (*path, (key, None)), sub)
    elif isinstance(value, list) and value:
        name, _ = path[-1]
        for i, element in enumerate(value):
            _leaf(out, (*path[:-1], (name, i)), element)
    else:
        out[path] = value


def _branch(resource: dict[str, Any], attribute: Path) -> dict[str, Any]:
    """The one top-level member of `resource` that `attribute` is in (all a plan compares)."""
    name = attribute[0][0]
    return {name: resource[name]} if name in resource else {}


def under(path: Path, prefix: Path) -> bool:
    """True when `path` is `prefix` or inside it (`emails[0].value` is under `emails`)."""
    if len(path) < len(prefix):
        return False
    for i, segment in enumerate(prefix):
        if i == len(prefix) - 1:
            return path[i][0] == segment[0] and segment[1] in (None, path[i][1])
        if path[i] != segment:
            return False
    return True


@dataclass(frozen=True, slots=True)
class FieldEdit:
    """One field of the input changed: its SCIM attribute, the field's name, old and new."""

    attribute: str
    field: str
    old: Any
    new: Any


class Editor:
    """One record of the input: its span, its editable state, and how to render it."""

    def __init__(self, record: Record, start: int, end: int, state: Any) -> None:
        self.record = record
        self.start = start
        self.end = end
        self.state = state
        self.original_state = state  # edits make new states (plan copies); never mutated

    @property
    def changed(self) -> bool:
        return self.state is not self.original_state and self.state != self.original_state

    def scim(self, state: Any) -> dict[str, Any]:
        raise NotImplementedError

    def plan(
        self, state: Any, desired: dict[str, Any], attribute: Path
    ) -> tuple[Any, list[FieldEdit]]:
        """The state that gives `desired` for everything under `attribute`; or Unwritable."""
        raise NotImplementedError

    def render(self, original: bytes) -> bytes:
        raise NotImplementedError


# --- SCIM JSON ------------------------------------------------------------------------------


class ScimEditor(Editor):
    """A SCIM resource in JSON: the state is the JSON object itself."""

    def __init__(self, record: Record, start: int, end: int, obj: dict[str, Any]) -> None:
        super().__init__(record, start, end, obj)

    def scim(self, state: Any) -> dict[str, Any]:
        return state

    def plan(
        self, state: Any, desired: dict[str, Any], attribute: Path
    ) -> tuple[Any, list[FieldEdit]]:
        old = leaves(_branch(state, attribute))
        new = leaves(_branch(desired, attribute))
        edits = []
        for path in sorted(set(old) | set(new), key=format_path):
            if under(path, attribute) and old.get(path, _ABSENT) != new.get(path, _ABSENT):
                text = format_path(path)
                edits.append(FieldEdit(text, text, old.get(path), new.get(path)))
        return desired, edits  # a new object (apply_suggestion); no state is changed in place

    def render(self, original: bytes) -> bytes:
        raw = original[self.start : self.end].decode("utf-8")
        return splice_json(raw, self.original_state, self.state).encode()


_ABSENT = object()


# --- flat sources: CSV rows and Okta profiles ----------------------------------------------


@dataclass(slots=True)
class FieldMap:
    """Where each SCIM leaf of a record comes from."""

    direct: dict[Path, str]  # leaf -> field holding exactly its value
    templated: dict[Path, list[str]]  # leaf -> fields of the template that makes it
    constants: set[Path]  # leaves the mapping adds by itself (type, primary)


def field_map(build: Callable[[dict[str, Any]], dict[str, Any]], row: dict[str, Any]) -> FieldMap:
    """Build the record from markers instead of values and see where each marker lands."""
    names = list(row)
    marked = {
        name: (None if row[name] is None else _MARK.format(i)) for i, name in enumerate(names)
    }
    direct: dict[Path, str] = {}
    templated: dict[Path, list[str]] = {}
    constants: set[Path] = set()
    for path, value in leaves(build(marked)).items():
        found = _MARK_RE.findall(value) if isinstance(value, str) else []
        if not found:
            constants.add(path)
        elif value == _MARK.format(found[0]) and len(found) == 1:
            direct[path] = names[int(found[0])]
        else:
            templated[path] = [names[int(i)] for i in found]
    return FieldMap(direct, templated, constants)


class FlatEditor(Editor):
    """A record built from flat fields: edits are made on the fields, then rebuilt."""

    field_kind = "field"

    def row(self, state: Any) -> dict[str, Any]:
        raise NotImplementedError

    def build(self, row: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def all_fields(self, state: Any) -> dict[str, Any]:
        """Every field, present or not, for finding where an absent attribute would go."""
        raise NotImplementedError

    def set_field(self, state: Any, field: str, value: Any) -> None:
        raise NotImplementedError

    def field_value(self, state: Any, field: str) -> Any:
        """The field as the input holds it (a CSV cell's text, an Okta attribute's value)."""
        raise NotImplementedError

    def plan(
        self, state: Any, desired: dict[str, Any], attribute: Path
    ) -> tuple[Any, list[FieldEdit]]:
        row = self.row(state)
        current = self.scim(state)
        old = leaves(_branch(current, attribute))
        new = leaves(_branch(desired, attribute))
        present = field_map(self.build, row)
        every = field_map(self.build, self.all_fields(state))
        state = copy.deepcopy(state)
        edits: list[FieldEdit] = []
        for path in sorted(set(old) | set(new), key=format_path):
            if not under(path, attribute):
                continue
            before, after = old.get(path, _ABSENT), new.get(path, _ABSENT)
            if before == after:
                continue
            text = format_path(path)
            if path in present.constants or (
                path not in present.direct and path in every.constants
            ):
                continue  # a constant follows its value (e.g. emails[0].type)
            if path in present.templated:
                fields = ", ".join(present.templated[path])
                raise Unwritable(
                    f"{text} is made by a template from {self.field_kind}s {fields}; "
                    "it cannot be written back"
                )
            field = present.direct.get(path) or every.direct.get(path)
            if field is None:
                if path in every.templated:
                    fields = ", ".join(every.templated[path])
                    raise Unwritable(
                        f"{text} would be made by a template from {self.field_kind}s {fields}; "
                        "it cannot be written back"
                    )
                raise Unwritable(f"the input has no {self.field_kind} for {text}")
            value = None if after is _ABSENT else after
            old_value = self.field_value(state, field)
            self.set_field(state, field, value)
            new_value = self.field_value(state, field)
            if new_value != old_value:
                edits.append(FieldEdit(text, field, old_value, new_value))
        return state, edits


class CsvLayout:
    """The header of a CSV input: delimiter, columns, the mapper the readers use."""

    def __init__(
        self,
        header_text: str,
        header_line: int,
        mapping: AttributeMapping | None,
        empty_cells: EmptyCells,
    ) -> None:
        self.delimiter = sniff_delimiter(header_text)
        header = [h.strip() for h in next(csv.reader([header_text], delimiter=self.delimiter))]
        self.width = len(header)
        self.columns = header_columns(header, header_line, lambda *a, **k: None)
        self.mapper = FieldMapper(
            [name for _, name in self.columns], mapping, empty_cells=empty_cells, okta_only=False
        )
        self.absent = empty_cells == "absent"


class CsvEditor(FlatEditor):
    """One CSV row: the state is the list of its cells."""

    field_kind = "column"

    def __init__(
        self, record: Record, start: int, end: int, fields: list[str], layout: CsvLayout
    ) -> None:
        super().__init__(record, start, end, fields)
        self.layout = layout

    def row(self, state: Any) -> dict[str, Any]:
        absent = self.layout.absent
        return {
            name: (None if absent and state[i] == "" else state[i])
            for i, name in self.layout.columns
        }

    def all_fields(self, state: Any) -> dict[str, Any]:
        return {name: "x" for _, name in self.layout.columns}

    def build(self, row: dict[str, Any]) -> dict[str, Any]:
        return self.layout.mapper.build(row)

    def scim(self, state: Any) -> dict[str, Any]:
        return self.build(self.row(state))

    def set_field(self, state: Any, field: str, value: Any) -> None:
        if isinstance(value, (list, dict)):
            raise Unwritable(f"column {field} cannot hold {json.dumps(value)}")
        if value is None:
            text = ""
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        state[self._index(field)] = text

    def _index(self, field: str) -> int:
        return next(i for i, name in self.layout.columns if name == field)

    def field_value(self, state: Any, field: str) -> Any:
        return state[self._index(field)]

    def render(self, original: bytes) -> bytes:
        raw = original[self.start : self.end]
        body = raw.rstrip(b"\r\n")
        ending = raw[len(body) :]
        line = body.decode()
        delimiter = self.layout.delimiter
        cells = _raw_cells(line, delimiter)
        if cells is None or [_unquote(c) for c in cells] != self.original_state:
            # not split-able here: the whole row in the file's quoting style
            quoting: _Quoting = csv.QUOTE_MINIMAL
            if _csv_line(self.original_state, delimiter, csv.QUOTE_ALL) == line:
                quoting = csv.QUOTE_ALL
            return _csv_line(self.state, delimiter, quoting).encode() + ending
        out = []
        for cell, before, after in zip(cells, self.original_state, self.state, strict=True):
            if before == after:
                out.append(cell)  # untouched cells keep their bytes, quotes included
            else:
                quoting = csv.QUOTE_ALL if cell.startswith('"') else csv.QUOTE_MINIMAL
                out.append(_csv_line([after], delimiter, quoting))
        return delimiter.join(out).encode() + ending


def _raw_cells(line: str, delimiter: str) -> list[str] | None:
    """The cells of one CSV row as written (quotes kept); None for what the excel dialect
    tolerates but this split does not (text after a closing quote)."""
    cells: list[str] = []
    pos, size = 0, len(line)
    while True:
        if line.startswith('"', pos):
            end = pos + 1
            while True:
                end = line.find('"', end)
                if end == -1:
                    return None
                if line.startswith('""', end):
                    end += 2
                    continue
                break
            end += 1
            if end < size and line[end] != delimiter:
                return None
        else:
            end = line.find(delimiter, pos)
            if end == -1:
                end = size
        cells.append(line[pos:end])
        if end >= size:
            return cells
        pos = end + 1
        if pos == size:
            cells.append("")
            return cells


def _unquote(cell: str) -> str:
    if len(cell) >= 2 and cell.startswith('"') and cell.endswith('"'):
        return cell[1:-1].replace('""', '"')
    return cell


# The two quoting styles fix writes (csv.QUOTE_MINIMAL, csv.QUOTE_ALL), as typeshed types them
_Quoting = Literal[0, 1]


def _csv_line(fields: list[str], delimiter: str, quoting: _Quoting) -> str:
    buffer = io.StringIO()
    # "\r\n" as terminator makes the writer quote values holding CR or LF; it is cut off after
    csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerow(fields)
    return buffer.getvalue()[:-2]


class OktaEditor(FlatEditor):
    """An Okta export object: the state is the object; fields are its profile attributes."""

    field_kind = "Okta profile attribute"

    def __init__(
        self, record: Record, start: int, end: int, obj: dict[str, Any], converter: OktaConverter
    ) -> None:
        super().__init__(record, start, end, obj)
        self.converter = converter

    def row(self, state: Any) -> dict[str, Any]:
        return dict(state["profile"])

    def all_fields(self, state: Any) -> dict[str, Any]:
        if is_okta_group(state):
            return {"name": "x", **{k: "x" for k in state["profile"]}}
        names = dict.fromkeys(OKTA_ATTRIBUTES, "x")
        mapping = self.converter.mapper
        for name in mapping.source_fields():
            names[name] = "x"
        names.update({k: "x" for k in state["profile"]})
        return names

    def build(self, row: dict[str, Any]) -> dict[str, Any]:
        # the reader's own conversion, without `id` and `status` (they are not profile fields)
        return self.converter.convert({"type": self.state.get("type"), "profile": row})

    def scim(self, state: Any) -> dict[str, Any]:
        return self.converter.convert(state)

    def set_field(self, state: Any, field: str, value: Any) -> None:
        state["profile"][field] = value

    def field_value(self, state: Any, field: str) -> Any:
        return state["profile"].get(field)

    def render(self, original: bytes) -> bytes:
        raw = original[self.start : self.end].decode("utf-8")
        return splice_json(raw, self.original_state, self.state).encode()


# --- JSON serialisation in the style of the original -----------------------------------------


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


# It matches the empty string too: `_WS.match()` is never None, which mypy cannot know
# (the `# type: ignore[union-attr]` on each `_WS.match(...).end()`).
_WS = re.compile(r"\s*")
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
    pos = _WS.match(raw, 1).end()  # type: ignore[union-attr]
    while not raw.startswith("}", pos):
        key, end = _DECODER.raw_decode(raw, pos)
        colon = _WS.match(raw, end).end()  # type: ignore[union-attr]
        if not raw.startswith(":", colon):
            raise ValueError("expected :")
        start = _WS.match(raw, colon + 1).end()  # type: ignore[union-attr]
        _value, value_end = _DECODER.raw_decode(raw, start)
        out.append((key, pos, start, value_end))
        pos = _WS.match(raw, value_end).end()  # type: ignore[union-attr]
        if raw.startswith(",", pos):
            pos = _WS.match(raw, pos + 1).end()  # type: ignore[union-attr]
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
    pos = _WS.match(raw, 1).end()  # type: ignore[union-attr]
    spans = []
    for _ in old:
        _value, end = _DECODER.raw_decode(raw, pos)
        spans.append((pos, end))
        pos = _WS.match(raw, end).end()  # type: ignore[union-attr]
        if raw.startswith(",", pos):
            pos = _WS.match(raw, pos + 1).end()  # type: ignore[union-attr]
    parts = []
    position = 0
    for (start, end), before, after in zip(spans, old, new, strict=True):
        parts.append(raw[position:start])
        parts.append(splice_json(raw[start:end], before, after))
        position = end
    parts.append(raw[position:])
    return "".join(parts)


def is_okta_group(obj: dict[str, Any]) -> bool:
    return obj.get("type") in ("OKTA_GROUP", "APP_GROUP", "BUILT_IN")


def is_okta(obj: Any, input_format: str | None) -> bool:
    return isinstance(obj, dict) and (input_format == "okta" or is_okta_object(obj))
