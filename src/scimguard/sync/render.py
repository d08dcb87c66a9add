"""The plan as a person reads it, like a plan of infrastructure changes.

    + create user jane@example.com
    ~ update user bob@example.com: emails, name.familyName
    - deactivate user old@example.com
    ! blocked user eve@example.com: missing-required (name.familyName)
    ~ members of group Engineering: + alice@example.com, + carl@example.com, - dave@example.com

Values go through `scimguard.text.visible`, so a hidden character is seen, not guessed.
"""

from __future__ import annotations

from scimguard.sync.planner import Plan
from scimguard.text import visible

MAX_NAMES = 10


def plan_lines(plan: Plan) -> list[str]:
    lines: list[str] = []
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
    for m in plan.members:
        names = [f"+ {visible(n)}" for n in m.add_display] + [
            f"- {visible(n)}" for n in m.remove_display
        ]
        shown = ", ".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES:
            shown += f", ... ({len(names) - MAX_NAMES} more)"
        lines.append(f"~ members of group {visible(m.group_display)}: {shown}")
    for op in plan.held:
        lines.append(f"= held: {op.action} {op.kind} {visible(op.display)}")
    if plan.hold_reason:
        lines.append(f"Removals held back: {plan.hold_reason}.")
    for warning in plan.warnings:
        lines.append(f"warning: {warning}")
    lines.append(plan_totals(plan))
    return lines


def plan_totals(plan: Plan) -> str:
    s = plan.summary()
    adds = sum(len(m.add) for m in plan.members)
    removes = sum(len(m.remove) for m in plan.members)
    return (
        f"Plan: {s['created']} to create, {s['updated']} to update, {s['deactivated']} to "
        f"deactivate, {s['deleted']} to delete, {s['blocked']} blocked, {s['unchanged']} "
        f"unchanged; memberships: {adds} to add, {removes} to remove."
    )
