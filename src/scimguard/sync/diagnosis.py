"""A task's diagnosis as a person reads it: the functions the console and `tasks show` share.

The target may name only a rule (its `x-scimguard-rule` header, no attribute): a run can relax
the profile (e.g. `--allow-legacy-characters`) while the target does not. `located` then checks
the body that was sent with the profile's defaults to find the attribute and the value the rule
is about. The console's task page and `scimguard tasks show` (text and `--format json`) both
call it, so they never disagree on what is wrong.

`SourcePlaces` says where the task's record is in its source, in the admin's terms, as
`check`'s report does (records/location.py): `/data/users.csv:6 (lastName)` for a file (its
header read again for the columns), `Okta user 00u1 (lastName)` for a record read from Okta.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scimguard.profile import Kind, Profile
from scimguard.records import MappingError, UnusableInput
from scimguard.records.location import Locations, describe
from scimguard.sources.files import file_stream
from scimguard.sources.okta import converter
from scimguard.sync.tasks import Task


def kind_of_task(task: Task) -> Kind:
    """A task's kind as the profile names it (tasks store it as text)."""
    return "group" if task.kind == "group" else "user"


def located(task: Task) -> list[dict[str, Any]]:
    """Where a refusal the target named only by rule sits in the request that was sent.

    Empty when every finding already names its attribute, or nothing was sent."""
    body = task.request.get("body")
    if task.response is None or not isinstance(body, dict) or task.kind not in ("user", "group"):
        return []
    if all(f.get("attribute") for f in task.findings):
        return []
    codes = set(task.rules)
    return [f.to_dict() for f in Profile().check(body, kind_of_task(task)) if f.rule in codes]


@dataclass(frozen=True, slots=True)
class Place:
    """One task's record in its source: `record` for the record, `of(path)` for a value."""

    locations: Locations  # the source's columns (a CSV header) or Okta attributes, if known
    key: str  # the name `locations` knows the source by (the file's path, the Okta org)
    at: str | None  # `/data/users.csv:6`; None for a record read from Okta's API
    okta_id: str | None
    kind: str

    @property
    def record(self) -> str:
        return describe(self.at, (), self.okta_id, self.kind)

    def of(self, attribute: str | None) -> tuple[str | None, str]:
        """(the column or Okta attribute behind the SCIM path, or None; the location)."""
        columns = self.locations.columns(self.key, attribute) if attribute else ()
        column = ", ".join(columns) if columns else None
        return column, describe(self.at, columns, self.okta_id, self.kind)


class SourcePlaces:
    """Where tasks' records are in their sources; each source's columns are read once."""

    def __init__(self) -> None:
        self._known: dict[str, Locations] = {}

    def of(self, task: Task) -> Place | None:
        """The place of the task's record; None for a task with no source (a removal)."""
        spec = task.source
        if not spec:
            return None
        if spec.get("type") == "okta":
            org = str(spec.get("org") or "okta")
            okta_id = spec.get("id")
            # a group's name is its only attribute: no mapping to name
            sources = self._columns(spec, org) if task.kind == "user" else Locations()
            return Place(
                sources, org, None, okta_id if isinstance(okta_id, str) else None, task.kind
            )
        path = str(spec.get("path") or "")
        line = spec.get("line")
        at = f"{path}:{line}" if isinstance(line, int) else path
        okta_id = spec.get("okta_id")  # an object of an Okta export file
        if not isinstance(okta_id, str):
            return Place(self._columns(spec, path), path, at, None, task.kind)
        sources = self._columns(spec, path) if task.kind == "user" else Locations()
        return Place(sources, path, at, okta_id, task.kind)

    def _columns(self, spec: dict[str, Any], key: str) -> Locations:
        """The columns (a CSV file's header, an Okta mapping) behind each SCIM path of a source.

        A source that cannot be read now (moved, its mapping gone) has none: the place is then
        file and line, which the task stored."""
        okta = spec.get("type") == "okta" or "okta_id" in spec
        record = ("line", "id", "okta_id")  # what differs from one record of a source to the next
        cache = repr((okta, sorted((k, v) for k, v in spec.items() if k not in record)))
        found = self._known.get(cache)
        if found is not None:
            return found
        found = Locations()
        try:
            if okta:  # the Okta attributes behind each path, as the readers map them
                found.sources[key] = converter(spec).sources()
            else:
                found = file_stream(spec).locations
        except (UnusableInput, MappingError, OSError, ValueError, LookupError):
            pass  # file and line are still known
        self._known[cache] = found
        return found


def source_place(task: Task) -> Place | None:
    """The place of one task's record (the console's task page, `tasks show`)."""
    return SourcePlaces().of(task)
