"""Reading specs through the registry: one spec, or all of a run's into one `Snapshot`."""

from __future__ import annotations

from collections.abc import Iterable

from scimguard.sources.base import ReadContext, SourceRead, Spec, source_for
from scimguard.sources.snapshot import Snapshot, SourceError
from scimguard.sync.backoff import RetryPolicy


def read_spec(spec: Spec, context: ReadContext | None = None) -> SourceRead:
    """All records of one source spec, and the problems met (empty when the read was whole)."""
    return source_for(spec).read(spec, context or ReadContext())


def read_all(
    specs: Iterable[Spec],
    retry: RetryPolicy | None = None,
    context: ReadContext | None = None,
) -> Snapshot:
    """Every source; a source that fails becomes a problem (nothing removed), not a crash.

    `retry`: the run's policy (shared with the SCIM client), when no `context` is given.
    """
    if context is None:
        context = ReadContext(retry=retry) if retry is not None else ReadContext()
    snapshot = Snapshot()
    for spec in specs:
        try:
            records, problems = read_spec(spec, context)
        except SourceError as exc:
            snapshot.problems.append(str(exc))
            continue
        snapshot.add(records)
        snapshot.problems.extend(problems)
    return snapshot


def describe(spec: Spec) -> str:
    """The spec in the admin's words ("Okta https://acme.okta.com", a file's path)."""
    try:
        return source_for(spec).describe(spec)
    except SourceError:
        return str(spec.get("path") or spec.get("type"))
