"""The plan as a person reads it, like a plan of infrastructure changes.

    + create user jane@example.com
    ~ update user bob@example.com: emails, name.familyName
    - deactivate user old@example.com
    ! blocked user eve@example.com: missing-required (name.familyName)
    = 3 record(s) refused before and unchanged since: not sent again. ...
    ~ members of group Engineering: + alice@example.com, + carl@example.com, - dave@example.com
    ! drift: members of group Sales changed in the target since ... (found by rotation): + eve
    = member reads: 3 of 200 groups (2 source changed, 1 rotation); 197 not read: ...

Values go through `scimguard.text.visible`, so a hidden character is seen, not guessed.
"""

from __future__ import annotations

from collections.abc import Iterable

from scimguard.sources.snapshot import SourceRecord
from scimguard.sync.planner import REMEMBERED, Plan
from scimguard.text import visible

MAX_NAMES = 10


def plan_lines(plan: Plan, *, verbose: bool = False) -> list[str]:
    """The plan, one line an operation. Held removals and records still failing as before are
    one line each with a count and a hint; `verbose` lists them too."""
    lines: list[str] = []
    still: list[str] = []
    for op in plan.ops:
        who = f"{op.kind} {visible(op.display)}"
        if op.action == "create":
            lines.append(f"+ create {who}")
        elif op.action == "update":
            lines.append(f"~ update {who}: {', '.join(op.changes)}")
        elif op.action == "adopt":
            extra = f" ({', '.join(op.changes)})" if op.changes else ""
            lines.append(f"~ adopt {who}: take over the manual {op.kind}, set externalId{extra}")
        elif op.action == "deactivate":
            lines.append(f"- deactivate {who}")
        elif op.action == "delete":
            lines.append(f"- delete {who}")
        elif op.action == "blocked":
            reasons = "; ".join(
                f"{f.rule} ({f.attribute})" if f.attribute else f.rule for f in op.findings
            )
            lines.append(f"! blocked {who}: {reasons}")
        elif op.action in REMEMBERED:
            label = op.action.replace("-", " ")
            still.append(f"= {label} {who}: {op.rule or 'refused'} ({op.note}), not sent again")
    for m in plan.members:
        names = [f"+ {visible(n)}" for n in m.add_display] + [
            f"- {visible(n)}" for n in m.remove_display
        ]
        shown = ", ".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES:
            shown += f", ... ({len(names) - MAX_NAMES} more)"
        lines.append(f"~ members of group {visible(m.group_display)}: {shown}")
    for line in plan.drift.values():
        lines.append(f"! drift: {line}")
    for m in plan.still_members:
        still.append(f"= still failed: members of group {visible(m.group_display)}, not sent again")
    if still:
        lines.append(
            f"= {len(still)} record(s) refused before and unchanged since: not sent again. "
            "Change them at their source, or `scimguard tasks retry ID` to send one now"
            + ("." if verbose else " (--verbose lists them).")
        )
        if verbose:
            lines.extend("  " + line for line in still)
    if plan.held:
        lines.append(f"= held: {held_line(plan)}" + ("" if verbose else " (--verbose lists them)"))
        if verbose:
            lines.extend(
                f"  = held: {op.action} {op.kind} {visible(op.display)}" for op in plan.held
            )
    for warning in plan.warnings:
        lines.append(f"warning: {warning}")
    if plan.member_reads:
        lines.append(reads_line(plan.member_reads))
    lines.append(plan_totals(plan))
    return lines


def nested_lines(groups: Iterable[SourceRecord]) -> list[str]:
    """One line per group whose nested groups its source flattened (the record's spec names
    them in `nested`): AWS IAM Identity Center has no nested groups, so their users became
    direct members."""
    return [
        f"~ group {visible(record.display)}: members of nested group(s) "
        f"{', '.join(visible(str(n)) for n in record.source['nested'])} included as direct "
        "members (AWS IAM Identity Center has no nested groups)"
        for record in groups
        if record.source.get("nested")
    ]


def held_line(plan: Plan) -> str:
    """The held removals in one line: how many, why, and what to do about it."""
    kinds = sorted({f"{op.action} {op.kind}" for op in plan.held})
    if plan.hold_reason and plan.hold_reason.startswith("safety fuse"):
        hint = "if they are meant, run again with a higher --max-removals"
    else:
        hint = "fix the source problem; removals wait for a complete read"
    return f"{len(plan.held)} removal(s) held back ({', '.join(kinds)}): {plan.hold_reason}; {hint}"


def reads_line(counts: dict[str, int]) -> str:
    """How many groups' members were read, why, and how many were not (sync/membership.py)."""
    skipped = counts.get("skipped", 0)
    read = {k: v for k, v in counts.items() if k != "skipped"}
    why = ", ".join(f"{n} {reason}" for reason, n in read.items())
    line = f"= member reads: {sum(read.values())} of {sum(read.values()) + skipped} groups"
    line += f" ({why})" if why else ""
    if skipped:
        line += (
            f"; {skipped} not read: unchanged in the source and the target since read within "
            "--verify-period (--verify-members reads them all)"
        )
    return line


def plan_totals(plan: Plan) -> str:
    s = plan.summary()
    adds = sum(len(m.add) for m in plan.members)
    removes = sum(len(m.remove) for m in plan.members)
    line = (
        f"Plan: {s['created']} to create, {s['updated']} to update, {s['deactivated']} to "
        f"deactivate, {s['deleted']} to delete, {s['blocked']} blocked, {s['unchanged']} "
        f"unchanged"
    )
    old = [f"{s[k]} {k.replace('_', ' ')}" for k in ("still_failed", "still_blocked", "dismissed")]
    if any(s[k] for k in ("still_failed", "still_blocked", "dismissed")):
        line += ", " + ", ".join(o for o in old if not o.startswith("0 "))
    return line + f"; memberships: {adds} to add, {removes} to remove."
