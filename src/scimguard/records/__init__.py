"""Readers: files of users and groups, in any supported format, as a stream of SCIM records.

The one entry point for every part of scimguard that reads a directory export (`check`, `sync`,
`fix`, the console):

    from scimguard.records import read_records

    stream = read_records(["users.csv", "groups.json"], input_format=None,
                          mapping=None, empty_cells="absent")
    for record in stream:            # Record(index, file, line, kind, resource)
        ...                          # record.ref is the profile's RecordRef
    stream.problems                  # [InputProblem(file, line, message, skipped)]

`check` iterates `stream.screened(screen)` instead: JSON lines are read in blocks and judged by
the profile's screen (profile/screen.py) before parsing; runs of plainly valid users come as
`ScreenedUsers` (their keys only), every other line as records, numbered as above.

Formats (`input_format`, else detected from the content of each file):

- `jsonl`: one SCIM resource per line (a line holding a ListResponse or an array is expanded);
- `json`: a JSON array of resources (streamed element by element), a SCIM ListResponse, or one
  resource (both parsed whole: an object document is the size of a page);
- `csv`: a header row of SCIM paths, Okta attribute names (see `mapping.OKTA_ATTRIBUTES`) or
  the headers of the Okta, Google Workspace and Entra ID console exports (`headers`); a header
  that fills no required attribute raises `UnusableInput` when the stream is made (one message,
  `headers.unmapped_message`);
- `okta`: an Okta Users API export (JSON array or JSON lines of `{"id", "status", "profile"}`);
  such objects are also recognised inside `json`/`jsonl` input.

Users and groups may be mixed: `schemas`, or `members` without `userName`, tell them apart.
`mapping` (an `AttributeMapping`, e.g. `AttributeMapping.load("mapping.toml")`) applies to CSV
and Okta input. `empty_cells="empty-string"` reads an empty CSV cell (or a null Okta attribute)
as `""`, as a connector that sends every mapped attribute would.

`stream.locations` (`location.Locations`) says where a finding is in the source's own terms:
`users.csv:6 (lastName)`, with the Okta user id for an Okta export. A CSV file's columns are in
it as soon as the stream is made (the header is read then); an Okta export's once it is read.

Opening an input (a file, a directory, `-`) and its encoding is `inputs`; the readers are
`csv_reader`, `json_reader` and `okta`. Encodings (`encoding`, else `--encoding`, else
detected: records/inputs.py): what a file
that is not UTF-8 was read as is in `stream.encodings`. Broken input never raises: a bad JSON
line, a CSV row with the wrong number of fields, bytes the encoding cannot decode become
`InputProblem`s (with file and line) and reading goes on. Only an input that cannot be opened
at all (missing file, unknown format, a CSV header that fills no required attribute) raises
`UnusableInput` (a `scimguard.errors.InputError`), before any record is produced. Readers
hold one record at a time (plus, for an object document, that document), so memory does not
grow with the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson

from scimguard.errors import MappingError, UnusableInput
from scimguard.profile import kind_of
from scimguard.records.csv_reader import read_csv
from scimguard.records.inputs import OpenInput, detect_format, expand, open_input
from scimguard.records.json_reader import json_error, line_error, read_json, read_jsonl
from scimguard.records.location import Locations
from scimguard.records.mapping import (
    OKTA_ATTRIBUTES,
    AttributeMapping,
    EmptyCells,
    FieldMapper,
)
from scimguard.records.model import InputProblem, Record, ScreenedUsers
from scimguard.records.okta import OktaConverter, is_okta_group, is_okta_object

if TYPE_CHECKING:
    from scimguard.profile.screen import BlockScreen, Screen, Screens

FORMATS = ("json", "jsonl", "csv", "okta")
MAX_PROBLEMS = 1000
SCREEN_BLOCK = 1 << 20  # bytes of whole JSON lines per call of the screen
SCREEN_ELEMENTS = 2048  # elements of a JSON array per call of the screen
EMPTY_FILE = "the file is empty: no record was read from it (an export that failed?)"

__all__ = [
    "FORMATS",
    "OKTA_ATTRIBUTES",
    "AttributeMapping",
    "EmptyCells",
    "FieldMapper",
    "InputProblem",
    "Locations",
    "MappingError",
    "Record",
    "RecordStream",
    "ScreenedUsers",
    "UnusableInput",
    "read_records",
]


class RecordStream:
    """Iterate once for the records; afterwards (or during) `problems` says what went wrong.

    `problems` keeps the first `MAX_PROBLEMS`; `problem_count` and `skipped` count them all.
    `progress()` gives (bytes read, total bytes or None) for progress bars.
    """

    def __init__(
        self,
        paths: Iterable[str],
        input_format: str | None = None,
        mapping: AttributeMapping | None = None,
        empty_cells: EmptyCells = "absent",
        encoding: str | None = None,
    ) -> None:
        if input_format is not None and input_format not in FORMATS:
            raise UnusableInput(f"unknown input format {input_format!r} (one of {FORMATS})")
        self.files = expand(list(paths))
        self.input_format = input_format
        self.mapping = mapping
        self.empty_cells = empty_cells
        self.problems: list[InputProblem] = []
        self.problem_count = 0
        self.skipped = 0
        self.records = 0
        self._okta = OktaConverter(mapping, empty_cells)
        self.locations = Locations()  # where each finding is, in the source's terms
        self.encoding = encoding  # None: --encoding (CHOSEN_ENCODING), else detected
        self.encodings: dict[str, str] = {}  # file -> what it was read as, when not UTF-8
        self._detected: dict[str, str] = {}  # file -> encoding found by _check_headers
        self._done_bytes = 0
        self._current: OpenInput | None = None
        self.total_bytes: int | None = self._total()
        self._check_headers()

    def _check_headers(self) -> None:
        """Read the header of each CSV file (not standard input) now, so that one that maps to
        too little is refused before any report starts (`headers.unmapped_message`)."""
        for name in self.files:
            if name == "-":
                continue
            try:
                source = open_input(name, self.encoding)
            except UnusableInput:  # reported, with the file's name, when the records are read
                continue
            if source.encoding is not None:  # detected once: the read below reuses it
                self._detected[name] = source.encoding
            try:
                if (self.input_format or detect_format(source.head)) == "csv":
                    rows = read_csv(  # registers the header's columns: `locations` is
                        source.lines,  # known before any record is read (a task's page)
                        lambda *a: None,
                        self.mapping,
                        self.empty_cells,
                        name,
                        self.locations,
                        source.encoding,
                    )
                    next(rows, None)
            except OSError:  # an I/O error: reported as an input problem when the file is read
                pass
            finally:
                source.close()

    def _total(self) -> int | None:
        if "-" in self.files:
            return None
        return sum(os.path.getsize(f) for f in self.files)

    def progress(self) -> tuple[int, int | None]:
        current = self._current.position() if self._current is not None else 0
        return self._done_bytes + current, self.total_bytes

    def add_problem(self, file: str, line: int | None, message: str, skipped: bool = True) -> None:
        self.problem_count += 1
        if skipped:
            self.skipped += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(InputProblem(file, line, message, skipped))

    def __iter__(self) -> Iterator[Record]:
        # ignored: without screens, _iterate yields Records only (never ScreenedUsers)
        return self._iterate(None)  # type: ignore[return-value]

    def screened(self, screens: Screens) -> Iterator[Record | ScreenedUsers]:
        """The records, but runs of users that the screen passes come as `ScreenedUsers`:
        JSON lines (judged in blocks) and the elements of JSON arrays.

        `check` uses this: a clean user needs no dict, only its keys (profile/screen.py).
        """
        return self._iterate(screens)

    def _iterate(self, screens: Screens | None) -> Iterator[Record | ScreenedUsers]:
        index = self.records
        for name in self.files:
            try:
                source = open_input(name, self.encoding or self._detected.get(name))
            except UnusableInput as exc:  # the other inputs are still read; this one is named
                self.add_problem(name, None, str(exc).removeprefix(f"{name}: "))
                continue
            self._current = source
            before = (self.records, self.skipped)
            if source.encoding is not None:
                self.encodings[source.name] = source.encoding
            try:
                for notice in source.notices:
                    self.add_problem(source.name, 1, notice, skipped=False)
                fmt = self.input_format or detect_format(source.head)
                if fmt == "jsonl":
                    lines = (
                        self._jsonl(source, index)
                        if screens is None
                        else self._jsonl_screened(source, index, screens.block)
                    )
                    yield from lines
                    index = self.records
                    continue
                if fmt == "json" and screens is not None:
                    yield from self._json_screened(source, index, screens.lines)
                    index = self.records
                    continue
                for line, resource in self._read(source, fmt):
                    index += 1
                    self.records = index
                    yield Record(index, source.name, line, kind_of(resource), resource)
            except OSError as exc:  # a read that fails half-way (I/O error): the rest goes on
                self.add_problem(source.name, None, f"reading stopped: {exc.strerror or exc}")
                index = self.records
            finally:
                if (self.records, self.skipped) == before and not source.head.strip():
                    self.add_problem(source.name, None, EMPTY_FILE)
                self._done_bytes += source.size or 0
                self._current = None
                source.close()

    def _jsonl(self, source: OpenInput, index: int) -> Iterator[Record]:
        """JSON lines, one at a time."""
        for number, line in enumerate(source.lines, 1):
            for record in self._jsonl_line(source.name, number, line, index):
                index = record.index
                yield record

    def _jsonl_screened(
        self, source: OpenInput, index: int, screen: BlockScreen
    ) -> Iterator[Record | ScreenedUsers]:
        """JSON lines in blocks: the screen's clean runs as they are, the rest line by line."""
        name = source.name
        number = 0  # lines before the block
        for block in source.blocks(SCREEN_BLOCK):
            found = screen(block)
            column = start = 0
            warned = _Warned(found.warned)
            for at, closer in enumerate([*found.look_closer, found.lines]):
                if closer > start:
                    stop = column + closer - start
                    yield ScreenedUsers(
                        name,
                        index + 1,
                        number + start + 1,
                        found.usernames[column:stop],
                        found.keys[column:stop],
                        found.emails[column:stop],
                        found.external_ids[column:stop],
                        found.ids[column:stop],
                        None,
                        warned.take(column, stop),
                    )
                    index += stop - column
                    column = stop
                    self.records = index
                if closer < found.lines:
                    line = block[found.starts[at] : found.ends[at]]
                    for record in self._jsonl_line(name, number + closer + 1, line, index):
                        index = record.index
                        record.screened_out = True
                        yield record
                start = closer + 1
            number += found.lines

    def _json_screened(
        self, source: OpenInput, index: int, screen: Screen
    ) -> Iterator[Record | ScreenedUsers]:
        """A JSON array (or ListResponse) whose elements are screened in batches as raw bytes.

        Records, problems and their order are those of the plain path: a problem the reader
        reports waits until the elements read before it have been handled.
        """
        name = source.name
        waiting: list[tuple[int | None, str, bool]] = []  # problems found while reading

        def problem(line: int | None, message: str, skipped: bool = True) -> None:
            waiting.append((line, message, skipped))

        texts: list[bytes] = []
        lines: list[int] = []

        def handle_batch() -> Iterator[Record | ScreenedUsers]:
            nonlocal index
            found = screen(texts)
            column = start = 0
            warned = _Warned(found.warned)
            for closer in [*found.look_closer, len(texts)]:
                if closer > start:
                    stop = column + closer - start
                    yield ScreenedUsers(
                        name,
                        index + 1,
                        lines[start],
                        found.usernames[column:stop],
                        found.keys[column:stop],
                        found.emails[column:stop],
                        found.external_ids[column:stop],
                        found.ids[column:stop],
                        lines[start:closer],
                        warned.take(column, stop),
                    )
                    index += stop - column
                    column = stop
                    self.records = index
                if closer < len(texts):
                    line = lines[closer]
                    try:
                        parsed = [(line, orjson.loads(texts[closer]))]
                    except orjson.JSONDecodeError as exc:
                        self.add_problem(name, line, json_error(exc))
                        parsed = []
                    for at, resource in self._resources(iter(parsed), name, False):
                        index += 1
                        self.records = index
                        yield Record(index, name, at, kind_of(resource), resource, True)
                start = closer + 1
            texts.clear()
            lines.clear()

        for line, item in read_json(source.lines, problem, raw=True):
            if waiting or type(item) is not bytes or len(texts) >= SCREEN_ELEMENTS:
                if texts:
                    yield from handle_batch()
                for waited in waiting:
                    self.add_problem(name, *waited)
                waiting.clear()
            if type(item) is bytes:
                texts.append(item)
                lines.append(line)
                continue
            for at, resource in self._resources(iter([(line, item)]), name, False):
                index += 1
                self.records = index
                yield Record(index, name, at, kind_of(resource), resource)
        if texts:
            yield from handle_batch()
        for waited in waiting:
            self.add_problem(name, *waited)

    def _jsonl_line(self, name: str, number: int, line: bytes, index: int) -> Iterator[Record]:
        """The records of one JSON line (none, one, or those of an array or ListResponse)."""
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if line.strip():
                self.add_problem(name, number, line_error(line, exc))
            return
        if type(obj) is dict and "profile" not in obj and "Resources" not in obj:
            self.records = index + 1
            yield Record(index + 1, name, number, kind_of(obj), obj)
            return
        if isinstance(obj, list):
            found: Iterator[tuple[int, Any]] = ((number, element) for element in obj)
        else:
            found = iter([(number, obj)])
        for line_number, resource in self._resources(found, name, False):
            index += 1
            self.records = index
            yield Record(index, name, line_number, kind_of(resource), resource)

    def _read(self, source: OpenInput, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
        name = source.name

        def problem(line: int | None, message: str, skipped: bool = True) -> None:
            self.add_problem(name, line, message, skipped)

        if fmt == "csv":
            yield from read_csv(
                source.lines,
                problem,
                self.mapping,
                self.empty_cells,
                name,
                self.locations,
                source.encoding,
            )
            return
        if fmt == "okta":
            fmt = detect_format(source.head)
            if fmt == "csv":
                fmt = "json"
            force_okta = True
        else:
            force_okta = False
        if fmt == "jsonl":
            found = read_jsonl(source.lines, problem)
        else:
            found = read_json(source.lines, problem)
        yield from self._resources(found, name, force_okta)

    def resources(
        self, found: Iterator[tuple[int, Any]], name: str
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Parsed JSON values of input `name` as SCIM resources, as the readers give them
        (check_parallel converts here the unusual lines its workers send back)."""
        return self._resources(found, name, False)

    @contextmanager
    def reading(self, source: OpenInput) -> Iterator[OpenInput]:
        """`source` as the input being read: `progress()` counts its position, then its
        whole size once done; closed at the end."""
        self._current = source
        try:
            yield source
        finally:
            self._done_bytes += source.size or 0
            self._current = None
            source.close()

    def _resources(
        self, found: Iterator[tuple[int, Any]], name: str, force_okta: bool
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Parsed JSON values to SCIM resources: Okta objects mapped, ListResponses expanded."""

        def problem(line: int | None, message: str, skipped: bool = True) -> None:
            self.add_problem(name, line, message, skipped)

        okta = self._okta
        for line, obj in found:
            if not isinstance(obj, dict):
                problem(line, "an element of the input is not a JSON object; it is not checked")
                continue
            if force_okta or ("profile" in obj and is_okta_object(obj)):
                if not isinstance(obj.get("profile"), dict):
                    problem(line, "an Okta object without a `profile` object; it is not checked")
                    continue
                self._locate_okta(name, line, obj)
                yield line, okta.convert(obj)
            elif isinstance(obj.get("Resources"), list) and "schemas" in obj:
                for element in obj["Resources"]:
                    if isinstance(element, dict):
                        yield line, element
                    else:
                        problem(line, "an element of `Resources` is not a JSON object")
            else:
                yield line, obj

    def _locate_okta(self, name: str, line: int, obj: dict[str, Any]) -> None:
        """An Okta object's findings name its profile attribute and its Okta id (of a user or
        of a group)."""
        locations = self.locations
        if name not in locations.sources:
            locations.sources[name] = self._okta.sources()
        okta_id = obj.get("id")
        if isinstance(okta_id, str):
            locations.okta_ids[(name, line)] = okta_id
            if is_okta_group(obj):
                locations.okta_groups.add((name, line))


class _Warned:
    """The screen's warned users of a block, handed out run by run (offsets in the run)."""

    def __init__(self, warned: list[tuple[int, tuple[tuple[str, str], ...]]]) -> None:
        self._warned = warned
        self._next = 0

    def take(self, start: int, stop: int) -> list[tuple[int, tuple[tuple[str, str], ...]]]:
        """Those of columns [start, stop), the columns of one run."""
        warned, at = self._warned, self._next
        taken = []
        while at < len(warned) and warned[at][0] < stop:
            taken.append((warned[at][0] - start, warned[at][1]))
            at += 1
        self._next = at
        return taken


def read_records(
    paths: Iterable[str],
    input_format: str | None = None,
    mapping: AttributeMapping | None = None,
    empty_cells: EmptyCells = "absent",
    encoding: str | None = None,
) -> RecordStream:
    """The records of every input, in order; see the module docstring."""
    return RecordStream(paths, input_format, mapping, empty_cells, encoding)
