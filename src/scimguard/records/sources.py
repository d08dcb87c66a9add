"""Opening inputs: files, directories and `-` (standard input) as lines of UTF-8 bytes.

Every reader consumes an iterator of raw lines (bytes, newline kept), so none of them ever holds
a whole file. A UTF-8 byte order mark is removed (and reported); a UTF-16 one switches to
decoding and re-encoding the stream line by line.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from scimguard.records.model import UnusableInput

BOM_UTF8 = b"\xef\xbb\xbf"
BOM_UTF16 = (b"\xff\xfe", b"\xfe\xff")
READ_BUFFER = 1 << 20
HEAD_SIZE = 1 << 16
INPUT_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson", ".csv"})


def expand(paths: list[str]) -> list[str]:
    """Files to read, in order: directories give their input files (sorted, not recursive)."""
    files: list[str] = []
    for raw in paths:
        if raw == "-":
            files.append("-")
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES
            )
            if not found:
                raise UnusableInput(
                    f"{raw}: the directory holds no input file (*.json, *.jsonl, *.ndjson, *.csv)"
                )
            files.extend(found)
        elif path.is_file():
            files.append(raw)
        elif path.exists():
            raise UnusableInput(f"{raw}: not a regular file")
        else:
            raise UnusableInput(f"{raw}: no such file or directory")
    if files.count("-") > 1:
        raise UnusableInput("standard input (-) can be read only once")
    return files


@dataclass(slots=True)
class OpenInput:
    """One opened input: its name for reports, its first bytes (for detection), its lines."""

    name: str
    head: bytes
    lines: Iterator[bytes]
    handle: BinaryIO | None
    size: int | None
    notices: list[str] = field(default_factory=list)

    def position(self) -> int:
        """Bytes consumed so far (for progress); 0 when unknown."""
        if self.handle is None:
            return 0
        try:
            return self.handle.tell()
        except (OSError, ValueError):
            return 0

    def blocks(self, size: int) -> Iterator[bytes]:
        """The rest of the input as blocks of about `size` bytes of whole lines (the last one
        may lack its newline): fewer, bigger reads than `lines`, for the screen of `check`."""
        if self.handle is None:  # re-encoded (UTF-16) input: gather its lines
            buffer: list[bytes] = []
            held = 0
            for line in self.lines:
                buffer.append(line)
                held += len(line)
                if held >= size:
                    yield b"".join(buffer)
                    buffer, held = [], 0
            if buffer:
                yield b"".join(buffer)
            return
        pending: list[bytes] = []  # the start of a line that began in an earlier chunk
        while chunk := self.handle.read(size):
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:  # no newline yet: a line longer than the block
                pending.append(chunk)
                continue
            if pending:
                pending.append(chunk[:cut])
                yield b"".join(pending)
                pending = []
            else:
                yield chunk if cut == len(chunk) else chunk[:cut]
            if cut < len(chunk):
                pending.append(chunk[cut:])
        if pending:
            yield b"".join(pending)

    def close(self) -> None:
        if self.handle is not None and self.handle is not _stdin():
            self.handle.close()


def _stdin() -> BinaryIO:
    return sys.stdin.buffer


def open_input(name: str) -> OpenInput:
    """Open one file (or `-`) for reading by lines; raises UnusableInput if it cannot."""
    try:
        if name == "-":
            handle: BinaryIO = _stdin()
            size = None
        else:
            handle = open(name, "rb", buffering=READ_BUFFER)  # noqa: SIM115 - closed by OpenInput
            size = os.fstat(handle.fileno()).st_size
    except OSError as exc:
        raise UnusableInput(f"{name}: cannot be read ({exc.strerror})") from exc
    display = "-" if name == "-" else name
    head = _peek(handle)
    notices: list[str] = []
    if head.startswith(BOM_UTF8):
        handle.read(len(BOM_UTF8))
        head = head[len(BOM_UTF8) :]
        notices.append("the file starts with a UTF-8 byte order mark (BOM); it was ignored")
        return OpenInput(display, head, iter(handle), handle, size, notices)
    if head[:2] in BOM_UTF16:
        notices.append("the file is UTF-16 encoded (it starts with a UTF-16 byte order mark)")
        text = io.TextIOWrapper(handle, encoding="utf-16", errors="replace", newline="")
        lines = (line.encode("utf-8") for line in text)
        first = head.decode("utf-16", errors="ignore").encode("utf-8")
        return OpenInput(display, first.lstrip("\ufeff".encode()), lines, None, size, notices)
    return OpenInput(display, head, iter(handle), handle, size, notices)


def _peek(handle: BinaryIO) -> bytes:
    peek = getattr(handle, "peek", None)
    if peek is None:
        return b""
    try:
        return bytes(peek(HEAD_SIZE)[:HEAD_SIZE])
    except (OSError, ValueError):
        return b""


def detect_format(head: bytes) -> str:
    """`jsonl`, `json` or `csv`, from the first bytes of an input.

    `[` starts a JSON array. `{` starts JSON lines when the first line is a whole JSON object
    (or looks like a broken one, followed by a line starting with `{`), else one JSON document
    (a ListResponse or a single resource). Anything else is CSV.
    """
    import orjson

    stripped = head.lstrip()
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        first, newline, rest = stripped.partition(b"\n")
        if newline:
            try:
                return "jsonl" if isinstance(orjson.loads(first), dict) else "json"
            except orjson.JSONDecodeError:
                # a broken first line of JSON lines: the next lines start at column 0 with `{`
                # too, where a pretty-printed document indents its keys.
                lines = [line for line in rest.split(b"\n")[:20] if line.strip()]
                if first.rstrip().endswith(b"}") or (lines and lines[0].startswith(b"{")):
                    return "jsonl"
                return "json"
        return "jsonl" if len(head) < HEAD_SIZE else "json"
    return "csv"
