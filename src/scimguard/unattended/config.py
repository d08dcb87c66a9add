"""`scimguard sync --config FILE`: the command's options from a TOML file, checked up front.

The keys are the long options of `scimguard sync` without their dashes (`target`, `token-env`,
`okta-group = ["Eng"]`, `max-removals = "5%"`, `every = "30m"`), plus `sources`, the list of
files. The file becomes Click's `default_map`, so an option typed on the command line always
wins, and an option the command gains tomorrow is accepted here without a change.

Everything is checked before anything runs, by the option's own Click type: a wrong key or
value stops with the file, the line and the key (exit status 2). Relative paths are relative to
the file, so a unit file or a cron line can start anywhere.

Secrets never go in the file: a key that names one (`token`, `password`, `api-key`, ...), an
`*-env` value that is not a variable's name, and a database URL with a password are refused.
The token comes from the variable named by `token-env` or the file named by `token-file`; a
PostgreSQL password from `PGPASSWORD` or a `.pgpass` file (libpq reads both).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from scimguard.errors import UsageError
from scimguard.sync.planner import parse_max_removals

SOURCES_KEY = "sources"
NOT_IN_FILE = frozenset({"config", "help"})  # options that make no sense inside the file
_SECRET_KEY = re.compile(r"token|passw|secret|api[-_]?key|credential|private[-_]?key", re.I)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}\Z")


class ConfigError(UsageError, click.UsageError):
    """A problem of the config file (exit status 2), named by file, line and key."""


def line_of(text: str, key: str) -> int | None:
    """The line where `key` is set (tomllib keeps no positions; a flat file makes this exact)."""
    pattern = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def option_keys(command: click.Command) -> dict[str, click.Parameter]:
    """Config key -> parameter: `--rate-writes` is `rate-writes`, the argument is `sources`."""
    keys: dict[str, click.Parameter] = {}
    for param in command.params:
        if isinstance(param, click.Argument):
            keys[SOURCES_KEY if param.name == "sources" else str(param.name)] = param
            continue
        longs = [o for o in param.opts if o.startswith("--")]
        if param.name not in NOT_IN_FILE:
            for long in longs:  # an old spelling (`db` for `state-db`) is a key too
                keys.setdefault(long[2:], param)
    return keys


def load_config(ctx: click.Context, path: Path) -> dict[str, Any]:
    """The file as a `default_map` (parameter name -> value); raises `ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--config {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--config {path}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    keys = option_keys(ctx.command)
    out: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}, line {line_of(text, key) or '?'}, `{key}`"
        param = keys.get(key)
        if param is None:
            raise ConfigError(f"{where}: {_unknown(key, value, keys)}")
        out[str(param.name)] = _value(ctx, param, key, value, where, path.parent)
    return out


def _unknown(key: str, value: Any, keys: dict[str, click.Parameter]) -> str:
    if _SECRET_KEY.search(key):
        return (
            "a secret never goes in the config file. Put it in an environment variable and "
            'name the variable (token-env = "VAR"), or in a file readable only by the '
            'service and name the file (token-file = "/path")'
        )
    if isinstance(value, dict):
        return "tables are not used: write the options at the top level of the file"
    close = difflib.get_close_matches(key, list(keys), n=1)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return f"unknown key (the keys are the options of `scimguard sync --help`).{hint}"


def _value(
    ctx: click.Context, param: click.Parameter, key: str, value: Any, where: str, base: Path
) -> Any:
    if isinstance(param, click.Option) and param.is_flag and not param.multiple:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: give true or false")
        return value
    many = param.multiple or param.nargs == -1
    if many:
        items = value if isinstance(value, list) else [value]
        return [_scalar(ctx, param, key, item, where, base) for item in items]
    if isinstance(value, list):
        raise ConfigError(f"{where}: give one value, not a list")
    return _scalar(ctx, param, key, value, where, base)


def _scalar(
    ctx: click.Context, param: click.Parameter, key: str, value: Any, where: str, base: Path
) -> Any:
    if isinstance(value, dict | list | bool):
        raise ConfigError(f"{where}: give a {param.type.name.lower()}, not {value!r}")
    if isinstance(value, str):
        _refuse_secret(key, value, where)
        if isinstance(param.type, click.Path) and value and not Path(value).is_absolute():
            value = str(base / value)
    try:
        converted = param.type.convert(value, param, ctx)
    except click.BadParameter as exc:
        raise ConfigError(f"{where}: {exc.message}") from None
    check = _CHECKS.get(key)
    problem = check(converted) if check else None
    if problem:
        raise ConfigError(f"{where}: {problem}")
    return converted


def _max_removals(value: str) -> str | None:
    try:
        parse_max_removals(value, 100)
    except ValueError:
        return 'give a count (10) or a percentage ("5%")'
    return None


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be more than 0"


def _exists(value: str) -> str | None:
    return None if Path(value).exists() else f"{value}: no such file"


# What the option's type cannot say; the command checks these again, without the line.
_CHECKS: dict[str, Callable[[Any], str | None]] = {
    SOURCES_KEY: _exists,
    "max-removals": _max_removals,
    "rate-writes": _positive,
    "rate-reads": _positive,
    "lease-ttl": _positive,
}


def _refuse_secret(key: str, value: str, where: str) -> None:
    if key.endswith("-env") and not _ENV_NAME.match(value):
        raise ConfigError(
            f"{where}: give the NAME of an environment variable (letters, digits, _); this "
            "looks like a value, and a secret never goes in the config file"
        )
    if "://" in value:
        try:
            password = urlsplit(value).password
        except ValueError:
            password = None
        if password:
            raise ConfigError(
                f"{where}: the URL holds a password, and a secret never goes in the config "
                "file. Leave it out and set PGPASSWORD, or use a .pgpass file"
            )
