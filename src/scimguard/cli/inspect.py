"""`scimguard inspect VALUE`: every code point of a value, with the profile's verdict."""

from __future__ import annotations

import sys

import click

from scimguard.cli.options import output_options, switch_options
from scimguard.errors import PathError
from scimguard.profile import Profile, Switches
from scimguard.records.paths import parse_path


@click.command("inspect")
@click.argument("value", required=False)
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the value from standard input.")
@click.option(
    "--attribute",
    default="displayName",
    show_default=True,
    help="The SCIM attribute the value is sent as (identifiers such as userName are stricter).",
)
@switch_options("allow_legacy_characters")
@output_options("The table of code points: text, or json.")
def inspect_command(
    value: str | None,
    from_stdin: bool,
    attribute: str,
    switches: Switches,
    as_json: bool,
) -> None:
    """Show every code point of VALUE: character, U+XXXX, name, category and verdict.

    With --stdin the value is read from standard input (one final newline is dropped).
    Exit code 1 when the profile refuses the value, 0 otherwise.
    """
    from scimguard.check_text import show_value
    from scimguard.cli.check import console
    from scimguard.inspect_value import code_points, findings_for

    if (value is None) == (not from_stdin):
        raise click.UsageError("give a VALUE or --stdin (one of them)")
    if from_stdin:
        raw = sys.stdin.buffer.read()
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise click.UsageError(
                f"standard input is not UTF-8 (byte 0x{raw[exc.start]:02X} at {exc.start + 1})"
            ) from exc
        if value.endswith("\r\n"):
            value = value[:-2]
        elif value.endswith("\n"):
            value = value[:-1]
    assert value is not None
    try:
        parse_path(attribute)
    except PathError as exc:
        raise click.UsageError(str(exc)) from exc
    profile = Profile(switches)
    points = code_points(value, attribute, profile)
    findings = findings_for(value, attribute, profile)
    refused = any(f.severity.value == "error" for f in findings)
    if as_json:
        import orjson

        doc = {
            "value": value,
            "attribute": attribute,
            "code_points": [p.to_dict() for p in points],
            "findings": [f.to_dict() for f in findings],
        }
        click.echo(orjson.dumps(doc).decode())
        sys.exit(1 if refused else 0)
    from rich.table import Table
    from rich.text import Text

    out = console()
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("#", "char", "code point", "name", "cat.", "verdict"):
        table.add_column(column, no_wrap=column != "name")
    for point in points:
        style = {"error": "bold red", "warning": "yellow"}.get(point.severity or "", "green")
        table.add_row(
            str(point.position),
            Text(point.shown),
            point.codepoint,
            point.name,
            point.category,
            Text(point.verdict, style=style),
        )
    out.print(Text(f"{attribute} = {show_value(value, 200)} ({len(value)} code points)"))
    out.print(table)
    if findings:
        for finding in findings:
            style = "bold red" if finding.severity.value == "error" else "yellow"
            line = Text(f"{finding.severity.value} {finding.rule}: ", style=style)
            line.append(finding.message, style="default")
            out.print(line)
    else:
        out.print(
            Text(f"AWS IAM Identity Center accepts this value as {attribute}.", style="green")
        )
    sys.exit(1 if refused else 0)
