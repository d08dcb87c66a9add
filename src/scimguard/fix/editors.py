"""How a change to a record's SCIM resource becomes a change to the input's own fields.

The records come from `scimguard.records` (the same readers as `check`); locate.py finds each
one's byte span and gives it an `Editor`: the span, an editable state, and `plan`, which turns
the resource fix wants into the state that gives it, field by field (`FieldEdit`), or raises
`Unwritable`. Two kinds of state:

- SCIM JSON (`ScimEditor`): the state is the JSON object itself, a field is a SCIM path;
- flat fields (`FlatEditor`): a CSV row (csv_editor.py) or an Okta profile (okta_editor.py),
  rebuilt into SCIM by the readers' own mapping.

A SCIM attribute path is mapped back to the input's own field: the CSV column (SCIM path, Okta
name or `--mapping` source) or the Okta profile attribute. The mapping is found by building the
record once more with a marker in place of each field and looking where each marker lands, so
the readers' mapping (incl. compaction of list slots) is never re-implemented here. Values made
by a template (`{firstName} {lastName}`) or constants added by the mapping cannot be written back.
Each editor renders its record in the input's own format (JSON text: json_style.py).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scimguard.fix.json_style import splice_json
from scimguard.records import Record
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
