"""The fix loop: findings -> suggested changes -> re-checked, duplicate-free, applied changes.

Each record is fixed on its own copy, one suggestion at a time. A change is kept only when the
record, rebuilt from the edited input fields exactly as the readers build it, no longer breaks
the rule it fixes, breaks no rule it did not break before, and holds no key (userName, primary
email, externalId, group displayName) that another record of the input holds. After each kept
change the record is checked again, so a suggestion that only becomes safe after another fix
(the one email to keep, once its hidden character is gone) is still found.

Whatever is left in the output is then found by checking the output's records again (with the
cross-record rules), and each leftover carries the reason it was not fixed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from scimguard.fix.sources import (
    CsvEditor,
    CsvLayout,
    Editor,
    FieldEdit,
    FixInputError,
    FlatEditor,
    OktaEditor,
    ScimEditor,
    Unwritable,
    csv_rows,
    is_okta,
    json_spans,
    line_offsets,
)
from scimguard.profile import DuplicateTracker, Finding, Profile, RecordRef, primary_email
from scimguard.profile.omission import offer_drop
from scimguard.records import (
    AttributeMapping,
    EmptyCells,
    InputProblem,
    Record,
    UnusableInput,
    read_records,
)
from scimguard.records.okta import OktaConverter
from scimguard.records.paths import PathError, parse_path
from scimguard.records.sources import BOM_UTF8, BOM_UTF16, detect_format

# Rules whose "leave it out" suggestion is about the mapping, not about one record's value.
_MAPPING_RULES = frozenset({"unsupported-attribute", "unknown-attribute", "empty-list"})
MAX_STEPS = 64  # changes tried per record, a bound against suggestions that undo each other


@dataclass(slots=True)
class Proposal:
    """A change ready to apply: it passed every rule again and creates no duplicate."""

    record: Record
    rules: tuple[str, ...]
    attribute: str
    old: Any
    new: Any
    edits: list[FieldEdit]
    state: Any = field(repr=False)
    resource: dict[str, Any] = field(repr=False)
    findings: tuple[Finding, ...] = ()  # what the change fixes

    @property
    def key(self) -> str | None:
        return self.record.key

    @property
    def editable(self) -> bool:
        """A person may type another value (strings and dropped values only)."""
        return self.new is None or isinstance(self.new, str)


Action = Literal["accept", "skip", "quit", "all"]
Validate = Callable[[Any], "Proposal | str"]
Decide = Callable[[Proposal, Validate], tuple[Action, "Proposal | None"]]


@dataclass(slots=True)
class Change:
    """An applied change, as written to the change log (one row per field edit)."""

    record: int
    source: str
    key: str | None
    rules: tuple[str, ...]
    attribute: str
    old: Any
    new: Any
    edits: list[FieldEdit]

    def to_dict(self, field_value: Callable[[Any], Any] = lambda value: value) -> dict[str, Any]:
        """The change as JSON data (undo file, `--format json`); `field_value` renders the
        old and new value of each edited field."""
        return {
            "record": self.record,
            "source": self.source,
            "key": self.key,
            "rules": list(self.rules),
            "attribute": self.attribute,
            "old": self.old,
            "new": self.new,
            "fields": [
                {
                    "attribute": e.attribute,
                    "field": e.field,
                    "old": field_value(e.old),
                    "new": field_value(e.new),
                }
                for e in self.edits
            ],
        }


@dataclass(slots=True)
class Leftover:
    """A finding still in the output, and why fix did not repair it."""

    ref: RecordRef
    finding: Finding
    reason: str


@dataclass(slots=True)
class FixResult:
    input_bytes: bytes
    output_bytes: bytes
    patches: list[tuple[int, int, bytes]]  # (offset in output, length in output, input bytes)
    changes: list[Change]
    leftovers: list[Leftover]
    problems: list[InputProblem]
    records: int
    quit: bool = False

    def leftovers_by_rule(self) -> dict[str, list[Leftover]]:
        groups: dict[str, list[Leftover]] = {}
        for item in self.leftovers:
            groups.setdefault(item.finding.rule, []).append(item)
        return dict(sorted(groups.items(), key=lambda kv: (-kv[1][0].finding.severity.rank, kv[0])))


def apply_suggestion(resource: dict[str, Any], attribute: str, value: Any) -> dict[str, Any]:
    """A copy of `resource` with `attribute` set to `value` (None: the attribute left out)."""
    from scimguard.records.paths import set_path

    out = copy.deepcopy(resource)
    segments = parse_path(attribute)
    if value is not None:
        set_path(out, segments, copy.deepcopy(value))
        return out
    node: Any = out
    for name, index in segments[:-1]:
        node = node.get(name) if isinstance(node, dict) else None
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
        if node is None:
            return out
    name, index = segments[-1]
    if not isinstance(node, dict) or name not in node:
        return out
    if index is None:
        del node[name]
    elif isinstance(node[name], list) and index < len(node[name]):
        del node[name][index]
        if not node[name]:
            del node[name]
    return out


def record_keys(resource: dict[str, Any], kind: str) -> set[tuple[str, str]]:
    """The values no two records may share (as the duplicate rules compare them)."""
    keys: set[tuple[str, str]] = set()
    external = resource.get("externalId")
    if kind == "user":
        name = resource.get("userName")
        if isinstance(name, str) and name:
            keys.add(("userName", name.lower()))
        email = primary_email(resource)
        if email:
            keys.add(("email", email.lower()))
        if isinstance(external, str) and external:
            keys.add(("user externalId", external))
    else:
        name = resource.get("displayName")
        if isinstance(name, str) and name:
            keys.add(("group displayName", name.lower()))
        if isinstance(external, str) and external:
            keys.add(("group externalId", external))
    return keys


class KeyIndex:
    """Which records hold each key, kept current as fixes change keys."""

    def __init__(self) -> None:
        self.holders: dict[tuple[str, str], set[int]] = {}
        self.records: dict[int, Record] = {}

    def add(self, record: Record, keys: set[tuple[str, str]]) -> None:
        self.records[record.index] = record
        for key in keys:
            self.holders.setdefault(key, set()).add(record.index)

    def move(self, index: int, old: set[tuple[str, str]], new: set[tuple[str, str]]) -> None:
        for key in old - new:
            self.holders.get(key, set()).discard(index)
        for key in new - old:
            self.holders.setdefault(key, set()).add(index)

    def clash(self, index: int, old: set[tuple[str, str]], new: set[tuple[str, str]]) -> str | None:
        for key in sorted(new - old):
            others = sorted(self.holders.get(key, set()) - {index})
            if others:
                other = self.records[others[0]]
                return (
                    f"the change would give it the same {key[0]} as record {other.index} "
                    f"({other.source}): a duplicate"
                )
        return None


class Fixer:
    """Fixes the records of one input file; see the module docstring."""

    def __init__(
        self,
        profile: Profile,
        rules: set[str] | None = None,
        decide: Decide | None = None,
    ) -> None:
        self.profile = profile
        self.rules = rules
        self.decide = decide
        self.accept_all = False
        self.quit = False
        self.reasons: dict[tuple[int, str, str], str] = {}
        self.changes: list[Change] = []
        self.final: dict[int, tuple[dict[str, Any], list[Finding]]] = {}
        self.unlocated: dict[int, str] = {}

    def _check(self, resource: dict[str, Any], kind: str) -> list[Finding]:
        """The profile's findings; under `incomplete_address = omit` a partial address
        suggests its own removal ("drop the incomplete address")."""
        return offer_drop(self.profile, self.profile.check(resource, kind))  # type: ignore[arg-type]

    # --- one record ------------------------------------------------------------------------

    def _candidates(self, findings: list[Finding], attempted: set[Any]) -> list[Finding]:
        return [
            f
            for f in findings
            if f.has_suggestion
            and (self.rules is None or f.rule in self.rules)
            and _attempt_key(f) not in attempted
        ]

    def fix_record(self, record: Record, editor: Editor | None, index: KeyIndex) -> None:
        """Apply what is safe to one record; `final` keeps its resource and findings after."""
        resource = record.resource
        findings = self._check(resource, record.kind)
        self.final[record.index] = (resource, findings)
        if editor is None or self.quit or not self._candidates(findings, set()):
            return
        if editor.scim(editor.state) != resource:
            self.unlocated[record.index] = "the record could not be located in the input"
            return
        state = editor.state
        checked = resource  # the resource `findings` belongs to
        attempted: set[tuple[str, str, str]] = set()
        for _step in range(MAX_STEPS):
            if self.quit:
                break
            if checked is not resource:
                findings = self._check(resource, record.kind)
                checked = resource
            candidates = self._candidates(findings, attempted)
            if not candidates:
                break
            first = candidates[0]
            group = [
                f
                for f in candidates
                if f.attribute == first.attribute and f.suggested_value == first.suggested_value
            ]
            attempted.update(_attempt_key(f) for f in group)
            rules = tuple(dict.fromkeys(f.rule for f in group))

            def validate(
                value: Any,
                group: list[Finding] = group,
                state: Any = state,
                resource: dict[str, Any] = resource,
                findings: list[Finding] = findings,
            ) -> Proposal | str:
                return self._try(editor, index, state, resource, findings, group, value)

            outcome = validate(first.suggested_value)
            if isinstance(outcome, str):
                for f in group:
                    self.reasons[(record.index, f.rule, f.attribute)] = outcome
                continue
            chosen: Proposal | None = outcome
            if self.decide is not None and not self.accept_all:
                action, chosen = self.decide(outcome, validate)
                if action == "quit":
                    self.quit = True
                    chosen = None
                elif action == "all":
                    self.accept_all = True
                elif action == "skip":
                    chosen = None
                if chosen is None:
                    why = "not applied: you quit" if self.quit else "skipped (interactive)"
                    for f in group:
                        self.reasons[(record.index, f.rule, f.attribute)] = why
                    continue
            assert chosen is not None
            index.move(
                record.index,
                record_keys(resource, record.kind),
                record_keys(chosen.resource, record.kind),
            )
            state, resource = chosen.state, chosen.resource
            self.changes.append(
                Change(
                    record.index,
                    record.source,
                    record.key,
                    rules,
                    first.attribute,
                    chosen.old,
                    chosen.new,
                    chosen.edits,
                )
            )
        editor.state = state
        if checked is not resource:
            findings = self._check(resource, record.kind)
        self.final[record.index] = (resource, findings)

    def _try(
        self,
        editor: Editor,
        index: KeyIndex,
        state: Any,
        resource: dict[str, Any],
        findings: list[Finding],
        group: list[Finding],
        value: Any,
    ) -> Proposal | str:
        """The change as a Proposal when it is safe, else the reason it is not."""
        record = editor.record
        attribute = group[0].attribute
        if (
            value is None
            and isinstance(editor, FlatEditor)
            and all(f.rule in _MAPPING_RULES for f in group)
        ):
            return (
                f"{attribute} is sent because the mapping sends it: stop mapping it (fix "
                "does not empty a field in every record)"
            )
        try:
            desired = apply_suggestion(resource, attribute, value)
            new_state, edits = editor.plan(state, desired, parse_path(attribute))
        except Unwritable as exc:
            return f"cannot be written back: {exc}"
        except PathError:
            return f"cannot be written back: {attribute!r} is not a SCIM path fix can follow"
        if not edits:
            return (
                "the input's fields cannot express this change (an empty field is read as "
                "the value it already has)"
            )
        new_resource = editor.scim(new_state)
        fixed = {(f.rule, f.attribute) for f in group}
        before = {(f.rule, f.attribute) for f in findings}
        for f in self._check(new_resource, record.kind):
            if (f.rule, f.attribute) in fixed:
                return f"after the change, {f.rule} still fires on {f.attribute}: {f.message}"
            if (f.rule, f.attribute) not in before:
                return f"the change would break {f.rule} on {f.attribute}: {f.message}"
        clash = index.clash(
            record.index, record_keys(resource, record.kind), record_keys(new_resource, record.kind)
        )
        if clash:
            return clash
        old = _value_at(resource, attribute)
        new = _value_at(new_resource, attribute)
        return Proposal(
            record,
            tuple(dict.fromkeys(f.rule for f in group)),
            attribute,
            old,
            new,
            edits,
            new_state,
            new_resource,
            tuple(group),
        )


def _attempt_key(finding: Finding) -> tuple[str, str, str]:
    return (finding.rule, finding.attribute, repr(finding.suggested_value))


def _value_at(resource: dict[str, Any], attribute: str) -> Any:
    node: Any = resource
    for name, index in parse_path(attribute):
        node = node.get(name) if isinstance(node, dict) else None
        if index is not None:
            node = node[index] if isinstance(node, list) and index < len(node) else None
        if node is None:
            return None
    return node


# --- the whole input --------------------------------------------------------------------------


def editors_for(
    data: bytes,
    records: list[Record],
    input_format: str | None,
    mapping: AttributeMapping | None,
    empty_cells: EmptyCells,
) -> tuple[list[Editor | None], dict[int, str]]:
    """An editor per record (None where the record cannot be rewritten, with the reason)."""
    if data[:2] in BOM_UTF16:
        raise FixInputError("the input is UTF-16; fix rewrites UTF-8 files only (save as UTF-8)")
    body = data[len(BOM_UTF8) :] if data.startswith(BOM_UTF8) else data
    fmt = detect_format(body[: 1 << 16])
    if input_format == "csv" or (input_format is None and fmt == "csv"):
        return _csv_editors(data, records, mapping, empty_cells)
    converter = OktaConverter(mapping, empty_cells)
    if input_format == "okta" and fmt == "csv":
        fmt = "json"
    if input_format == "jsonl" or (input_format in (None, "okta") and fmt == "jsonl"):
        return _jsonl_editors(data, records, input_format, converter)
    return _json_editors(data, records, input_format, converter)


def _editor_for_object(
    record: Record,
    start: int,
    end: int,
    obj: Any,
    input_format: str | None,
    converter: OktaConverter,
) -> Editor | None:
    if not isinstance(obj, dict):
        return None
    editor: Editor
    if is_okta(obj, input_format):
        if not isinstance(obj.get("profile"), dict):
            return None
        editor = OktaEditor(record, start, end, obj, converter)
    else:
        editor = ScimEditor(record, start, end, obj)
    return editor  # whether it gives the reader's record is checked before it is edited


def _json_editors(
    data: bytes, records: list[Record], input_format: str | None, converter: OktaConverter
) -> tuple[list[Editor | None], dict[int, str]]:
    """Records are matched with the objects by the line each starts on (the reader's `line`),
    so an element the reader could not use (it reported it) does not shift the others."""
    from bisect import bisect_right

    spans = [s for s in json_spans(data) if isinstance(s[2], dict)]
    editors: list[Editor | None] = []
    why: dict[int, str] = {}
    if len(spans) == len(records) == 1:
        pairs = {records[0].index: spans[0]}
    else:
        offsets = line_offsets(data)
        by_line: dict[int, list[tuple[int, int, Any]]] = {}
        for span in spans:
            by_line.setdefault(bisect_right(offsets, span[0]), []).append(span)
        records_on: dict[int, list[Record]] = {}
        for record in records:
            records_on.setdefault(record.line, []).append(record)
        pairs = {}
        for line, group in records_on.items():
            found = by_line.get(line, [])
            if len(found) == len(group):
                pairs.update({r.index: span for r, span in zip(group, found, strict=True)})
    for record in records:
        editor = None
        if record.index in pairs:
            start, end, obj = pairs[record.index]
            editor = _editor_for_object(record, start, end, obj, input_format, converter)
        if editor is None:
            why[record.index] = "the record could not be located in the input"
        editors.append(editor)
    return editors, why


def _jsonl_editors(
    data: bytes, records: list[Record], input_format: str | None, converter: OktaConverter
) -> tuple[list[Editor | None], dict[int, str]]:
    import json

    offsets = line_offsets(data)
    per_line: dict[int, int] = {}
    for record in records:
        per_line[record.line] = per_line.get(record.line, 0) + 1
    editors: list[Editor | None] = []
    why: dict[int, str] = {}
    for record in records:
        editor = None
        if per_line[record.line] > 1:
            why[record.index] = "the record shares its line with other records; fix it by hand"
        else:
            start, end = offsets[record.line - 1], offsets[record.line]
            if record.line == 1 and data.startswith(BOM_UTF8):
                start += len(BOM_UTF8)
            raw = data[start:end]
            end = start + len(raw.rstrip(b"\r\n"))
            try:
                obj = json.loads(data[start:end])
            except ValueError:
                obj = None
            editor = _editor_for_object(record, start, end, obj, input_format, converter)
            if editor is None:
                why[record.index] = "the record could not be located in the input"
        editors.append(editor)
    return editors, why


def _csv_editors(
    data: bytes, records: list[Record], mapping: AttributeMapping | None, empty_cells: EmptyCells
) -> tuple[list[Editor | None], dict[int, str]]:
    offsets = line_offsets(data)
    header_line = 0
    header_text = ""
    for n in range(len(offsets) - 1):
        text = data[offsets[n] : offsets[n + 1]].decode("utf-8", errors="replace")
        if text.strip():
            header_line, header_text = n + 1, text.removeprefix("\ufeff")
            break
    editors: list[Editor | None] = []
    why: dict[int, str] = {}
    if not header_line:
        return editors, why
    layout = CsvLayout(header_text, header_line, mapping, empty_cells)
    for record in records:
        editor: Editor | None = None
        try:
            fields, after = csv_rows(data, offsets, record.line, layout.delimiter)
            start, end = offsets[record.line - 1], offsets[after - 1]
            candidate = CsvEditor(record, start, end, fields, layout)
            if len(fields) == layout.width:
                editor = candidate
        except (ValueError, StopIteration, IndexError):
            editor = None
        if editor is None:
            why[record.index] = "the row could not be located in the input"
        editors.append(editor)
    return editors, why


def run_fix(
    path: str,
    profile: Profile,
    *,
    input_format: str | None = None,
    mapping: AttributeMapping | None = None,
    empty_cells: EmptyCells = "absent",
    rules: set[str] | None = None,
    decide: Decide | None = None,
) -> FixResult:
    """Fix one input file in memory: the output bytes, the changes, the leftovers."""
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
    records = list(stream)
    for encoding in stream.encodings.values():  # the edits are made in the file's own bytes
        raise FixInputError(
            f"{path}: read as {encoding}; fix rewrites UTF-8 files only (save it as UTF-8)"
        )
    editors, why = editors_for(data, records, input_format, mapping, empty_cells)
    index = KeyIndex()
    for record in records:
        index.add(record, record_keys(record.resource, record.kind))
    fixer = Fixer(profile, rules, decide)
    for record, editor in zip(records, editors, strict=True):
        fixer.fix_record(record, editor, index)
    output, patches = _splice(data, [e for e in editors if e is not None and e.changed])
    leftovers = list(_leftovers(records, why, fixer, rules))
    return FixResult(
        data, output, patches, fixer.changes, leftovers, stream.problems, len(records), fixer.quit
    )


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
    records: list[Record], why: dict[int, str], fixer: Fixer, rules: set[str] | None
) -> Iterator[Leftover]:
    """Every finding of the output (the records as fixed, with the cross-record rules)."""
    tracker = DuplicateTracker()
    found: list[tuple[RecordRef, Finding]] = []
    why = {**why, **fixer.unlocated}
    for record in records:
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
            elif fixer.quit:
                reason = "not applied: you quit"
            else:
                reason = "not applied"
        yield Leftover(ref, finding, reason)


__all__ = [
    "Change",
    "FixInputError",
    "FixResult",
    "Fixer",
    "Leftover",
    "Proposal",
    "UnusableInput",
    "apply_suggestion",
    "run_fix",
]
