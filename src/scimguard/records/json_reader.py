"""JSON inputs: JSON lines, JSON arrays (streamed), ListResponse and single-resource documents.

A JSON array is streamed: a tokenizer finds each element of the array in chunks of whole lines
(a JSON string cannot hold a raw newline, so a chunk never splits one) and orjson parses each
element alone, so a 2 GB array needs memory for one element at a time. A document whose top
level is an object (a ListResponse, one resource) is parsed whole: its size is that of a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson

Problem = Callable[..., None]  # (line, message, skipped=True)
Found = tuple[int, Any]  # (line, parsed JSON object)

try:  # finds whole objects between the elements of the array (records/_split.c)
    from scimguard.records._split import split_objects as _split_objects
except ImportError:  # pragma: no cover - no C compiler at install time: token by token
    _split_objects = None  # type: ignore[assignment]  # the stub types the name; None: not built

CHUNK = 4 << 20
_TOKEN = re.compile(rb'"[^"\\\n]*(?:\\.[^"\\\n]*)*"|[\[\]{}]')
_BOM = "\ufeff".encode()


def json_error(exc: Exception) -> str:
    text = str(exc)
    if "utf-8" in text.lower():
        return "the line holds bytes that are not valid UTF-8 (is the file in another encoding?)"
    text = re.sub(r": line 1 column (\d+) \(char \d+\)", r" at column \1", text)
    return f"not valid JSON ({text})"


def line_error(line: bytes, exc: Exception) -> str:
    """The message for a bad JSON line, the same whether it was parsed with its newline or not
    (with it, a line cut short ends at "line 2 column 1"). Only the failing line pays for this."""
    bare = line.rstrip(b"\r\n")
    if len(bare) != len(line):
        try:
            orjson.loads(bare)
        except orjson.JSONDecodeError as bare_exc:
            exc = bare_exc
    return json_error(exc)


def read_jsonl(lines: Iterator[bytes], problem: Problem) -> Iterator[Found]:
    """One JSON object per line; blank lines are skipped; a ListResponse line is expanded."""
    loads = orjson.loads
    for number, line in enumerate(lines, 1):
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            if line.strip():
                problem(number, line_error(line, exc))
            continue
        if isinstance(obj, dict):
            yield number, obj
        elif isinstance(obj, list):
            for element in obj:
                yield number, element
        else:
            problem(number, f"the line holds {_what(obj)}, not a JSON object")


def _what(obj: Any) -> str:
    if obj is None:
        return "null"
    return {bool: "true/false", str: "a string", int: "a number", float: "a number"}.get(
        type(obj), type(obj).__name__
    )


def read_json(lines: Iterator[bytes], problem: Problem, *, raw: bool = False) -> Iterator[Found]:
    """A JSON array (streamed), or an object document: ListResponse `Resources`, or one resource.

    `raw=True`: the elements of the array come as their bytes, unparsed (for the profile's
    screen; the caller parses them); an object document still comes parsed.
    """
    scanner = _ArrayScanner(problem, raw)
    for chunk, first_line in _chunks(lines):
        yield from scanner.feed(chunk, first_line)
    yield from scanner.finish()


def _chunks(lines: Iterator[bytes]) -> Iterator[tuple[bytes, int]]:
    buffer: list[bytes] = []
    size = 0
    first = 1
    for line, raw in enumerate(lines, 1):
        buffer.append(raw)
        size += len(raw)
        if size >= CHUNK:
            yield b"".join(buffer), first
            buffer, size, first = [], 0, line + 1
    if buffer:
        yield b"".join(buffer), first


def _unescaped(token: bytes) -> bytes:
    """A key written with escapes (`"R\\u0065sources"`) as the plain key it names."""
    try:
        return orjson.dumps(orjson.loads(token))
    except orjson.JSONDecodeError:
        return token  # a broken escape: orjson reports it when the element is parsed


class _ArrayScanner:
    """Finds the objects of the resource array: the top-level array, or `Resources`."""

    def __init__(self, problem: Problem, raw: bool = False) -> None:
        self.problem = problem
        self.raw = raw
        self.stack: list[bytes] = []
        self.root: bytes | None = None
        self.target_depth: int | None = None  # len(stack) inside the resource array
        self.last_key: bytes | None = None
        self.pending: list[bytes] = []  # the element being read, across chunks
        self.element_line = 0
        self.document: list[bytes] = []  # the whole document, when the root is an object
        self.found_resources = False
        self.broken = False

    def feed(self, chunk: bytes, first_line: int) -> Iterator[Found]:
        if self.root is None:
            stripped = chunk.lstrip().removeprefix(_BOM).lstrip()
            if not stripped:
                return
            self.root = stripped[:1]
        if self.root == b"{":
            self.document.append(chunk)
        if self.broken:
            return
        line = first_line
        line_pos = 0  # offset up to which newlines are counted into `line`
        start: int | None = 0 if self.pending else None
        stack = self.stack
        # Where the last element (or the array's `[`) ended in this chunk: what lies between
        # it and the next element must be a comma (gaps across chunks are not looked at).
        gap_from: int | None = None

        def gap(until: int) -> None:
            nonlocal line, line_pos
            if gap_from is None:
                return
            raw = chunk[gap_from:until]
            between = raw.strip(b" \t\r\n,")
            if between:
                at = gap_from + len(raw) - len(raw.lstrip(b" \t\r\n,"))
                line += chunk.count(b"\n", line_pos, at)
                line_pos = at
                shown = between[:40].decode("utf-8", "replace")
                self.problem(
                    line,
                    f"an element of the array is not a JSON object ({shown!r}); it is not checked",
                )

        search = _TOKEN.search
        position = 0
        while True:
            if (
                _split_objects is not None
                and start is None
                and self.target_depth is not None
                and len(stack) == self.target_depth
            ):  # between elements: whole objects at C speed, the rest token by token
                spans, position = _split_objects(chunk, position)
                for at in range(0, len(spans), 2):
                    begin, finish = spans[at], spans[at + 1]
                    gap(begin)  # what lay between the last element and this one
                    line += chunk.count(b"\n", line_pos, begin)
                    line_pos = begin
                    self.element_line = line
                    self.pending.append(chunk[begin:finish])
                    yield from self._element()
                    gap_from = finish
            match = search(chunk, position)
            if match is None:
                break
            position = match.end()
            token = match.group()
            first = token[:1]
            if first == b'"':
                if len(stack) == 1 and stack[0] == b"{":
                    self.last_key = _unescaped(token) if b"\\" in token else token
                continue
            if first in b"[{":
                depth = len(stack)
                if depth == 0 and stack == [] and self.target_depth is None and first == b"[":
                    self.target_depth = 1
                    gap_from = match.end()
                elif (
                    first == b"["
                    and depth == 1
                    and stack[0] == b"{"
                    and self.last_key == b'"Resources"'
                ):
                    self.target_depth = 2
                    self.found_resources = True
                    gap_from = match.end()
                if first == b"{" and self.target_depth is not None and depth == self.target_depth:
                    gap(match.start())
                    gap_from = None
                    start = match.start()
                    line += chunk.count(b"\n", line_pos, start)
                    line_pos = start
                    self.element_line = line
                stack.append(token)
                continue
            # a closing bracket
            if not stack or (stack[-1] == b"[") != (token == b"]"):
                line += chunk.count(b"\n", line_pos, match.start())
                line_pos = match.start()
                self.problem(
                    line, f"the JSON structure is broken here (unexpected `{token.decode()}`)"
                )
                self.broken = True
                return
            stack.pop()
            if (
                token == b"]"
                and self.target_depth is not None
                and len(stack) + 1 == self.target_depth
            ):
                gap(match.start())
                gap_from = None
                self.target_depth = None
            if (
                token == b"}"
                and self.target_depth is not None
                and len(stack) == self.target_depth
                and start is not None
            ):
                self.pending.append(chunk[start : match.end()])
                yield from self._element()
                start = None
                gap_from = match.end()
        if start is not None:
            self.pending.append(chunk[start:])

    def _element(self) -> Iterator[Found]:
        raw = self.pending[0] if len(self.pending) == 1 else b"".join(self.pending)
        self.pending = []
        if self.raw:
            yield self.element_line, raw
            return
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            self.problem(self.element_line, json_error(exc))
            return
        yield self.element_line, obj

    def finish(self) -> Iterator[Found]:
        if self.root is None:
            return
        if self.root == b"{":
            document = b"".join(self.document)
            self.document = []
            try:
                obj = orjson.loads(document)
            except orjson.JSONDecodeError as exc:
                if not self.broken:
                    self.problem(None, json_error(exc))
                return
            if isinstance(obj, dict) and not self.found_resources and "Resources" not in obj:
                yield 1, obj
            elif isinstance(obj, dict) and not isinstance(obj.get("Resources"), list):
                self.problem(None, "`Resources` of the ListResponse is not a list")
            return
        if self.root != b"[":
            self.problem(1, "the input is neither a JSON array nor a JSON object")
            return
        if self.stack and not self.broken:
            self.problem(None, "the JSON array ends early (the file is truncated)")
