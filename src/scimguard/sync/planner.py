"""Desired state (the source) against actual state (the target) -> a plan of operations.

Pure: no I/O. Matching is by externalId first, then userName (groups: displayName)
case-insensitively, so a changed email or username is an update, never a re-create. The engine
only changes or removes what it owns (a row in `sync_resources`, a pending create intent, or
the record's own externalId); anything else that collides is a `manually-sourced` task unless
`adopt_manual`. Removals happen only after a complete read of every source, and the fuse holds
them all when they exceed `max_removals` of the target's users (or groups). Memberships are
planned only for users that exist in the target or are created earlier in the same run; a user
still failing waits in its task, and joins its groups when it goes through.
"""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, cast

from scimguard.profile import Kind, Profile
from scimguard.sources.snapshot import Snapshot, SourceRecord
from scimguard.sync.matching import Decisions, EarlyMatches, Matcher
from scimguard.sync.ops import Op, Owned
from scimguard.sync.source_side import SourceSide
from scimguard.sync.target_index import TargetIndex, lowered

MAX_MEMBERS_PER_PATCH = 100


@dataclass
class TargetState:
    users: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    members: dict[str, set[str]] = field(default_factory=dict)  # group id -> user ids
    # built while the target is read (run.read_target), else on first use
    indexes: dict[str, TargetIndex] = field(default_factory=dict)

    def index(self, kind: str) -> TargetIndex:
        if kind not in self.indexes:
            self.indexes[kind] = TargetIndex(kind, self.users if kind == "user" else self.groups)
        return self.indexes[kind]


@dataclass
class MemberOp:
    group_key: str
    group_display: str
    group_id: str | None  # None while the group is still to be created
    add: list[str]  # user record keys (resolved to ids at apply time)
    remove: list[str]  # user target ids
    add_display: list[str] = field(default_factory=list)
    remove_display: list[str] = field(default_factory=list)


@dataclass
class Options:
    delete_missing: bool = False
    max_removals: str = "10%"
    adopt_manual: bool = False
    verify_members: bool = False  # read every group's members (sync/membership.py)
    verify_period: float = 86400.0  # seconds within which every group's members are read


@dataclass
class Plan:
    ops: list[Op] = field(default_factory=list)
    members: list[MemberOp] = field(default_factory=list)
    held: list[Op] = field(default_factory=list)  # removals the fuse or a partial read held back
    hold_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    claims: list[Owned] = field(default_factory=list)  # ownership learned while matching
    # membership changes refused before exactly as planned now (sync/memory.py): not sent
    still_members: list[MemberOp] = field(default_factory=list)
    # whose members were read, and why, or not read (sync/membership.py): reason -> groups
    member_reads: dict[str, int] = field(default_factory=dict)
    # group id -> what a read found changed in the target outside this engine (a plan line)
    drift: dict[str, str] = field(default_factory=dict)

    def of(self, action: str, kind: str | None = None) -> list[Op]:
        return [o for o in self.ops if o.action == action and (kind is None or o.kind == kind)]

    @property
    def writes(self) -> int:
        count = sum(1 for o in self.ops if o.action in ("create", "update", "adopt"))
        count += sum(1 for o in self.ops if o.action in ("deactivate", "delete"))
        for m in self.members:
            count += math.ceil(len(m.add) / MAX_MEMBERS_PER_PATCH)
            count += math.ceil(len(m.remove) / MAX_MEMBERS_PER_PATCH)
        return count

    def summary(self) -> dict[str, int]:
        """The counts of `--format json`, for users and groups together."""
        return total(self.by_kind())

    def by_kind(self) -> dict[str, dict[str, int]]:
        """What the plan would do, counted per kind (a group with membership changes only is
        `updated`, one whose refused membership change waits is `still_failed`)."""
        changed = {m.group_key for m in self.members if m.add or m.remove}
        waiting = {m.group_key for m in self.still_members}
        out = {kind: dict.fromkeys(COUNTS, 0) for kind in ("user", "group")}
        for op in self.ops:
            what = PLANNED.get(op.action, op.action)
            if op.action == "unchanged" and op.kind == "group":
                if op.key in changed:
                    what = "updated"
                elif op.key in waiting:
                    what = "still_failed"
            out[op.kind][what] += 1
        return out


# The counts of a run, in the order they are printed.
# Refused before and unchanged since (sync/memory.py): counted, not sent again.
REMEMBERED = ("still-failed", "still-blocked", "dismissed")
NOT_SENT = ("blocked", *REMEMBERED)  # the actions of a record that sends nothing this run

COUNTS = (
    "created",
    "updated",
    "deactivated",
    "deleted",
    "unchanged",
    "failed",
    "blocked",
    "still_failed",
    "still_blocked",
    "dismissed",
)
PLANNED = {
    "create": "created",
    "update": "updated",
    "adopt": "updated",
    "deactivate": "deactivated",
    "delete": "deleted",
    "blocked": "blocked",
    "unchanged": "unchanged",
    "still-failed": "still_failed",
    "still-blocked": "still_blocked",
    "dismissed": "dismissed",
}


def total(by_kind: dict[str, dict[str, int]]) -> dict[str, int]:
    """Users and groups counted together."""
    return {name: sum(counts.get(name, 0) for counts in by_kind.values()) for name in COUNTS}


def parse_max_removals(text: str, total: int) -> int:
    """`10%` of `total`, rounded down (never more than the share), or a plain count."""
    text = str(text).strip()
    if text.endswith("%"):
        share = float(text[:-1]) / 100.0
        return math.floor(total * share + 1e-9)
    return int(text)


class Planner:
    def __init__(
        self,
        snapshot: Snapshot,
        target: TargetState,
        owned: list[Owned],
        options: Options,
        profile: Profile | None = None,
        source_side: SourceSide | None = None,
        early: EarlyMatches | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.target = target
        self.owned = owned
        self.options = options
        self.profile = profile or Profile()
        # worked out while the target was read (sync/run.py), else when matching starts
        self.source_side = source_side
        # users decided while the target was read (sync/matching.py), else none
        self.early = early
        self.plan = Plan()
        self.decided: dict[str, Decisions] = {}  # by kind, once matched
        self._wanted: dict[str, Wanted] | None = None

    # --- matching -----------------------------------------------------------------------------

    def _plan_kind(
        self, kind: Kind, records: list[SourceRecord], side: SourceSide
    ) -> dict[str, str]:
        """Ops for one kind; returns record key -> target id for matched records."""
        early = self.early if kind == "user" else None
        index = self.target.index(kind)
        matcher = early.matcher if early is not None else None
        if early is None or matcher is None:  # nothing decided while the target was read
            decisions = Decisions(len(records))
            matcher = Matcher(kind, index, self.owned, self.options.adopt_manual, side)
        else:
            decisions = early.decisions
        ops = decisions.ops
        for i in [i for i, op in enumerate(ops) if op is None]:  # in the records' order
            record = records[i]
            if (item := _match(index, record, decisions, i)) is not None:
                decisions.take(i, record.key, matcher.decide(i, record, item))
            else:
                decisions.create(i, matcher.create(i, record))
        for i in decisions.writes:
            if errors := side.errors(kind, i):
                op = ops[i]
                assert op is not None  # every position was decided above
                op.action = "blocked"
                op.findings = errors
                op.rule = errors[0].rule
        self.decided[kind] = decisions
        self.plan.ops.extend(op for op in ops if op is not None)
        self.plan.claims.extend(decisions.claimed())
        self._plan_removals(kind, index, matcher.by_id, decisions.first_use.keys())
        return decisions.matched

    def _plan_removals(
        self, kind: str, index: TargetIndex, by_id: dict[str, Owned], used: AbstractSet[str]
    ) -> None:
        name_attr = "userName" if kind == "user" else "displayName"
        removals: list[Op] = []
        unused = by_id.keys() - used  # a resync's usual answer: none
        for target_id, row in by_id.items() if unused else ():
            item = index.by_id.get(target_id)
            if item is None or target_id not in unused:
                continue
            display = item.get(name_attr) or row.record_key
            if self.options.delete_missing:
                removals.append(Op(kind, "delete", row.record_key, display, target_id=target_id))
            elif kind == "user" and item.get("active") not in (False, "false", "False"):
                body = [{"op": "replace", "path": "active", "value": False}]
                removals.append(
                    Op(
                        kind,
                        "deactivate",
                        row.record_key,
                        display,
                        target_id=target_id,
                        body={"Operations": body},
                    )
                )
        if not removals:
            return
        total = len(index.by_id)
        limit = parse_max_removals(self.options.max_removals, total)
        if not self.snapshot.complete:
            self.plan.held.extend(removals)
            self.plan.hold_reason = (
                "a source read failed or looks partial ("
                + "; ".join(self.snapshot.problems)
                + "): nothing is deactivated or deleted"
            )
        elif len(removals) > limit:
            self.plan.held.extend(removals)
            self.plan.hold_reason = (
                f"safety fuse: {len(removals)} {kind} removals exceed --max-removals "
                f"{self.options.max_removals} ({limit} of {total} {kind}s in the target)"
            )
        else:
            self.plan.ops.extend(removals)

    # --- membership ---------------------------------------------------------------------------

    def wanted_members(self) -> dict[str, Wanted]:
        """Who each group of the source should hold, by group record key (after `match`, and
        after `memory.hold_ops`, which decides which held groups still get their members).
        Needs the target's users only, so that which groups' members to read can be decided
        before reading any (sync/membership.py)."""
        if self._wanted is None:
            self._wanted = self._wanted_members(self.matched_users, self.matched_groups)
        return self._wanted

    def _wanted_members(self, users: dict[str, str], groups: dict[str, str]) -> dict[str, Wanted]:
        side = self._source_side()
        # A source user joins groups when it exists in the target or is created in this run;
        # one blocked or still failing waits in its task.
        decided = self.decided["user"].ops, self.decided["user"].writes
        created = {op.key for i in decided[1] if (op := decided[0][i]) and op.action == "create"}
        target_users = self.target.index("user")
        group_ops = {op.key: op for op in self.decided["group"].ops if op is not None}
        out: dict[str, Wanted] = {}
        for record, members, named in zip(
            self.snapshot.groups, side.members, side.member_keys, strict=True
        ):
            op = group_ops.get(record.key)
            if op is None:
                continue
            group_id = groups.get(record.key)
            held = op.action in NOT_SENT
            if held and (group_id is None or op.rule == "manually-sourced"):
                continue
            if named is not None and (found := _all_matched(*named, users)) is not None:
                out[record.key] = Wanted(record, group_id, found[0], found[1], True)
                continue  # the usual group: every member a user the target has
            wanted: dict[str, str] = {}  # user key -> display
            wanted_ids: dict[str, str] = {}  # target id -> display (users that exist)
            resolved = True  # every wanted user exists in the target
            for value, user in members:
                if user is not None:
                    key = user.key
                    if (rid := users.get(key)) is not None:
                        wanted[key] = wanted_ids[rid] = user.display
                    elif key in created:
                        wanted[key] = user.display
                        resolved = False
                    else:
                        # Not ours to add now; a member already (a manual user) stays one.
                        item = target_users.by_ext.get(user.external_id or "\0")
                        item = item or target_users.by_name.get(lowered(user.name) or "\0")
                        if item is not None:
                            wanted_ids[item["id"]] = user.display
                    continue
                item = target_users.by_ext.get(value) or target_users.by_name.get(value.lower())
                if item is None:
                    item = target_users.by_id.get(value)
                if item is not None:
                    wanted_ids[item["id"]] = item.get("userName", value)
                    wanted["id:" + item["id"]] = item.get("userName", value)
                else:
                    self.plan.warnings.append(
                        f"group {record.display!r}: member {value!r} matches no user of the "
                        "source or the target; skipped"
                    )
            out[record.key] = Wanted(record, group_id, wanted, wanted_ids, resolved)
        return out

    def _plan_members(self, users: dict[str, str]) -> None:
        for want in self.wanted_members().values():
            group_id = want.group_id
            actual = self.target.members.get(group_id, set()) if group_id else set()
            if want.resolved and len(actual) == len(want.ids) and actual.issuperset(want.ids):
                continue  # holds exactly the users wanted (every one of which exists)
            add = [k for k in want.keys if _member_id(k, users) not in actual]
            remove = [uid for uid in actual if uid not in want.ids]
            if not self.snapshot.complete:
                remove = []
            if add or remove:
                removed = [self.target.index("user").name_of(r) for r in remove]
                added = [want.keys[k] for k in add]
                record = want.record
                self.plan.members.append(
                    MemberOp(record.key, record.display, group_id, add, remove, added, removed)
                )

    def _source_side(self) -> SourceSide:
        """The source's side, worked out once: given (run.plan_and_read), else here."""
        if self.source_side is None:
            self.source_side = SourceSide(self.snapshot, self.profile)
        return self.source_side.complete()

    def match(self) -> Plan:
        """Users and groups; `matched_groups` then says whose members must be read."""
        side = self._source_side()
        self.matched_users = self._plan_kind("user", self.snapshot.users, side)
        self.matched_groups = self._plan_kind("group", self.snapshot.groups, side)
        return self.plan

    def plan_members(self, members: dict[str, set[str]]) -> Plan:
        """Membership changes, given the members of every matched group."""
        self.target.members = members
        self._plan_members(self.matched_users)
        return self.plan

    def build(self) -> Plan:
        self.match()
        return self.plan_members(self.target.members)


def _match(
    index: TargetIndex, record: SourceRecord, decisions: Decisions, i: int
) -> dict[str, Any] | None:
    """The target resource of the record at position `i`: by externalId, else by name unless
    a record before it took that resource."""
    by_ext = index.by_ext.get(record.external_id) if record.external_id else None
    if by_ext is not None:
        return by_ext
    item = index.by_name.get(lowered(record.name) or "\0")
    return None if item is None or decisions.taken_before(item["id"], i) else item


@dataclass
class Wanted:
    """Who one group of the source should hold in the target."""

    record: SourceRecord
    group_id: str | None  # None while the group is still to be created
    keys: dict[str, str]  # user record key (or `id:<target id>`) -> display
    ids: dict[str, str]  # target id -> display, of the wanted users that exist
    resolved: bool  # every wanted user exists in the target (none is still to be created)


def _all_matched(
    keys: list[str], displays: list[str], users: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]] | None:
    """The wanted keys and ids of a group whose members are all matched users (else None):
    what `_wanted_members` does member by member, at C speed."""
    ids = [users.get(key) for key in keys]
    if None in ids:
        return None
    matched = cast(list[str], ids)
    return dict(zip(keys, displays, strict=True)), dict(zip(matched, displays, strict=True))


def _member_id(key: str, users: dict[str, str]) -> str | None:
    if key.startswith("id:"):
        return key[3:]
    return users.get(key)


def build_plan(
    snapshot: Snapshot,
    target: TargetState,
    owned: list[Owned],
    options: Options | None = None,
    profile: Profile | None = None,
) -> Plan:
    return Planner(snapshot, target, owned, options or Options(), profile).build()
