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

from scimguard.profile import kind_of


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
        return read_file(spec), []
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


def file_spec(path: str) -> dict[str, Any]:
    return {"type": "file", "path": str(Path(path).resolve())}


# --- files ---------------------------------------------------------------------------------------


def read_file(spec: dict[str, Any]) -> list[SourceRecord]:
    """Users and groups of a SCIM JSON / JSONL / ListResponse file, via `scimguard.records`."""
    path = Path(spec["path"])
    out: list[SourceRecord] = []
    for resource, line in _scim_records(path):
        out.append(SourceRecord(kind_of(resource), resource, {**spec, "line": line}, line))
    return out


def _scim_records(path: Path) -> Iterable[tuple[dict[str, Any], int]]:
    """Thin adapter over SCIM JSON / JSONL until the shared readers land."""
    import json

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    stripped = text.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and _is_one_document(stripped)):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"{path}: not valid JSON ({exc})") from exc
        if isinstance(data, dict) and isinstance(data.get("Resources"), list):
            data = data["Resources"]
        items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise SourceError(f"{path}: record {index} is not a JSON object")
            yield item, index
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise SourceError(f"{path}:{number}: not valid JSON ({exc})") from exc
        if not isinstance(item, dict):
            raise SourceError(f"{path}:{number}: the record is not a JSON object")
        yield item, number


def _is_one_document(text: str) -> bool:
    import json

    try:
        json.loads(text)
    except ValueError:
        return False
    return True
