"""What the profile predicts for a probe, what the tenant said, and the switches that agree.

The profile's answer is `check` run on the probe's records with the switches in force: the
last record refused (an error) or accepted (warnings at most). The switches that make the
profile agree with a tenant are read from the probes that settle one (`Probe.switch`): when
the tenant refused every probe of a switch, the strict reading; when it accepted every one,
the lenient reading; when it was mixed, the strict reading, said so in `notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from scimguard.check import check_resources
from scimguard.probe.catalogue import ALLOW_LEGACY, COMPLETE_ADDRESS, Probe
from scimguard.profile import Profile, Severity, Switches


@dataclass(frozen=True)
class Prediction:
    refused: bool
    rules: tuple[str, ...]  # the error codes that refuse it (empty when accepted)


@dataclass
class Evidence:
    """One request and what the tenant answered."""

    method: str
    path: str
    body: Any
    status: int | None
    answer: Any


@dataclass
class Outcome:
    probe: Probe
    predicted: Prediction
    evidence: list[Evidence] = field(default_factory=list)
    inconclusive: str | None = None  # why the tenant's answer could not be read

    @property
    def refused(self) -> bool | None:
        """The tenant refused the last record (4xx), accepted it (2xx), or None: no answer."""
        if self.inconclusive or not self.evidence:
            return None
        status = self.evidence[-1].status
        if status is None or status >= 500 or status in (401, 403, 429):
            return None
        return status >= 400

    @property
    def agrees(self) -> bool | None:
        return None if self.refused is None else self.refused == self.predicted.refused


def predict(probe: Probe, switches: Switches) -> Prediction:
    """The profile's answer: the errors `check` finds on the probe's last record.

    Asked of the record as sent: `incomplete_address = "omit"` is what scimguard does *before*
    sending (it leaves the address out), so the prediction of the raw record is `block`'s.
    """
    raw = replace(switches, incomplete_address="block")
    report = check_resources(list(probe.bodies), Profile(raw), file="probe")
    last = len(probe.bodies)
    rules = sorted(
        {
            f.rule
            for ref, f in report.findings
            if ref.record == last and f.severity is Severity.ERROR
        }
    )
    return Prediction(bool(rules), tuple(rules))


def tenant_switches(outcomes: list[Outcome], current: Switches) -> tuple[Switches, list[str]]:
    """The switches under which the profile agrees with the tenant on the switch probes."""
    notes: list[str] = []
    chosen: dict[str, bool] = {}
    for name, strict in ((ALLOW_LEGACY, False), (COMPLETE_ADDRESS, True)):
        answers = [o.refused for o in outcomes if o.probe.switch == name]
        known = [a for a in answers if a is not None]
        if not known:
            notes.append(f"{name}: no answer from the tenant; kept {getattr(current, name)}")
            continue
        if all(known):
            value = strict
        elif not any(known):
            value = not strict
        else:
            value = strict
            notes.append(
                f"{name}: the tenant refused some probes and accepted others; "
                "kept the strict reading"
            )
        chosen[name] = value
    switches = replace(
        current,
        allow_legacy_characters=chosen.get(ALLOW_LEGACY, current.allow_legacy_characters),
        require_complete_address=chosen.get(COMPLETE_ADDRESS, current.require_complete_address),
    )
    return switches, notes
