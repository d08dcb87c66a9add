"""Options shared by the commands that read records (`check`, `fix`, `sync`), and the one
check of a rule-code argument (`rules CODE`, `fix --rule`, `tasks list --rule`).

One definition each, so the commands read inputs, set the profile's switches and take rule
codes alike. The switches reach a command whole, as `switches: Switches` (`switch_options`):
this is the one place the command line turns into the profile's `Switches`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import click

from scimguard.profile.file import ProfileFileError, load_profile_file
from scimguard.profile.switches import DEFAULT_SWITCHES, INCOMPLETE_ADDRESS_CHOICES
from scimguard.rates import READS_PER_SECOND, WRITES_PER_SECOND
from scimguard.records import FORMATS
from scimguard.records.inputs import CHOSEN_ENCODING, encoding_name

F = TypeVar("F", bound=Callable[..., Any])


def _compose(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def rule_code(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A click callback: each rule code as the catalogue spells it (case-insensitive), or a
    usage error with the closest codes (`forbiden-character` -> `forbidden-character`)."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(rule_code(ctx, param, one) for one in value)
    from difflib import get_close_matches

    from scimguard.profile import BY_CODE

    code = value.strip().lower()
    if code in BY_CODE:
        return code
    close = get_close_matches(code, list(BY_CODE), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise click.BadParameter(f"no rule {value!r}{hint} (`scimguard rules` lists them)")


def _choose_encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """--encoding: checked here, then set for every file this command opens
    (`records.inputs.CHOSEN_ENCODING`), so check, fix and sync need no parameter of their own."""
    if value is None:
        return
    try:
        encoding_name(value)
    except LookupError:
        message = f"unknown encoding {value!r} (e.g. windows-1252, utf-16, latin-1)"
        raise click.BadParameter(message) from None
    CHOSEN_ENCODING.set(value)


input_options = _compose(
    click.option(
        "--encoding",
        callback=_choose_encoding,
        expose_value=False,
        help="Encoding of every input (default: UTF-8 with or without BOM, UTF-16 with BOM, "
        "else detected and named in the report).",
    ),
    click.option(
        "--input-format",
        type=click.Choice(FORMATS),
        help="Format of every input (default: detected from the content of each file).",
    ),
    click.option(
        "--mapping",
        type=click.Path(dir_okay=False, exists=True),
        help="TOML file: target SCIM path = source attribute or template (CSV and Okta input).",
    ),
    click.option(
        "--empty-cells",
        type=click.Choice(["absent", "empty-string"]),
        default="absent",
        show_default=True,
        help='Read an empty CSV cell as absent, or as "" (as a connector sending every attribute).',
    ),
)


def _load_profile_file(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--profile FILE`: its switches become defaults; an option on the command line still wins."""
    if not value:
        return
    try:
        switches = load_profile_file(value)
    except ProfileFileError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    ctx.default_map = {**switches, **(ctx.default_map or {})}


def _set_switch(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Each switch option sets its field of the one `switches` parameter the command takes."""
    current = ctx.params.get("switches", DEFAULT_SWITCHES)
    ctx.params["switches"] = replace(current, **{str(param.name): value})


_SWITCH_OPTIONS = {
    "allow_legacy_characters": click.option(
        "--allow-legacy-characters",
        is_flag=True,
        default=DEFAULT_SWITCHES.allow_legacy_characters,
        callback=_set_switch,
        expose_value=False,
        help="Allow < > ; : % (the current AWS regex accepts them; the Okta article does not).",
    ),
    "require_complete_address": click.option(
        "--require-complete-address/--no-require-complete-address",
        default=DEFAULT_SWITCHES.require_complete_address,
        show_default=True,
        callback=_set_switch,
        expose_value=False,
        help="Refuse addresses that lack any of street, city, state, zip code, country.",
    ),
    "incomplete_address": click.option(
        "--incomplete-address",
        type=click.Choice(INCOMPLETE_ADDRESS_CHOICES),
        default=DEFAULT_SWITCHES.incomplete_address,
        show_default=True,
        callback=_set_switch,
        expose_value=False,
        help="A partial address: omit it from what is sent (warning address-omitted) or block "
        "the user (error incomplete-address). The emulator always refuses it.",
    ),
}


def switch_options(*names: str) -> Callable[[F], F]:
    """The profile's switch options `names` (all of them by default); the command takes them
    whole, as one `switches: Switches` parameter (the fields it offers no option for keep
    their defaults)."""
    return _compose(*(_SWITCH_OPTIONS[name] for name in names or _SWITCH_OPTIONS))


_PROFILE_FILE_OPTION = click.option(
    "--profile",
    type=click.Path(dir_okay=False),
    is_eager=True,  # before the switch options, whose defaults it sets
    expose_value=False,
    callback=_load_profile_file,
    metavar="FILE",
    help="A profile file (written by `scimguard probe`): its switches as defaults.",
)
profile_options = _compose(_PROFILE_FILE_OPTION, switch_options())


# --- the one output switch (docs/command-language.md) -----------------------------------------


def _format_callback(
    dest: str, default: str | None, as_bool: bool
) -> Callable[[click.Context, click.Parameter, Any], None]:
    """Set `dest` from --format or from the hidden --json alias, whichever was given.

    Both options are expose_value=False and write `dest` here, so click's order of processing
    (given options first, then the rest) cannot let the one not given undo the other."""
    key = f"scimguard.format.{dest}"

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        chosen = "json" if value is True else value if isinstance(value, str) else None
        if chosen is None:
            if key not in ctx.meta:
                ctx.params[dest] = (default == "json") if as_bool else default
            return
        before = ctx.meta.get(key)
        if before is not None and before != chosen:
            other = chosen if before == "json" else before
            raise click.UsageError(f"--json means --format json, not --format {other}")
        ctx.meta[key] = chosen
        ctx.params[dest] = (chosen == "json") if as_bool else chosen

    return callback


def output_options(
    help: str,
    *,
    choices: tuple[str, ...] = ("text", "json"),
    default: str | None = "text",
    dest: str = "as_json",
) -> Callable[[F], F]:
    """`--format text|json[|csv]`, the one output switch of every command that prints data,
    with `--json` kept as a hidden alias of `--format json` for one release.

    `dest="as_json"` hands the command a bool (json or not); any other name gets the format."""
    as_bool = dest == "as_json"
    callback = _format_callback(dest, default, as_bool)
    return _compose(
        click.option(
            "--format",
            "format_choice",
            type=click.Choice(choices),
            default=None,
            callback=callback,
            expose_value=False,
            help=help,
        ),
        click.option(
            "--json",
            "json_alias",
            is_flag=True,
            default=False,
            callback=callback,
            expose_value=False,
            hidden=True,
            help="Same as --format json (kept for one release).",
        ),
    )


# --- a SCIM target's token and pace (`sync`, `probe`) -------------------------------------------

token_options = _compose(
    click.option(
        "--token-env",
        default="SCIMGUARD_TARGET_TOKEN",
        show_default=True,
        metavar="VAR",
        help="Environment variable holding the target's bearer token.",
    ),
    click.option(
        "--token-file",
        type=click.Path(dir_okay=False),
        metavar="PATH",
        help="File holding the target's bearer token (instead of --token-env).",
    ),
)

rate_options = _compose(
    click.option(
        "--rate-writes",
        default=WRITES_PER_SECOND,
        show_default=True,
        type=float,
        help="Writes per second this run keeps to: a client's pace, not the quota a server "
        f"enforces (`serve --quota-writes`; AWS's is {WRITES_PER_SECOND:g}).",
    ),
    click.option(
        "--rate-reads",
        default=READS_PER_SECOND,
        show_default=True,
        type=float,
        help="Reads per second this run keeps to: a client's pace, not the quota a server "
        f"enforces (`serve --quota-reads`; AWS's is {READS_PER_SECOND:g}).",
    ),
)
