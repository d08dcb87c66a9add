"""The probe's report: per question the profile's answer, the tenant's, and the evidence."""

from __future__ import annotations

from typing import Any

from scimguard.probe.catalogue import CATALOGUE_VERSION
from scimguard.probe.runner import ProbeRun, answer_text, detail_of
from scimguard.probe.verdict import Outcome
from scimguard.profile import Switches
from scimguard.text import visible


def _predicted(outcome: Outcome) -> str:
    p = outcome.predicted
    return f"refused ({', '.join(p.rules)})" if p.refused else "accepted"


def _mark(outcome: Outcome) -> str:
    return {True: "agrees", False: "DIFFERS", None: "unknown"}[outcome.agrees]


def as_text(run: ProbeRun, switches: Switches, notes: list[str], profile_text: str) -> str:
    lines = [f"scimguard probe, catalogue {CATALOGUE_VERSION}", ""]
    for outcome in run.outcomes:
        lines.append(f"{outcome.probe.id}: {outcome.probe.question}")
        lines.append(f"  profile: {_predicted(outcome)}")
        lines.append(f"  tenant:  {answer_text(outcome)}  [{_mark(outcome)}]")
        for ev in outcome.evidence:
            detail = detail_of(ev.answer)
            said = f": {visible(detail)}" if detail else ""
            lines.append(f"  evidence: {ev.method} {ev.path} -> {ev.status}{said}")
    differs = [o.probe.id for o in run.outcomes if o.agrees is False]
    lines.append("")
    if run.stopped:
        lines.append(f"Stopped: {run.stopped}")
    lines.append(
        f"{len(differs)} of {len(run.outcomes)} answers differ from the profile"
        + (f": {', '.join(differs)}" if differs else "")
    )
    lines += [f"note: {n}" for n in notes]
    if run.left_behind:
        lines.append(
            f"NOT removed ({len(run.left_behind)}): {', '.join(run.left_behind)}; "
            "run `scimguard probe --cleanup` with the same --target and --state-db"
        )
    else:
        lines.append("Everything the probe created was removed.")
    lines += ["", "The profile that agrees with this tenant (--write-profile FILE saves it):", ""]
    lines.append(profile_text.rstrip("\n"))
    return "\n".join(lines) + "\n"


def as_json(run: ProbeRun, switches: Switches, notes: list[str]) -> dict[str, Any]:
    return {
        "catalogue": CATALOGUE_VERSION,
        "probes": [
            {
                "id": o.probe.id,
                "question": o.probe.question,
                "switch": o.probe.switch,
                "profile": {"refused": o.predicted.refused, "rules": list(o.predicted.rules)},
                "tenant": {"refused": o.refused, "answer": answer_text(o)},
                "agrees": o.agrees,
                "evidence": [
                    {
                        "request": {"method": e.method, "path": e.path, "body": e.body},
                        "status": e.status,
                        "body": e.answer,
                    }
                    for e in o.evidence
                ],
            }
            for o in run.outcomes
        ],
        "differences": [o.probe.id for o in run.outcomes if o.agrees is False],
        "switches": {
            "allow_legacy_characters": switches.allow_legacy_characters,
            "require_complete_address": switches.require_complete_address,
            "incomplete_address": switches.incomplete_address,
        },
        "notes": notes,
        "stopped": run.stopped,
        "left_behind": run.left_behind,
    }
