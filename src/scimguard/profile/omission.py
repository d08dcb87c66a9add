"""What the engine and `fix` send instead of a partial address (switch `incomplete_address`).

Under `omit`, an address element that draws `incomplete-address` is left out of the record and
the record carries the warning `address-omitted`, which keeps the element that was left out, so
nothing is dropped silently. The judgement stays the profile's: the elements left out are
exactly those its `incomplete-address` rule names. The emulator never calls this (AWS refuses a
partial address whatever the engine chooses).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scimguard.profile.catalogue import BY_CODE
from scimguard.profile.findings import Finding, Severity

if TYPE_CHECKING:
    from scimguard.profile import Profile

INCOMPLETE = "incomplete-address"
OMITTED = "address-omitted"
_ELEMENT = re.compile(r"^addresses\[(\d+)\]$")


def omits(profile: Profile) -> bool:
    return profile.switches.incomplete_address == "omit"


def omit_incomplete_addresses(
    profile: Profile, resource: dict[str, Any], findings: list[Finding]
) -> tuple[dict[str, Any], list[Finding]]:
    """(the user as sent, its findings) given the user and its findings as read.

    Unchanged when the switch is `block` or no finding is `incomplete-address`; else a copy
    without those address elements (without `addresses` when none is left), with the findings
    of that copy plus one `address-omitted` warning per element left out.
    """
    if not findings or not omits(profile):
        return resource, findings
    dropped: dict[int, Finding] = {}
    for finding in findings:
        if finding.rule == INCOMPLETE:
            match = _ELEMENT.match(finding.attribute)
            if match:
                dropped[int(match.group(1))] = finding
    addresses = resource.get("addresses")
    if not dropped or not isinstance(addresses, list):
        return resource, findings
    kept = [element for i, element in enumerate(addresses) if i not in dropped]
    sent = {key: value for key, value in resource.items() if key != "addresses"}
    if kept:
        sent["addresses"] = kept
    notes = [_omitted(finding) for _index, finding in sorted(dropped.items())]
    return sent, [*profile.check_user(sent), *notes]


def offer_drop(profile: Profile, findings: list[Finding]) -> list[Finding]:
    """For `fix` under `omit`: `incomplete-address` suggests dropping the incomplete address.

    The suggestion (null: leave the element out) passes every rule, as `fix` requires; under
    `block` the finding stays without one, for a person to complete the address.
    """
    if not omits(profile) or not any(f.rule == INCOMPLETE for f in findings):
        return findings
    return [replace(f, suggested_value=None) if f.rule == INCOMPLETE else f for f in findings]


def _omitted(incomplete: Finding) -> Finding:
    return Finding(
        OMITTED,
        Severity.WARNING,
        incomplete.attribute,
        incomplete.value,
        f"Not sent (incomplete_address = omit): {incomplete.message} The user is provisioned "
        "without this address.",
        BY_CODE[OMITTED].fix,
        None,  # the suggestion `fix` offers: drop the incomplete address
    )
