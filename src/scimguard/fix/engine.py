"""The fix loop: findings -> suggested changes -> re-checked, duplicate-free, applied changes.

Only the findings the run selects are acted on: errors (warnings too with `warnings`), of the
`rules` given. Each suggestion is first cut down to the edits those findings ask for
(review.py), and a change that would alter an identifier sync matches on (keys.identifiers) is
refused unless `identifiers`.

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
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from scimguard.check import TOO_DEEP
from scimguard.errors import FixInputError, PathError
from scimguard.fix.editors import Editor, FieldEdit, FlatEditor, Unwritable
from scimguard.fix.keys import KeyIndex, identifiers, record_keys
from scimguard.fix.locate import Places, editors_for
from scimguard.fix.review import review
from scimguard.profile import (
    DuplicateTracker,
    Finding,
    Kind,
    Profile,
    RecordRef,
    Severity,
)
from scimguard.profile.omission import offer_drop
from scimguard.profile.screen import make_screens
from scimguard.records import (
    AttributeMapping,
    EmptyCells,
    InputProblem,
    Record,
    ScreenedUsers,
    UnusableInput,
    read_records,
)
from scimguard.records.location import NO_LOCATIONS, Locations
from scimguard.records.paths import parse_path

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
    location: str = ""  # where the edited fields are, in the input's terms (records/location.py)
    places: tuple[str, ...] = ()  # the same for each edit, in order

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
    """An applied change, as written to the change log (one row per field edit).

    `location` names the input's file, row or line, and the columns (CSV) or Okta attributes
    edited: `users.csv:6 (lastName)`; `places` the same for each edit."""

    record: int
    source: str
    key: str | None
    rules: tuple[str, ...]
    attribute: str
    old: Any
    new: Any
    edits: list[FieldEdit]
    location: str
    places: tuple[str, ...]

    def to_dict(self, field_value: Callable[[Any], Any] = lambda value: value) -> dict[str, Any]:
        """The change as JSON data (undo file, `--format json`); `field_value` renders the
        old and new value of each edited field."""
        return {
            "record": self.record,
            "source": self.source,
            "location": self.location,
            "key": self.key,
            "rules": list(self.rules),
            "attribute": self.attribute,
            "old": shown(self.old),
            "new": shown(self.new),
            "fields": [
                {
                    "attribute": e.attribute,
                    "field": e.field,
                    "location": place,
                    "old": field_value(shown(e.old)),
                    "new": field_value(shown(e.new)),
                }
                for e, place in zip(self.edits, self.places, strict=True)
            ],
        }


SHOWN_DEPTH = 200  # levels of nesting a report shows (json and orjson stop near 1000 and 254)


def shown(value: Any) -> Any:
    """`value` for a report or log, or TOO_DEEP when it is nested deeper than SHOWN_DEPTH (the
    readers take values up to 1024 levels deep; a JSON writer would fail on them)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > SHOWN_DEPTH:
                return TOO_DEEP
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value


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
    locations: Locations = field(default_factory=Locations)  # the input's, for the leftovers

    def leftovers_by_rule(self) -> dict[str, list[Leftover]]:
        groups: dict[str, list[Leftover]] = {}
        for item in self.leftovers:
            groups.setdefault(item.finding.rule, []).append(item)
        return dict(sorted(groups.items(), key=lambda kv: (-kv[1][0].finding.severity.rank, kv[0])))


def apply_suggestion(resource: dict[str, Any], attribute: str, value: Any) -> dict[str, Any]:
    """A copy of `resource` with `attribute` set to `value` (None: the attribute left out).

    Only the dicts and lists on the attribute's path are copied; the rest is shared with
    `resource` (nothing here or in the profile changes a resource in place)."""
    out = dict(resource)
    segments = parse_path(attribute)
    node: Any = out
    for depth, (name, index) in enumerate(segments):
        last = depth == len(segments) - 1
        if not isinstance(node, dict):
            return out
        if index is None:
            if last:
                if value is not None:
                    node[name] = copy.deepcopy(value)
                else:
                    node.pop(name, None)
                return out
            child = node.get(name)
            if not isinstance(child, dict):
                if value is None:
                    return out
                child = {}
            node[name] = node = dict(child)
            continue
        items = node.get(name)
        if not isinstance(items, list):
            if value is None:
                return out
            items = []
        items = node[name] = list(items)
        if value is None and index >= len(items):
            return out
        while len(items) <= index:
            items.append({})
        if last:
            if value is not None:
                items[index] = copy.deepcopy(value)
            else:
                del items[index]
                if not items:
                    del node[name]
            return out
        child = items[index]
        items[index] = node = dict(child) if isinstance(child, dict) else {}
    return out


class Fixer:
    """Fixes the records of one input file; see the module docstring."""

    def __init__(
        self,
        profile: Profile,
        rules: set[str] | None = None,
        decide: Decide | None = None,
        *,
        warnings: bool = False,
        identifiers: bool = False,
        locations: Locations = NO_LOCATIONS,
    ) -> None:
        self.profile = profile
        self.locations = locations  # names each change's place in the input's terms
        self.rules = rules
        self.decide = decide
        self.warnings = warnings
        self.identifiers = identifiers
        self.accept_all = False
        self.quit = False
        self.reasons: dict[tuple[int, str, str], str] = {}
        self.changes: list[Change] = []
        self.final: dict[int, tuple[dict[str, Any], list[Finding]]] = {}
        self.unlocated: dict[int, str] = {}

    def _check(self, resource: dict[str, Any], kind: Kind, walk: bool = False) -> list[Finding]:
        """The profile's findings; under `incomplete_address = omit` a partial address
        suggests its own removal ("drop the incomplete address"). `walk`: a user the screen
        sent back skips the fast path, which would only fail again."""
        if walk and kind == "user":
            return offer_drop(self.profile, self.profile.walk_user(resource))
        return offer_drop(self.profile, self.profile.check(resource, kind))

    # --- one record ------------------------------------------------------------------------

    def selected(self, finding: Finding) -> bool:
        """Does this run act on the finding: errors (warnings too with --warnings), of the
        rules --rule names."""
        return (finding.severity is Severity.ERROR or self.warnings) and (
            self.rules is None or finding.rule in self.rules
        )

    def _candidates(self, findings: list[Finding], attempted: set[Any]) -> list[Finding]:
        return [
            f
            for f in findings
            if f.has_suggestion and self.selected(f) and _attempt_key(f) not in attempted
        ]

    def _reviewed(
        self, record: Record, resource: dict[str, Any], findings: list[Finding], finding: Finding
    ) -> Any:
        """The part of the finding's suggestion that may be applied (review.py), or a
        `_Refused` saying why none may. `findings` are the resource's own."""
        attribute, suggestion = finding.attribute, finding.suggested_value
        old = _value_at(resource, attribute)
        if not isinstance(old, str) or not (suggestion is None or isinstance(suggestion, str)):
            return suggestion
        known: dict[str | None, list[Finding]] = {
            old: [f for f in findings if f.attribute == attribute]
        }

        def findings_at(value: str | None) -> list[Finding]:
            if value not in known:
                changed = apply_suggestion(resource, attribute, value)
                found = self.profile.check(changed, record.kind)
                known[value] = [f for f in found if f.attribute == attribute]
            return known[value]

        outcome = review(old, suggestion, findings_at, self.selected)
        if not outcome.changed:
            return _Refused("; ".join(outcome.dropped) or "the suggestion changes nothing")
        return outcome.value

    def fix_record(self, record: Record, editor: Editor | None, index: KeyIndex) -> None:
        """Apply what is safe to one record; `final` keeps its resource and findings after."""
        resource = record.resource
        findings = self._check(resource, record.kind, walk=record.screened_out)
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

            suggestion = self._reviewed(record, resource, findings, first)
            if isinstance(suggestion, _Refused):
                for f in group:
                    self.reasons[(record.index, f.rule, f.attribute)] = suggestion.reason
                continue
            outcome = validate(suggestion)
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
                    chosen.location,
                    chosen.places,
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
        if not self.identifiers:
            touched = [
                name
                for name, value in identifiers(resource, record.kind).items()
                if identifiers(new_resource, record.kind)[name] != value
            ]
            if touched:
                return (
                    f"it would change {' and '.join(touched)}, which sync matches on (a changed "
                    "identifier is another person to the target); fix changes identifiers only "
                    "with --identifiers"
                )
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
        # an edited field of a CSV row or an Okta profile is a column or attribute to name;
        # a SCIM JSON record's field is the SCIM path itself: its place is file and line
        fields = [e.field if isinstance(editor, FlatEditor) else None for e in edits]
        where = self.locations.where
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
            where(record.file, record.line, tuple(dict.fromkeys(f for f in fields if f))),
            tuple(where(record.file, record.line, (f,) if f else ()) for f in fields),
        )


@dataclass(frozen=True, slots=True)
class _Refused:
    reason: str


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
