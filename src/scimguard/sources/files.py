"""Record files as a source: users and/or groups in JSON, JSONL, CSV or an Okta export.

`{"type": "file", "path": "/abs/users.csv", "format": "csv", "mapping": "/abs/map.toml",
"empty_cells": "absent", "encoding": "windows-1252"}`: everything `check` needs to read the
file alike is in the spec, so that a retry reads the same record again after an admin fixed it.
Each record's spec carries its `line` (the row or line where it was read).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scimguard.records import (
    AttributeMapping,
    MappingError,
    RecordStream,
    UnusableInput,
    read_records,
)
from scimguard.records.inputs import CHOSEN_ENCODING
from scimguard.sources.base import ReadContext, SourceRead, Spec
from scimguard.sources.snapshot import SourceError, SourceRecord


class FileSource:
    """Reads a file spec through the shared readers of `scimguard.records`."""

    type = "file"

    def read(self, spec: Spec, context: ReadContext) -> SourceRead:
        return read_file(spec)

    def describe(self, spec: Spec) -> str:
        return str(spec.get("path"))


def file_spec(
    path: str,
    input_format: str | None = None,
    mapping: str | None = None,
    empty_cells: str = "absent",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "file", "path": str(Path(path).resolve())}
    if input_format:
        spec["format"] = input_format
    if mapping:
        spec["mapping"] = str(Path(mapping).resolve())
    if empty_cells != "absent":
        spec["empty_cells"] = empty_cells
    encoding = CHOSEN_ENCODING.get()  # --encoding, kept so that a retry reads the file alike
    if encoding:
        spec["encoding"] = encoding
    return spec


def file_stream(spec: Spec) -> RecordStream:
    """The readers' stream of a file spec, read as the sync read it (a task's page takes the
    file's columns from it: `stream.locations`). Raises as `read_records` and the mapping do."""
    mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
    return read_records(
        [spec["path"]],
        spec.get("format"),
        mapping,
        spec.get("empty_cells", "absent"),
        spec.get("encoding"),
    )


def read_file(spec: Spec) -> SourceRead:
    """Users and groups of one file, through the shared readers of `scimguard.records`.

    A line the readers had to skip is a problem: the read is partial, nothing is removed.
    Each record's spec has its `line`, and for an object of an Okta export its `okta_id` (a
    task names the record by it: sync/diagnosis.py).
    """
    try:
        stream = file_stream(spec)
        okta_ids = stream.locations.okta_ids  # filled as each Okta object is read
        out = [
            SourceRecord(r.kind, r.resource, _record_spec(spec, r.line, okta_ids), r.line)
            for r in stream
        ]
    except (UnusableInput, MappingError, OSError) as exc:
        raise SourceError(f"{spec['path']}: {exc}") from exc
    problems = [f"{p.source}: {p.message}" for p in stream.problems if p.skipped]
    if stream.skipped > len(problems):
        problems.append(f"{spec['path']}: {stream.skipped - len(problems)} more lines skipped")
    return out, problems


def _record_spec(spec: Spec, line: int, okta_ids: dict[tuple[str, int], str]) -> dict[str, Any]:
    """The file's spec for one of its records (a task's spec, read again, may hold another's)."""
    out = {key: value for key, value in spec.items() if key != "okta_id"}
    out["line"] = line
    okta_id = okta_ids.get((spec["path"], line))
    if okta_id is not None:
        out["okta_id"] = okta_id
    return out
