"""Where the desired state comes from: record files (users and/or groups) and Okta.

Each source yields `SourceRecord`s and says whether its read was complete: a source that failed
or looks partial makes the whole snapshot incomplete, and the planner then removes nothing.

A source is described by a JSON-able spec, stored with the run and with every task, so that
Retry can read the same record again after an admin fixed it:
    {"type": "file", "path": "/abs/users.jsonl"}
    {"type": "okta", "org": "https://acme.okta.com", "groups": ["Eng"], "app": null}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class SourceRecord:
    kind: str  # user | group
    resource: dict[str, Any]  # the SCIM resource to send (members: names to resolve)
    source: dict[str, Any]  # the spec of the source it came from, plus where in it
    line: int | None = None

    @property
    def external_id(self) -> str | None:
        value = self.resource.get("externalId")
        return value if isinstance(value, str) and value else None

    @property
    def name(self) -> str:
        attr = "userName" if self.kind == "user" else "displayName"
        value = self.resource.get(attr)
        return value if isinstance(value, str) else ""

    @property
    def key(self) -> str:
        """The record's identity across runs: externalId, else the lower-cased name."""
        return self.external_id or self.name.lower()

    @property
    def display(self) -> str:
        return self.name or self.key


@dataclass
class Snapshot:
    users: list[SourceRecord] = field(default_factory=list)
    groups: list[SourceRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # failed or partial reads
    # (kind, record key) -> warnings about what was left out of a record (sync/omitted.py)
    notes: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.problems

    def add(self, records: Iterable[SourceRecord]) -> None:
        for record in records:
            (self.users if record.kind == "user" else self.groups).append(record)


class SourceError(Exception):
    """A source could not be read (missing file, bad JSON, an API that failed)."""


def read_spec(spec: dict[str, Any]) -> tuple[list[SourceRecord], list[str]]:
    """All records of one source spec, and the problems met (empty when the read was whole)."""
    if spec["type"] == "file":
        return read_file(spec)
    if spec["type"] == "okta":
        from scimguard.sync.okta import read_okta

        return read_okta(spec)
    raise SourceError(f"unknown source type {spec['type']!r}")


def read_all(specs: list[dict[str, Any]]) -> Snapshot:
    """Every source; a source that fails becomes a problem (nothing removed), not a crash."""
    snapshot = Snapshot()
    for spec in specs:
        try:
            records, problems = read_spec(spec)
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
    from scimguard.records.sources import CHOSEN_ENCODING

    encoding = CHOSEN_ENCODING.get()  # --encoding, kept so that a retry reads the file alike
    if encoding:
        spec["encoding"] = encoding
    return spec


# --- files ---------------------------------------------------------------------------------------


def read_file(spec: dict[str, Any]) -> tuple[list[SourceRecord], list[str]]:
    """Users and groups of one file, through the shared readers of `scimguard.records`.

    A line the readers had to skip is a problem: the read is partial, nothing is removed.
    """
    from scimguard.records import AttributeMapping, MappingError, UnusableInput, read_records

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
