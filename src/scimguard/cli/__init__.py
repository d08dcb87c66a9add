"""The `scimguard` command. Each sub-command lives in its own module beside this one."""

from __future__ import annotations

import click

from scimguard import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="scimguard")
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


# Sub-commands register themselves here, one import per module (keep the list sorted).
from scimguard.cli.admin import admin  # noqa: E402
from scimguard.cli.check import check_command  # noqa: E402
from scimguard.cli.console import console  # noqa: E402
from scimguard.cli.db import db  # noqa: E402
from scimguard.cli.fix import fix_command  # noqa: E402
from scimguard.cli.inspect import inspect_command  # noqa: E402
from scimguard.cli.manual import manual  # noqa: E402
from scimguard.cli.rules import rules_command  # noqa: E402
from scimguard.cli.serve import serve  # noqa: E402
from scimguard.cli.sync import sync_command  # noqa: E402
from scimguard.cli.tasks import tasks_group  # noqa: E402
from scimguard.cli.tenant import tenant, token  # noqa: E402

main.add_command(admin)
main.add_command(check_command)
main.add_command(console)
main.add_command(db)
main.add_command(fix_command)
main.add_command(inspect_command)
main.add_command(manual)
main.add_command(rules_command)
main.add_command(serve)
main.add_command(sync_command)
main.add_command(tasks_group)
main.add_command(tenant)
main.add_command(token)
