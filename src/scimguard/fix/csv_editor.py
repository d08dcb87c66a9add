"""A CSV row as an `Editor`, written back in the file's own dialect.

The edited row keeps the file's delimiter, its quoting style and its line ending; the cells
that did not change keep their bytes (quotes included), and every other row of the file is
kept byte for byte (run.py splices only the rows that changed).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Literal

from scimguard.fix.editors import FlatEditor, Unwritable
from scimguard.records import AttributeMapping, EmptyCells, FieldMapper, Record
from scimguard.records.csv_reader import header_columns, sniff_delimiter


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
