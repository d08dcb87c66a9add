"""How AWS reads a true/false attribute (`active`, `primary`): `true`/`false` or those strings.

A leaf of its own, so the records' mapping, the duplicate rules, the emulator and the engine read
a boolean exactly as the profile's walk judges it, without importing the walk.
"""

from __future__ import annotations

from typing import Any

_BOOL_STRINGS = {"true": True, "false": False}


def as_bool(value: Any) -> bool | None:
    """AWS reads `true`/`false` and the strings "true"/"false" in any case; else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _BOOL_STRINGS.get(value.lower())
    return None
