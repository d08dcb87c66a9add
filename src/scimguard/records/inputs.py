"""Opening inputs: files, directories and `-` (standard input) as lines of UTF-8 bytes.

Every reader consumes an iterator of raw lines (bytes, newline kept), so none of them ever holds
a whole file. The encoding, in this order: `--encoding` when given; a UTF-8 byte order mark
(removed silently: Excel writes it, it is no problem); a UTF-16 one; UTF-8 when the first
megabyte decodes as UTF-8; else what charset-normalizer detects in that first megabyte (a
maintained detector: guessing codepages by hand is a losing game). Input that is not UTF-8 is
decoded and re-encoded line by line, and `OpenInput.encoding` names it for the report ("read as
windows-1252"). Bytes the encoding cannot decode are passed through as they are, so the readers
report them as an input problem with file and line.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import orjson

from scimguard.errors import UnusableInput

BOM_UTF8 = b"\xef\xbb\xbf"
BOM_UTF16 = (b"\xff\xfe", b"\xfe\xff")
READ_BUFFER = 1 << 20
HEAD_SIZE = 1 << 16
SAMPLE_SIZE = READ_BUFFER  # bytes looked at to tell the encoding

# The encoding the command line chose (`--encoding`, cli/options.py): one option shared by
# check, fix and sync sets it for the whole command instead of being threaded through each.
CHOSEN_ENCODING: ContextVar[str | None] = ContextVar("CHOSEN_ENCODING", default=None)


def encoding_name(encoding: str) -> str:
    """The codec's canonical name, as admins know it (`cp1252` -> `windows-1252`); raises
    LookupError for an unknown encoding."""
    name = codecs.lookup(encoding).name
    if name.startswith("cp125"):
        return "windows-" + name[2:]
    return name


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
    encoding: str | None = None  # what a non-UTF-8 input was read as (None: UTF-8)

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


def open_input(name: str, encoding: str | None = None) -> OpenInput:
    """Open one file (or `-`) for reading by lines; raises UnusableInput if it cannot.

    `encoding` (else `CHOSEN_ENCODING`, else detected: see the module docstring).
    """
    encoding = encoding or CHOSEN_ENCODING.get()
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
    try:
        sample = _peek(handle, SAMPLE_SIZE)  # for the encoding; an I/O error can come here
    except OSError as exc:
        handle.close()
        raise UnusableInput(f"{name}: reading stopped: {exc.strerror or exc}") from exc
    if encoding is None:
        if sample[:2] in BOM_UTF16:
            encoding = "utf-16"
        elif not sample.startswith(BOM_UTF8) and not _is_utf8(sample):
            encoding = _detect(sample)
    if encoding is not None and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return _transcoded(display, handle, size, sample, encoding)
    if sample.startswith(BOM_UTF8):
        handle.read(len(BOM_UTF8))
        sample = sample[len(BOM_UTF8) :]
    return OpenInput(display, sample[:HEAD_SIZE], iter(handle), handle, size)


def _transcoded(
    display: str, handle: BinaryIO, size: int | None, sample: bytes, encoding: str
) -> OpenInput:
    """Lines decoded from `encoding` and re-encoded as UTF-8; undecodable bytes kept raw
    (surrogateescape), so that the readers report them with their line."""
    text = io.TextIOWrapper(handle, encoding=encoding, errors="surrogateescape", newline="")
    head = sample[:HEAD_SIZE].decode(encoding, errors="ignore").lstrip("\ufeff").encode("utf-8")
    return OpenInput(display, head, _utf8_lines(text), None, size, [], encoding_name(encoding))


def _utf8_lines(text: io.TextIOWrapper) -> Iterator[bytes]:
    first = True
    for line in text:
        if first:  # a byte order mark is the codec's business, not the data's
            line = line.removeprefix("\ufeff")
            first = False
        yield line.encode("utf-8", "surrogateescape")


def _is_utf8(sample: bytes) -> bool:
    """The sample is UTF-8: it decodes (a character cut at the end of the sample aside), or it
    holds UTF-8 characters beside its bad bytes (a UTF-8 file with a few broken lines, which
    are reported line by line)."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(sample) - 3:
            return True
        decoded = sample.decode("utf-8", errors="replace")
        return any(ch > "\x7f" and ch != "\ufffd" for ch in decoded)
    return True


# Above this share of "mess" (charset-normalizer's chaos), the bytes are garbage rather than
# text in some encoding: they are read as UTF-8, and each bad line is reported.
MAX_CHAOS = 0.1


def _detect(sample: bytes) -> str | None:
    """The encoding charset-normalizer finds for a sample that is not UTF-8 (None: no
    convincing one; read as UTF-8 and let each bad line be reported)."""
    # why: charset-normalizer loads only for an input that is not UTF-8 (most never are)
    from charset_normalizer import from_bytes

    matches = from_bytes(sample)
    best = matches.best()
    if best is None or best.chaos > MAX_CHAOS:
        return None
    if codecs.lookup(best.encoding).name in ("utf-8", "ascii"):
        return None
    # Latin names fit several codepages equally well (windows-1250 reads `Ø` as `Ř`); among
    # the equally good ones, windows-1252 wins: it is what Excel and most Windows tools write
    # in Western Europe and the Americas, where such exports mostly come from.
    for match in matches:
        if match.chaos <= best.chaos and "cp1252" in (match.encoding, *match.could_be_from_charset):
            return "cp1252"
    return best.encoding


def _peek(handle: BinaryIO, size: int = HEAD_SIZE) -> bytes:
    peek = getattr(handle, "peek", None)
    if peek is None:
        return b""
    try:
        return bytes(peek(size)[:size])
    except (OSError, ValueError):
        return b""


def detect_format(head: bytes) -> str:
    """`jsonl`, `json` or `csv`, from the first bytes of an input.

    `[` starts a JSON array. `{` starts JSON lines when the first line is a whole JSON object
    (or looks like a broken one, followed by a line starting with `{`), else one JSON document
    (a ListResponse or a single resource). Anything else is CSV.
    """
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
