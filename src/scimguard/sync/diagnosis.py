"""A task's diagnosis as a person reads it: the one function the console and `tasks show` share.

The target may name only a rule (its `x-scimguard-rule` header, no attribute): a run can relax
the profile (e.g. `--allow-legacy-characters`) while the target does not. `located` then checks
the body that was sent with the profile's defaults to find the attribute and the value the rule
is about. The console's task page and `scimguard tasks show` (text and `--format json`) both
call it, so they never disagree on what is wrong.
"""

from __future__ import annotations

from typing import Any, cast

from scimguard.profile import Kind, Profile
from scimguard.sync.tasks import Task


def located(task: Task) -> list[dict[str, Any]]:
    """Where a refusal the target named only by rule sits in the request that was sent.

    Empty when every finding already names its attribute, or nothing was sent."""
    body = task.request.get("body")
    if task.response is None or not isinstance(body, dict) or task.kind not in ("user", "group"):
        return []
    if all(f.get("attribute") for f in task.findings):
        return []
    codes = set(task.rules)
    kind = cast(Kind, task.kind)  # one of the two: tested above
    return [f.to_dict() for f in Profile().check(body, kind) if f.rule in codes]
