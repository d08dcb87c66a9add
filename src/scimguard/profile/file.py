"""A profile file: the switches that make the profile agree with one tenant (`--profile FILE`).

    # written by `scimguard probe` against https://scim.../scim/v2 on 2026-12-02
    [switches]
    allow-legacy-characters = true
    require-complete-address = false

`scimguard probe` writes it; `check`, `sync`, `fix` and `serve` read it with `--profile`, as
defaults that an option typed on the command line still overrides. Only the switches of
profile/switches.py may be set (each default keeps its one home there); anything else in the
file is refused with its line, so a typo cannot silently leave a default in force.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

from scimguard.profile.switches import INCOMPLETE_ADDRESS_CHOICES, Switches

SECTION = "switches"


class ProfileFileError(ValueError):
    """A profile file that cannot be used; the message names the file, line and key."""


def _key(name: str) -> str:
    return name.replace("_", "-")


KEYS = {_key(f.name): f.name for f in fields(Switches)}


def _line_of(text: str, key: str) -> str:
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return f"line {number}"
    return "line ?"


def load_profile_file(path: str | Path) -> dict[str, Any]:
    """The switches a profile file sets, by `Switches` field name; raises `ProfileFileError`."""
    # why: tomllib only when a profile file is given (every `check` imports this module)
    import tomllib

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ProfileFileError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ProfileFileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileFileError(f"{path}: not valid TOML: {exc}") from None
    extra = sorted(set(data) - {SECTION, "probe"})
    if extra:
        raise ProfileFileError(
            f"{path}: unknown section or key {extra[0]!r} (expected [{SECTION}])"
        )
    table = data.get(SECTION, {})
    if not isinstance(table, dict):
        raise ProfileFileError(f"{path}: `{SECTION}` must be a table")
    out: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{path}, {_line_of(text, key)}, `{key}`"
        name = KEYS.get(key)
        if name is None:
            raise ProfileFileError(f"{where}: not a switch (known: {', '.join(sorted(KEYS))})")
        if name == "incomplete_address":
            if value not in INCOMPLETE_ADDRESS_CHOICES:
                raise ProfileFileError(f"{where}: one of {', '.join(INCOMPLETE_ADDRESS_CHOICES)}")
        elif not isinstance(value, bool):
            raise ProfileFileError(f"{where}: true or false")
        out[name] = value
    return out


def switches_of_file(path: str | Path) -> Switches:
    """The switches of a profile file, the rest at their defaults (the file's one input path)."""
    return Switches(**load_profile_file(path))


def dump_profile_file(switches: Switches, comments: list[str], probe: dict[str, str]) -> str:
    """The TOML text of a profile file (`comments` become `#` lines at the top)."""
    lines = [f"# {c}" for c in comments]
    lines += ["", f"[{SECTION}]"]
    for f in fields(Switches):
        value = getattr(switches, f.name)
        shown = ("true" if value else "false") if isinstance(value, bool) else f'"{value}"'
        lines.append(f"{_key(f.name)} = {shown}")
    lines += ["", "[probe]"]
    lines += [f"{key} = {_quote(value)}" for key, value in probe.items()]
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
