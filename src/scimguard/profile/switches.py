"""Switches of the profile (rules.md, "Switches of the profile"): each default has its home here."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

IncompleteAddress = Literal["block", "omit"]
INCOMPLETE_ADDRESS_CHOICES: tuple[IncompleteAddress, ...] = ("block", "omit")


@dataclass(frozen=True, slots=True)
class Switches:
    """Where the Okta article and the raw AWS API disagree, the stricter reading is the default."""

    # `<>;:%` are refused by default (Okta KB, ssosync #7); the current AWS regex allows them.
    allow_legacy_characters: bool = False
    # Okta says every address part must be present; the raw API accepts partial addresses.
    require_complete_address: bool = True
    # What `check`, `sync` and `fix` do with a partial address element (never the emulator,
    # which always refuses it). `omit` by default: most of the world has no state or region,
    # the address is not needed to sign in, and a person provisioned without an address (with
    # the warning `address-omitted`, which keeps the value) serves everyone better than a
    # blocked one; `block` makes the record a task, as Okta's own connector does.
    incomplete_address: IncompleteAddress = "omit"

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Switches:
        """The switches a stored dict holds (a run's options, an upload's, the emulator's
        settings): fields it lacks keep their defaults, keys that are not switches are ignored,
        and an unknown `incomplete_address` reads as the stricter `block`."""
        known = {f.name: stored[f.name] for f in fields(cls) if f.name in stored}
        for name in ("allow_legacy_characters", "require_complete_address"):
            if name in known:
                known[name] = bool(known[name])
        if "incomplete_address" in known and known["incomplete_address"] != "omit":
            known["incomplete_address"] = "block"
        return cls(**known)


DEFAULT_SWITCHES = Switches()
