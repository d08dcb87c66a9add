"""The `scimguard` command. Each sub-command lives in its own module beside this one.

Sub-commands are imported only when they run (Click's lazy-loading recipe): `check` should not
pay for importing SQLAlchemy, Starlette and the rest at every start.

Errors: a sub-command lets `scimguard.errors` rise; `LazyGroup.invoke` hands them to
`cli/errors`, the one place that gives them their message and exit code. The databases are
opened through `cli/databases` (one message, exit 2, for a database that cannot be opened).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import click

from scimguard import __version__
from scimguard.cli.errors import as_click
from scimguard.errors import ScimguardError

# name -> "module:attribute" of each sub-command (keep the list sorted).
COMMANDS = {
    "admin": "scimguard.cli.admin:admin",
    "check": "scimguard.cli.check:check_command",
    "console": "scimguard.cli.console:console",
    "db": "scimguard.cli.db:db",
    "fix": "scimguard.cli.fix:fix_command",
    "inspect": "scimguard.cli.inspect:inspect_command",
    "manual": "scimguard.cli.manual:manual",
    "probe": "scimguard.cli.probe:probe_command",
    "rules": "scimguard.cli.rules:rules_command",
    "serve": "scimguard.cli.serve:serve",
    "sync": "scimguard.cli.sync:sync_command",
    "tasks": "scimguard.cli.tasks:tasks_group",
    "tenant": "scimguard.cli.tenant:tenant",
    "token": "scimguard.cli.tenant:token",
}


class LazyGroup(click.Group):
    """A group that imports a sub-command's module when the sub-command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        module, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(import_module(module), attribute)
        self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Every sub-command's `ScimguardError` shown as `cli/errors` says (message, exit 2)."""
        try:
            return super().invoke(ctx)
        except ScimguardError as exc:
            raise as_click(exc) from None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "-V", "--version", prog_name="scimguard")
def main() -> None:
    """Predictable SCIM provisioning into AWS IAM Identity Center.

    \b
    A typical flow:
      scimguard check users.csv groups.json      what would AWS refuse, and why
      scimguard fix users.csv -o fixed.csv       apply the safe suggestions (with undo)
      scimguard sync fixed.csv --target URL      provision, within AWS's quotas
      scimguard tasks list                       what did not go through, and why
      scimguard console                          the same, with Retry Selected

    `scimguard serve` runs a local endpoint that behaves like AWS IAM Identity Center.
    """
