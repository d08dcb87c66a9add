"""The change log (CSV, for people) and the undo file (JSON, for `fix --undo`).

The undo file holds, for every rewritten span of the output, its offset and length in the output
and the input bytes it replaced; plus SHA-256 hashes of the output as fix wrote it and of the
input. Undo refuses an output whose hash differs (it was edited since), splices the old bytes
back, and checks that the result hashes to the input before replacing the file, so an undone
file is the input byte for byte or nothing happens.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scimguard.errors import UndoError
from scimguard.fix.results import Change, FixResult, Leftover, shown
from scimguard.records.location import NO_LOCATIONS, Locations
from scimguard.spreadsheet import spreadsheet_safe

UNDO_FORMAT = "scimguard-fix-undo"
UNDO_VERSION = 1
LOG_COLUMNS = (
    "record",
    "source",
    "location",
    "key",
    "attribute",
    "field",
    "rule",
    "old_value",
    "new_value",
    "status",
    "reason",
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cell(value: Any) -> str:
    """A value for the change log: strings as they are, anything else as JSON (`null`, `true`)."""
    value = shown(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def change_log(
    changes: list[Change], leftovers: Iterable[Leftover] = (), locations: Locations = NO_LOCATIONS
) -> str:
    """The change log as CSV text: one row per edited field (status `applied`), then one per
    suggestion not applied (status `skipped`, with the reason; `field` is empty).

    `location` is where the admin finds the field (`users.csv:6 (lastName)`), as in check's
    report; `locations` (the input's, `FixResult.locations`) places the skipped ones."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LOG_COLUMNS)
    for change in changes:
        for edit, place in zip(change.edits, change.places, strict=True):
            writer.writerow(
                (
                    change.record,
                    change.source,
                    spreadsheet_safe(place),
                    spreadsheet_safe(change.key or ""),
                    edit.attribute,
                    spreadsheet_safe(edit.field),
                    " ".join(change.rules),
                    # the log is opened in a spreadsheet: no cell may run (scimguard.spreadsheet)
                    spreadsheet_safe(cell(edit.old)),
                    spreadsheet_safe(cell(edit.new)),
                    "applied",
                    "",
                )
            )
    for item in leftovers:
        finding = item.finding
        if not finding.has_suggestion:
            continue
        _column, place = locations.locate(item.ref.file, item.ref.line, finding.attribute)
        writer.writerow(
            (
                item.ref.record,
                item.ref.source,
                spreadsheet_safe(place),
                spreadsheet_safe(item.ref.key or ""),
                finding.attribute,
                "",
                finding.rule,
                spreadsheet_safe(cell(finding.value)),
                spreadsheet_safe(cell(finding.suggested_value)),
                "skipped",
                spreadsheet_safe(item.reason),
            )
        )
    return buffer.getvalue()


def undo_document(result: FixResult, input_path: str, output_path: str) -> dict[str, Any]:
    return {
        "format": UNDO_FORMAT,
        "version": UNDO_VERSION,
        "input": os.path.abspath(input_path),
        "output": os.path.abspath(output_path),
        "input_sha256": sha256(result.input_bytes),
        "input_size": len(result.input_bytes),
        "output_sha256": sha256(result.output_bytes),
        "output_size": len(result.output_bytes),
        "patches": [
            {"offset": offset, "length": length, "original": base64.b64encode(old).decode()}
            for offset, length, old in result.patches
        ],
        "changes": [c.to_dict() for c in result.changes],
    }


def write_atomic(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Write a file so that it is either the old or the new content, never half of each.

    The file keeps its permission bits when it exists; a new one gets `mode` (fix passes the
    input's: the output and the undo file hold the input's data), else what `open` would give
    (0666 less the umask). mkstemp's 0600 is never left behind.
    """
    target = Path(path)
    if target.exists():
        mode = target.stat().st_mode & 0o7777
    elif mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_undo(path: str) -> dict[str, Any]:
    """The undo file, its shape checked: every key restore() needs, with its type, and the
    patches decoded (`original` becomes bytes); UndoError names what is wrong."""
    try:
        with open(path, "rb") as handle:
            document = json.loads(handle.read())
    except OSError as exc:
        raise UndoError(f"{path}: cannot read the undo file ({exc.strerror})") from exc
    except (ValueError, RecursionError) as exc:
        raise UndoError(f"{path}: not an undo file written by scimguard fix ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != UNDO_FORMAT:
        raise UndoError(f"{path}: not an undo file written by scimguard fix")
    if document.get("version") != UNDO_VERSION:
        raise UndoError(f"{path}: undo file version {document.get('version')!r} is not supported")
    damaged = f"{path}: the undo file is damaged"
    for key in ("input_sha256", "output_sha256"):
        if not isinstance(document.get(key), str):
            raise UndoError(f"{damaged} ({key} is missing or not a string)")
    patches = document.get("patches")
    if not isinstance(patches, list):
        raise UndoError(f"{damaged} (patches is missing or not a list)")
    if not isinstance(document.get("changes", []), list):
        raise UndoError(f"{damaged} (changes is not a list)")
    decoded = []
    for number, patch in enumerate(patches, 1):
        if not isinstance(patch, dict):
            raise UndoError(f"{damaged} (patch {number} is not an object)")
        offset, length, original = patch.get("offset"), patch.get("length"), patch.get("original")
        if not all(type(v) is int and v >= 0 for v in (offset, length)):
            raise UndoError(f"{damaged} (patch {number}: offset and length must be numbers >= 0)")
        if not isinstance(original, str):
            raise UndoError(f"{damaged} (patch {number}: original is missing or not a string)")
        try:
            old = base64.b64decode(original, validate=True)
        except (binascii.Error, ValueError):
            raise UndoError(f"{damaged} (patch {number}: original is not base64)") from None
        decoded.append({"offset": offset, "length": length, "original": old})
    return {**document, "patches": decoded}


def restore(document: dict[str, Any], current: bytes, undo_path: str, target: str) -> bytes:
    """The input's bytes, rebuilt from the fixed output (`document` as load_undo returns it);
    UndoError if that is not safe."""
    if sha256(current) != document["output_sha256"]:
        raise UndoError(
            f"{target} has changed since fix wrote it (its SHA-256 differs from the one in "
            f"{undo_path}); undoing now would lose those edits, so nothing was changed"
        )
    parts: list[bytes] = []
    position = 0
    for patch in document["patches"]:
        offset, length = patch["offset"], patch["length"]
        if offset < position or offset + length > len(current):
            raise UndoError(f"{undo_path}: the undo file is damaged (patches out of order)")
        parts.append(current[position:offset])
        original = patch["original"]
        parts.append(original if isinstance(original, bytes) else base64.b64decode(original))
        position = offset + length
    parts.append(current[position:])
    restored = b"".join(parts)
    if sha256(restored) != document["input_sha256"]:
        raise UndoError(f"{undo_path}: the undo file does not restore the input; nothing changed")
    return restored


def undo(undo_path: str, target: str) -> int:
    """Restore `target` (a fix output) to the input it was made from; the number of changes."""
    document = load_undo(undo_path)
    try:
        with open(target, "rb") as handle:
            current = handle.read()
    except OSError as exc:
        raise UndoError(f"{target}: cannot be read ({exc.strerror})") from exc
    restored = restore(document, current, undo_path, target)
    write_atomic(target, restored)
    return len(document.get("changes", []))
