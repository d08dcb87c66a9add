"""Switches of the profile (rules.md, "Switches of the profile")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Switches:
    """Where the Okta article and the raw AWS API disagree, the stricter reading is the default."""

    # `<>;:%` are refused by default (Okta KB, ssosync #7); the current AWS regex allows them.
    allow_legacy_characters: bool = False
    # Okta says every address part must be present; the raw API accepts partial addresses.
    require_complete_address: bool = True


DEFAULT_SWITCHES = Switches()
