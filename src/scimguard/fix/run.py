"""One input file through the fix loop: `run_fix`, in memory.

The file is read with the same readers as `check`, and what fix cannot follow is refused with
FixInputError (standard input, a directory, a file not in UTF-8, an empty file). Each record's
bytes are found (locate.py) and fixed on their own (fixer.py); the edited records are spliced
into a copy of the input, every other byte kept. Whatever is left in the output is then found
by checking the output's records again (with the cross-record rules), and each leftover
carries the reason it was not fixed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from scimguard.errors import FixInputError
from scimguard.fix.editors import Editor
from scimguard.fix.fixer import Decide, Fixer
from scimguard.fix.keys import KeyIndex, record_keys
from scimguard.fix.locate import Places, editors_for
from scimguard.fix.results import FixResult, Leftover
from scimguard.profile import DuplicateTracker, Finding, Profile, RecordRef, Severity
from scimguard.profile.screen import make_screens
from scimguard.records import (
    AttributeMapping,
    EmptyCells,
    Record,
    ScreenedUsers,
    read_records,
)


def run_fix(
    path: str,
    profile: Profile,
    *,
    input_format: str | None = None,
    mapping: AttributeMapping | None = None,
    empty_cells: EmptyCells = "absent",
    rules: set[str] | None = None,
    decide: Decide | None = None,
    warnings: bool = False,
    identifiers: bool = False,
    fixer: Fixer | None = None,
) -> FixResult:
    """Fix one input file in memory: the output bytes, the changes, the leftovers.

    Only errors are acted on unless `warnings`; userName, externalId, email values and group
    names are never changed unless `identifiers` (see Fixer and review.py). `fixer`: a Fixer
    the caller made (the console's fixes one record with the values an admin chose); it
    replaces `rules`, `decide`, `warnings` and `identifiers`."""
    if path == "-":
        raise FixInputError("fix needs a file, not standard input")
    stream = read_records([path], input_format, mapping, empty_cells)
    if len(stream.files) != 1 or stream.files[0] != path:
        raise FixInputError(f"{path}: fix works on one file at a time, not a directory")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise FixInputError(f"{path}: cannot be read ({exc.strerror})") from exc
    if not data.strip():
        raise FixInputError(f"{path}: the file is empty; there is nothing to fix")
    screens = make_screens(profile.switches)  # two answers: fix needs every record with findings
    items = list(stream.screened(screens))  # clean users come as runs of keys, as for check
    records = [item for item in items if type(item) is Record]
    count = sum(1 if type(item) is Record else len(item) for item in items)
    for encoding in stream.encodings.values():  # the edits are made in the file's own bytes
        raise FixInputError(
            f"{path}: read as {encoding}; fix rewrites UTF-8 files only (save it as UTF-8)"
        )
    if not count:
        lost = next((p for p in stream.problems if p.skipped), None)
        raise FixInputError(
            f"{lost.source}: {lost.message}; no record could be read, nothing to fix"
            if lost is not None
            else f"{path}: the file holds no record; there is nothing to fix"
        )
    try:
        editors, why = editors_for(
            data, path, records, _places(items), input_format, mapping, empty_cells
        )
    except (ValueError, RecursionError, csv.Error) as exc:  # a parser's error, not ours
        raise FixInputError(f"{path}: cannot be rewritten ({exc})") from exc
    index = KeyIndex()
    for item in items:
        if type(item) is Record:
            index.add(item, record_keys(item.resource, item.kind))
        else:
            index.add_screened(item)
    if fixer is None:
        fixer = Fixer(
            profile,
            rules,
            decide,
            warnings=warnings,
            identifiers=identifiers,
            locations=stream.locations,
        )
    else:  # the console's fixer (its own decisions): the places are still this input's
        fixer.locations = stream.locations
    for record, editor in zip(records, editors, strict=True):
        fixer.fix_record(record, editor, index)
    output, patches = _splice(data, [e for e in editors if e is not None and e.changed])
    leftovers = list(_leftovers(items, why, fixer, fixer.rules))
    return FixResult(
        data,
        output,
        patches,
        fixer.changes,
        leftovers,
        stream.problems,
        count,
        fixer.quit,
        stream.locations,
    )


def _places(items: list[Record | ScreenedUsers]) -> Places:
    """Where each record stands among all the records that start on its line (screened
    users included), and how many start on each line: what matches records with spans."""
    totals: dict[int, int] = {}
    nth: dict[int, int] = {}
    for item in items:
        if type(item) is Record:
            nth[item.index] = totals.get(item.line, 0)
            totals[item.line] = nth[item.index] + 1
            continue
        lines = (
            item.lines
            if item.lines is not None
            else range(item.first_line, item.first_line + len(item))
        )
        for line in lines:
            totals[line] = totals.get(line, 0) + 1
    return nth, totals


def _splice(data: bytes, changed: list[Editor]) -> tuple[bytes, list[tuple[int, int, bytes]]]:
    parts: list[bytes] = []
    patches: list[tuple[int, int, bytes]] = []
    position = 0
    size = 0
    for editor in sorted(changed, key=lambda e: e.start):
        keep = data[position : editor.start]
        parts.append(keep)
        size += len(keep)
        rendered = editor.render(data)
        patches.append((size, len(rendered), data[editor.start : editor.end]))
        parts.append(rendered)
        size += len(rendered)
        position = editor.end
    parts.append(data[position:])
    return b"".join(parts), patches


def _leftovers(
    items: list[Record | ScreenedUsers], why: dict[int, str], fixer: Fixer, rules: set[str] | None
) -> Iterator[Leftover]:
    """Every finding of the output (the records as fixed, with the cross-record rules)."""
    tracker = DuplicateTracker()
    found: list[tuple[RecordRef, Finding]] = []
    why = {**why, **fixer.unlocated}
    for record in items:
        if type(record) is not Record:
            tracker.add_screened(record)
            continue
        resource, findings = fixer.final[record.index]
        key = resource.get("userName" if record.kind == "user" else "displayName")
        ref = RecordRef(
            record.index,
            record.file,
            record.line,
            record.kind,
            key if isinstance(key, str) else None,
        )
        found.extend((ref, finding) for finding in findings)
        if record.kind == "user":
            tracker.add_user(ref, resource)
        else:
            tracker.add_group(ref, resource)
    found.extend(tracker.finish())
    for ref, finding in found:
        reason = why.get(ref.record) or fixer.reasons.get(
            (ref.record, finding.rule, finding.attribute)
        )
        if reason is None:
            if not finding.has_suggestion:
                reason = f"no safe suggestion: {finding.fix}"
            elif rules is not None and finding.rule not in rules:
                reason = "not selected (--rule)"
            elif finding.severity is not Severity.ERROR and not fixer.warnings:
                reason = "a warning: fix acts on errors only (--warnings applies warnings too)"
            elif fixer.quit:
                reason = "not applied: you quit"
            else:
                reason = "not applied"
        yield Leftover(ref, finding, reason)
