"""Why the target refused an operation: the rule and findings its failed task is filed under.

A 400 is explained by the emulator's `X-Scimguard-Rule` when the target names one, else by the
profile's rules on the body that was sent (`diagnose_refusal`); a transient failure (what the
client still had after its retries), a 409 and any other answer each have their own rule
(`diagnose_failure`). Findings come from the rule catalogue, so a task's fix is the catalogue's.
Nothing here sends or records: the sender files the task.
"""

from __future__ import annotations

import json
from typing import Any, cast

from scimguard.profile import BY_CODE, Finding, Kind, Profile, Severity
from scimguard.sync.client import Reply


def finding_from_catalogue(code: str, attribute: str, value: Any, message: str) -> Finding:
    """A finding of rule `code` about the target's answer, with the catalogue's fix."""
    entry = BY_CODE.get(code)
    fix = entry.fix if entry else "Look at the response of the target."
    return Finding(code, Severity.ERROR, attribute, value, message, fix)


def diagnose_refusal(profile: Profile, reply: Reply, kind: str) -> tuple[str, list[Finding]]:
    """Why a 400 happened: the emulator's X-Scimguard-Rule, else our rules on what was sent."""
    body = reply.body if isinstance(reply.body, dict) else {}
    if reply.method == "PATCH":
        body = {}
    errors = profile.errors(body, cast(Kind, kind)) if body else []  # Op.kind: user | group
    header = reply.headers.get("x-scimguard-rule")
    detail = reply.data.get("detail") if isinstance(reply.data, dict) else reply.data
    if header:
        codes = [c.strip() for c in header.split(",") if c.strip()]
        chosen = [f for f in errors if f.rule in codes]
        if not chosen:
            chosen = [
                finding_from_catalogue(
                    c, "", None, f"The target refused the request under rule {c}: {detail}"
                )
                for c in codes
            ]
        return chosen[0].rule, chosen
    if errors:
        return errors[0].rule, errors
    return "target-rejected", [
        finding_from_catalogue(
            "target-rejected",
            "",
            None,
            f"The target answered {reply.status} and no rule of the profile explains it. "
            f"Its answer: {detail if detail is not None else '(empty)'}",
        )
    ]


def diagnose_failure(profile: Profile, reply: Reply, kind: str) -> tuple[str, list[Finding]]:
    """The rule and findings of any reply that did not succeed (a 400 by `diagnose_refusal`)."""
    if reply.transient:
        what = f"status {reply.status}" if reply.status else (reply.error or "no answer")
        rule, findings = (
            "target-unavailable",
            [
                finding_from_catalogue(
                    "target-unavailable",
                    "",
                    None,
                    f"The target did not succeed after {reply.attempts} attempts ({what}).",
                )
            ],
        )
    elif reply.status == 400:
        rule, findings = diagnose_refusal(profile, reply, kind)
    elif reply.status == 409:
        rule, findings = (
            "target-conflict",
            [
                finding_from_catalogue(
                    "target-conflict",
                    "",
                    None,
                    f"The target refused a duplicate: {_detail(reply)}",
                )
            ],
        )
    else:
        rule, findings = (
            "target-rejected",
            [
                finding_from_catalogue(
                    "target-rejected",
                    "",
                    None,
                    f"The target answered {reply.status}: {_detail(reply)}",
                )
            ],
        )
    return rule, findings


def _detail(reply: Reply) -> str:
    if isinstance(reply.data, dict):
        return str(reply.data.get("detail") or json.dumps(reply.data))
    return str(reply.data or reply.error or "(empty)")
