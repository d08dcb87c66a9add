"""The probe records: one open question of the profile each, versioned (docs/probe.md).

A probe is a short list of users to create in order: every one but the last sets the scene (it
must be accepted, or the probe is inconclusive), and the tenant's answer to the last one is the
answer to the question. The profile's answer is not written here: it is what `check` says of
the same records (probe/verdict.py), so the catalogue cannot drift from the rules.

Each body is a complete, valid user but for the one thing under test; every userName starts
with the run's prefix, so nothing a probe creates can be mistaken for a real user.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from scimguard.profile.schema import DEFAULT_MAX_LENGTH

CATALOGUE_VERSION = "2026-12.1"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LEGACY_CHARACTERS = "<>;:%"

# The switch a probe settles, when it settles one (profile/switches.py names them).
ALLOW_LEGACY = "allow_legacy_characters"
COMPLETE_ADDRESS = "require_complete_address"


@dataclass(frozen=True)
class Probe:
    id: str
    question: str
    bodies: tuple[dict[str, Any], ...]
    switch: str | None = None  # the profile switch this probe's answer sets, if any

    @property
    def user_names(self) -> list[str]:
        return [body["userName"] for body in self.bodies]


def user(prefix: str, suffix: str, **changes: Any) -> dict[str, Any]:
    """A valid user named `prefix-suffix`, with `changes` applied (None removes an attribute)."""
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": f"{prefix}-{suffix}",
        "name": {"givenName": "Probe", "familyName": "Record"},
        "displayName": "Probe Record",
    }
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


_ADDRESS = {
    "type": "work",
    "streetAddress": "1 Probe Street",
    "locality": "Lyon",
    "region": "ARA",
    "postalCode": "69001",
    "country": "FR",
}


def catalogue(prefix: str) -> list[Probe]:
    """Every probe of this catalogue version, for userNames starting with `prefix`."""
    probes = [
        Probe(
            "control",
            "A plain, valid user is accepted (the probe itself works)",
            (user(prefix, "control"),),
        ),
    ]
    for number, char in enumerate(LEGACY_CHARACTERS, 1):
        probes.append(
            Probe(
                f"legacy-{number}",
                f"Is {char!r} refused in displayName? (the Okta article: yes; the API regex: no)",
                (user(prefix, f"legacy-{number}", displayName=f"Probe {char} Record"),),
                ALLOW_LEGACY,
            )
        )
    partial = {"type": "work", "locality": "Lyon", "country": "FR"}
    probes += [
        Probe(
            "address-partial",
            "Is an address without street, region and postal code refused?",
            (user(prefix, "address-partial", addresses=[partial]),),
            COMPLETE_ADDRESS,
        ),
        Probe(
            "address-complete",
            "Is a complete address accepted?",
            (user(prefix, "address-complete", addresses=[_ADDRESS]),),
        ),
        Probe(
            "hidden-zero-width-space",
            "Is a zero-width space (U+200B) inside a name refused?",
            (user(prefix, "zwsp", name={"givenName": "Pro\u200bbe", "familyName": "Record"}),),
        ),
        Probe(
            "empty-string",
            'Is an empty string ("") where null is meant refused?',
            (user(prefix, "empty", title=""),),
        ),
        Probe(
            "length-at-limit",
            f"Is a displayName of {DEFAULT_MAX_LENGTH} characters accepted?",
            (user(prefix, "len-at", displayName="P" * DEFAULT_MAX_LENGTH),),
        ),
        Probe(
            "length-past-limit",
            f"Is a displayName of {DEFAULT_MAX_LENGTH + 1} characters refused?",
            (user(prefix, "len-past", displayName="P" * (DEFAULT_MAX_LENGTH + 1)),),
        ),
        Probe(
            "unique-case",
            "Are userNames unique regardless of case?",
            (user(prefix, "case"), user(prefix, "CASE")),
        ),
        Probe(
            "unique-normalization",
            "Are userNames unique after Unicode normalization (NFC and NFD of the same name)?",
            (
                user(prefix, unicodedata.normalize("NFC", "norm-\u00e9")),
                user(prefix, unicodedata.normalize("NFD", "norm-\u00e9")),
            ),
        ),
    ]
    return probes
