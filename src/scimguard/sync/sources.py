"""Where the desired state comes from: record files (users and/or groups) and Okta.

Each source yields `SourceRecord`s and says whether its read was complete: a source that failed
or looks partial makes the whole snapshot incomplete, and the planner then removes nothing.

A source is described by a JSON-able spec, stored with the run and with every task, so that
Retry can read the same record again after an admin fixed it:
    {"type": "file", "path": "/abs/users.jsonl"}
    {"type": "okta", "org": "https://acme.okta.com", "groups": ["Eng"], "app": null}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scimguard.records import AttributeMapping, MappingError, UnusableInput, read_records
from scimguard.sync.backoff import RetryPolicy
from scimguard.sync.desired import Snapshot, SourceError, SourceRecord
from scimguard.sync.okta import read_okta

# The desired-state types live in `desired` (a leaf, so `okta` can import them at the top);
# they are re-exported here, where the planner and the tests have always found them.
__all__ = ["Snapshot", "SourceError", "SourceRecord", "file_spec", "read_all", "read_spec"]


def read_spec(
    spec: dict[str, Any], retry: RetryPolicy | None = None
) -> tuple[list[SourceRecord], list[str]]:
    """All records of one source spec, and the problems met (empty when the read was whole).

    `retry`: the run's retry policy, for a source read over HTTP (Okta).
    """
    if spec["type"] == "file":
        return read_file(spec)
    if spec["type"] == "okta":
        return read_okta(spec, retry)
    raise SourceError(f"unknown source type {spec['type']!r}")


def read_all(specs: list[dict[str, Any]], retry: RetryPolicy | None = None) -> Snapshot:
    """Every source; a source that fails becomes a problem (nothing removed), not a crash."""
    snapshot = Snapshot()
    for spec in specs:
        try:
            records, problems = read_spec(spec, retry)
        except SourceError as exc:
            snapshot.problems.append(str(exc))
            continue
        snapshot.add(records)
        snapshot.problems.extend(problems)
    return snapshot


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
    from scimguard.records.inputs import CHOSEN_ENCODING

    encoding = CHOSEN_ENCODING.get()  # --encoding, kept so that a retry reads the file alike
    if encoding:
        spec["encoding"] = encoding
    return spec


# --- files ---------------------------------------------------------------------------------------


def read_file(spec: dict[str, Any]) -> tuple[list[SourceRecord], list[str]]:
    """Users and groups of one file, through the shared readers of `scimguard.records`.

    A line the readers had to skip is a problem: the read is partial, nothing is removed.
    """
    try:
        mapping = AttributeMapping.load(spec["mapping"]) if spec.get("mapping") else None
        stream = read_records(
            [spec["path"]],
            spec.get("format"),
            mapping,
            spec.get("empty_cells", "absent"),
            spec.get("encoding"),
        )
        out = [SourceRecord(r.kind, r.resource, {**spec, "line": r.line}, r.line) for r in stream]
    except (UnusableInput, MappingError, OSError) as exc:
        raise SourceError(f"{spec['path']}: {exc}") from exc
    problems = [f"{p.source}: {p.message}" for p in stream.problems if p.skipped]
    if stream.skipped > len(problems):
        problems.append(f"{spec['path']}: {stream.skipped - len(problems)} more lines skipped")
    return out, problems
