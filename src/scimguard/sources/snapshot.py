"""The desired state as the sources give it: records, the snapshot of a read, a source's error.

A leaf (it imports nothing of scimguard): `sources` and `okta` produce these, the planner, the
omitted-address notes and the run consume them, and none of them has to import another reader.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class read_once(Generic[T]):
    """`functools.cached_property` without its lock: Python 3.11 takes an RLock at every first
    read (3.12 dropped it), a fifth of a microsecond a call, and a resync of 20,000 records
    reads four identities of each. A record is read and planned by one thread."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> read_once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | read_once[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclass
class SourceRecord:
    """One record of a source. Its identity (externalId, name, key) is read once, when first
    asked: a plan asks for it a dozen times a record, and nothing changes a record's externalId
    or name after it is read (the engine only leaves out parts of addresses, sync/omitted.py)."""

    kind: str  # user | group
    resource: dict[str, Any]  # the SCIM resource to send (members: names to resolve)
    source: dict[str, Any]  # the spec of the source it came from, plus where in it
    line: int | None = None

    @read_once
    def external_id(self) -> str | None:
        value = self.resource.get("externalId")
        return value if isinstance(value, str) and value else None

    @read_once
    def name(self) -> str:
        attr = "userName" if self.kind == "user" else "displayName"
        value = self.resource.get(attr)
        return value if isinstance(value, str) else ""

    @read_once
    def key(self) -> str:
        """The record's identity across runs: externalId, else the lower-cased name."""
        return self.external_id or self.name.lower()

    @read_once
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

    def keys(self) -> dict[str, set[str]]:
        """The record keys of each kind (`user`, `group`): who is in the source."""
        return {
            "user": {r.key for r in self.users},
            "group": {r.key for r in self.groups},
        }

    def add(self, records: Iterable[SourceRecord]) -> None:
        for record in records:
            (self.users if record.kind == "user" else self.groups).append(record)


class Problem(str):
    """A problem of a source read: its text, and what kind of problem it is.

    A `str` (every consumer prints it, compares it, stores it as text), with a `kind` that the
    exit status reads instead of the wording: `partial` (the read failed or may be incomplete:
    nothing is removed) or `not-found` (a group or app named in the spec does not exist, exit 5).
    """

    kind: str

    def __new__(cls, text: str, kind: str = "partial") -> Problem:
        problem = super().__new__(cls, text)
        problem.kind = kind
        return problem


NOT_FOUND = "not-found"


class SourceError(Exception):
    """A source could not be read (missing file, bad JSON, an API that failed)."""
