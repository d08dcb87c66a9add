"""CSV with a header row: SCIM paths or Okta attribute names as column names.

Lines are decoded one at a time, so an undecodable byte costs only the row it is in; the csv
module does the quoting (fields may span lines). The delimiter (`,` `;` or TAB) is taken from
the header line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from scimguard.errors import UnusableInput
from scimguard.records.headers import unmapped_message
from scimguard.records.location import Locations
from scimguard.records.mapping import AttributeMapping, EmptyCells, FieldMapper

Problem = Callable[..., None]  # (line, message, skipped=True)

csv.field_size_limit(1 << 26)


class _Decoder:
    """Decodes lines, remembering which ones held bytes that are not UTF-8."""

    def __init__(self, lines: Iterator[bytes], encoding: str | None = None) -> None:
        self.lines = lines
        self.encoding = encoding  # what the lines were decoded from (None: UTF-8)
        self.bad: dict[int, str] = {}
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.lines:
            self.number += 1
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = raw[exc.start : exc.start + 1].hex().upper()
                if self.encoding is None:
                    why = (
                        "is not valid UTF-8 (is the file in another encoding? Name it, e.g. "
                        "--encoding windows-1252)"
                    )
                else:
                    why = f"cannot be decoded as {self.encoding}"
                self.bad[self.number] = f"byte 0x{byte} at column {exc.start + 1} {why}"
                yield raw.decode("utf-8", errors="replace")


def _csv_error(exc: csv.Error, line: str | None) -> str:
    """The csv module's message, in the user's terms where it has a known cause."""
    text = str(exc)
    if "new-line character seen in unquoted field" in text:
        if line is not None and "\r" in line.rstrip("\r\n"):
            return (
                "its lines end with CR alone (old Mac style); save the file with LF or CRLF "
                "line endings"
            )
        return "a carriage return (CR) inside an unquoted value"
    if "line contains NUL" in text:
        return "it holds a NUL byte: is it a CSV file at all?"
    return text


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV header line: the most frequent of `,` `;` TAB (`,` on a tie)."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def read_csv(
    lines: Iterator[bytes],
    problem: Problem,
    mapping: AttributeMapping | None = None,
    empty_cells: EmptyCells = "absent",
    name: str = "input",
    locations: Locations | None = None,
    encoding: str | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, resource) for each row; raises UnusableInput, before any row, when the header
    fills no column of a required attribute (see `headers.missing_required`)."""
    decoder = _Decoder(lines, encoding)
    text = iter(decoder)
    first = next(text, None)
    while first is not None and not first.strip():
        first = next(text, None)
    if first is None:
        return
    header_line = decoder.number
    if header_line in decoder.bad:
        problem(header_line, f"the header row cannot be read: {decoder.bad[header_line]}")
        return
    delimiter = sniff_delimiter(first)

    def rest() -> Iterator[str]:
        yield first
        yield from text

    reader = csv.reader(rest(), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        problem(header_line, f"the header row is not valid CSV ({_csv_error(exc, first)})")
        return
    columns = header_columns(header, header_line, problem)
    mapper = FieldMapper(
        [name for _, name in columns], mapping, empty_cells=empty_cells, okta_only=False
    )
    missing = mapper.missing_required()
    if missing:  # every row would be refused: one message instead of one per row
        raise UnusableInput(
            unmapped_message(name, [n for _, n in columns], mapper.unmapped, missing)
        )
    if locations is not None:
        locations.sources[name] = mapper.sources
    for message in mapper.problems:
        problem(header_line, f"column ignored: {message}", False)
    for message in mapper.notices:
        problem(header_line, message, False)
    width = len(header)
    absent = empty_cells == "absent"
    last_end = decoder.number
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problem(last_end + 1, f"the row is not valid CSV ({_csv_error(exc, None)})")
            last_end = decoder.number
            continue
        start, last_end = last_end + 1, decoder.number
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        bad = [decoder.bad[n] for n in range(start, last_end + 1) if n in decoder.bad]
        if bad:
            problem(start, f"row not checked: {bad[0]}")
            continue
        if len(fields) != width:
            problem(
                start,
                f"row not checked: it has {len(fields)} fields but the header has {width} "
                "(a delimiter or quote inside a value?)",
            )
            continue
        row: dict[str, Any] = {}
        for index, name in columns:
            value = fields[index]
            row[name] = None if (absent and value == "") else value
        yield start, mapper.build(row)


def header_columns(header: list[str], line: int, problem: Problem) -> list[tuple[int, str]]:
    """The usable columns of a header row as (index, name); blank or repeated names are
    reported through `problem` and left out."""
    seen: set[str] = set()
    columns: list[tuple[int, str]] = []
    for index, name in enumerate(header):
        if not name:
            problem(line, f"column {index + 1} has no name in the header; it is ignored", False)
            continue
        if name in seen:
            problem(
                line, f"column {name!r} appears twice in the header; the second is ignored", False
            )
            continue
        seen.add(name)
        columns.append((index, name))
    return columns
