"""`scimguard rules [CODE]`: the rule catalogue, from the same text as docs/rules/."""

from __future__ import annotations

from pathlib import Path

import click

from scimguard import rules_doc
from scimguard.cli.options import rule_code
from scimguard.profile import RULES


@click.command("rules")
@click.argument("code", required=False, callback=rule_code)
@click.option(
    "--write-docs",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one Markdown page per rule into this directory (docs/rules).",
)
def rules_command(code: str | None, write_docs: Path | None) -> None:
    """List the rules, or explain one rule CODE with an example."""
    from rich.markdown import Markdown

    from scimguard.cli.check import console

    if write_docs is not None:
        written = rules_doc.write(write_docs)
        click.echo(f"wrote {len(written)} pages to {write_docs}")
        return
    out = console()
    if code is None:
        from rich.table import Table

        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("code", style="bold", no_wrap=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("what")
        for rule in RULES:
            severity = rule.severity.value if rule.severity else "target"
            style = {"error": "red", "warning": "yellow"}.get(severity, "cyan")
            table.add_row(rule.code, f"[{style}]{severity}[/]", rule.title)
        out.print(table)
        out.print("\n`scimguard rules CODE` explains one rule.")
        return
    asked = rules_doc.get(code)
    if asked is None:
        raise click.UsageError(f"no rule {code!r}; `scimguard rules` lists them")
    text = rules_doc.render(asked)
    if out.is_terminal:
        out.print(Markdown(text))
    else:
        click.echo(text)
