"""The records of a plan that matching makes: what the engine owns (`Owned`) and what it
will do with one record (`Op`). A leaf module, so that matching (sync/matching.py) and the
planner (sync/planner.py) share them without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scimguard.profile import BY_CODE, Finding, Severity
from scimguard.sources.snapshot import SourceRecord

USERS, GROUPS = "/Users", "/Groups"


@dataclass(slots=True)
class Owned:
    """A row of `sync_resources`: something the engine created or adopted."""

    kind: str
    record_key: str
    target_id: str | None
    external_id: str | None
    name_lower: str | None
    state: str  # pending | active | inactive | deleted


@dataclass(slots=True)
class Op:
    kind: str  # user | group
    # create | update | adopt | deactivate | delete | blocked | unchanged, or (sync/memory.py)
    # still-failed | still-blocked | dismissed: the same refusal as its task's, not sent again
    action: str
    key: str  # record key (or, for removals, the owned row's key)
    display: str
    record: SourceRecord | None = None
    target_id: str | None = None
    body: dict[str, Any] | None = None
    changes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rule: str | None = None
    note: str | None = None
    digest: str | None = None  # of its request, set by sync/memory.py `stamp`

    @property
    def resource(self) -> str:
        return USERS if self.kind == "user" else GROUPS


def target_finding(rule: str, attribute: str, value: Any, message: str) -> Finding:
    entry = BY_CODE[rule]
    return Finding(rule, Severity.ERROR, attribute, value, message, entry.fix)
