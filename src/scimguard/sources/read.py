"""Reading specs through the registry: one spec, or all of a run's into one `Snapshot`."""

from __future__ import annotations

from collections.abc import Iterable

from scimguard.sources.base import ReadContext, SourceRead, Spec, source_for
from scimguard.sources.snapshot import Snapshot, SourceError, SourceRecord
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


def nested_lines(groups: Iterable[SourceRecord]) -> list[str]:
    """One plan line per group whose nested groups a source flattened (its spec's `nested`:
    AWS IAM Identity Center has no nested groups, so their users became direct members)."""
    lines = []
    for record in groups:
        nested = record.source.get("nested")
        if nested:
            lines.append(
                f"~ group {record.display}: members of nested group(s) {', '.join(nested)} "
                "included as direct members (AWS IAM Identity Center has no nested groups)"
            )
    return lines
