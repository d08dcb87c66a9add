"""What a source is: the `Source` protocol, the context of a read, and the registry of sources.

A *source* is a directory the engine reads its desired state from: record files, Okta, and
(next) Google Workspace and Microsoft Entra ID. Each kind is one object with a `type` name that
reads a JSON-able *spec* (`{"type": "okta", "org": ...}`) into `SourceRecord`s. The spec is
stored with the run and with every task, so that Retry reads the same record again after an
admin fixed it; that is why a source is chosen by its spec's `type`, here, and nowhere else.

The seam, as httpx's transports and datasette's plugin hooks are seams:
    class MySource:
        type = "hr-api"
        def read(self, spec, context): ...          # -> (records, problems)
        def describe(self, spec): ...              # "HR API https://hr.example.com"
    register(MySource())
or, from another package, an entry point in the group `scimguard.sources` naming the object
(loaded the first time an unknown type is asked for).

The rules every source keeps (tests/sources/ hold them for files and Okta):
- a read that failed or may be partial says so in `problems`: the planner then removes nothing;
- HTTP goes through `ApiClient` (sources/http.py), so 429/5xx/timeouts are retried by the
  engine's one `RetryPolicy` and the API's own error text reaches the admin;
- a source that can read only what changed (Entra's delta queries) keeps its cursor in
  `context.state`, saved only after a complete read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from scimguard.sources.snapshot import SourceError, SourceRecord
from scimguard.sync.backoff import RetryPolicy

ENTRY_POINT_GROUP = "scimguard.sources"

Spec = Mapping[str, Any]
SourceRead = tuple[list[SourceRecord], list[str]]  # (records, problems: empty when whole)


class SourceState(Protocol):
    """A source's memory between runs (a delta cursor, a cached copy), kept by the engine.

    Keys are chosen by the source and should name the spec they belong to (`state_key`).
    Values are JSON-able. Without an engine database (`check`) the state is `NoState`.
    """

    def load(self, key: str) -> Any | None: ...

    def save(self, key: str, value: Any) -> None: ...


class NoState:
    """No memory: every read is a full read (`check`, a dry run without a state database)."""

    def load(self, key: str) -> Any | None:
        return None

    def save(self, key: str, value: Any) -> None:
        return None


def _no_progress(message: str) -> None:
    return None


@dataclass
class ReadContext:
    """What a read may use besides its spec."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    state: SourceState = field(default_factory=NoState)
    progress: Callable[[str], None] = _no_progress  # one line per page or step (stderr)


@runtime_checkable
class Source(Protocol):
    """One kind of directory the engine can read (see the module docstring)."""

    type: str

    def read(self, spec: Spec, context: ReadContext) -> SourceRead: ...

    def describe(self, spec: Spec) -> str: ...


_REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Make `source` the reader of specs whose `type` is `source.type` (the last one wins)."""
    if not isinstance(source, Source) or not isinstance(getattr(source, "type", None), str):
        raise TypeError(f"{source!r} is not a Source (needs `type`, `read` and `describe`)")
    _REGISTRY[source.type] = source
    return source


def registered() -> dict[str, Source]:
    """Every registered source by type name (the built-in ones are registered on import)."""
    return dict(_REGISTRY)


def source_for(spec: Spec) -> Source:
    """The source that reads `spec`; raises `SourceError` for a type nobody registered."""
    kind = spec.get("type")
    if not isinstance(kind, str):
        raise SourceError(f"a source spec has no type: {dict(spec)!r}")
    if kind not in _REGISTRY:
        _load_entry_point(kind)
    try:
        return _REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise SourceError(f"unknown source type {kind!r} (known: {known})") from None


def _load_entry_point(kind: str) -> None:
    for point in entry_points(group=ENTRY_POINT_GROUP, name=kind):
        try:
            loaded = point.load()
        except Exception as exc:  # a broken plugin is a source problem, not a crash
            raise SourceError(f"source type {kind!r}: plugin {point.value} failed: {exc}") from exc
        register(loaded() if isinstance(loaded, type) else loaded)


def state_key(spec: Spec, *fields: str) -> str:
    """A stable key for a spec's state: its type and the fields that name the directory."""
    parts = [str(spec.get("type"))] + [str(spec.get(name, "")) for name in fields]
    return ":".join(parts)
