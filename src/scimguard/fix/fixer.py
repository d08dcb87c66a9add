"""One record through the fix loop: findings -> suggested changes -> re-checked, applied changes.

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

A change that passes is a `Proposal`; with `decide` (the CLI's `--interactive` prompt) a person
accepts it, skips it, types another value (checked again through `Validate`) or quits. The whole
input (reading, locating, splicing, leftovers) is run.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from scimguard.errors import PathError
from scimguard.fix.editors import Editor, FieldEdit, FlatEditor, Unwritable
from scimguard.fix.keys import KeyIndex, identifiers, record_keys
from scimguard.fix.results import Change
from scimguard.fix.review import review
from scimguard.fix.suggestion import apply_suggestion
from scimguard.profile import Finding, Kind, Profile, Severity
from scimguard.profile.omission import offer_drop
from scimguard.records import Record
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
