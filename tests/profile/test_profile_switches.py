"""`Switches.from_dict`: the one way a stored dict (a run, an upload, the emulator's settings)
becomes the profile's switches."""

from __future__ import annotations

from scimguard.profile.switches import DEFAULT_SWITCHES, Switches


def test_a_stored_dict_keeps_its_switches_and_ignores_the_rest():
    stored = {"allow_legacy_characters": 1, "incomplete_address": "omit", "rate_writes": 5.0}
    assert Switches.from_dict(stored) == Switches(
        allow_legacy_characters=True, require_complete_address=True, incomplete_address="omit"
    )


def test_missing_fields_keep_their_defaults_and_an_unknown_choice_is_the_strict_one():
    assert Switches.from_dict({}) == DEFAULT_SWITCHES
    assert Switches.from_dict({"incomplete_address": "drop"}).incomplete_address == "block"
    assert Switches.from_dict({"require_complete_address": 0}).require_complete_address is False
