"""The one place the command line turns scimguard's errors (`scimguard.errors`) into what a
person reads and the exit code.

- `InputError` (a file, a mapping, a value that cannot be used): one line `error: ...` on
  stderr, exit 2, no usage text: the input is wrong, not the call.
- `UsageError` (an option, a database that cannot be opened): click's `Error: ...`, exit 2.

`main` (cli/__init__) applies this to every sub-command, so a command lets these errors rise;
it catches one only to add what the message lacks (fix names its INPUT).
"""

from __future__ import annotations

from typing import IO, Any

import click

from scimguard.errors import InputError, ScimguardError

EXIT_UNUSABLE = 2  # docs/command-language.md: unusable invocation or input


class InputFailure(click.ClickException):
    """An `InputError` as click shows it: `error: message`, exit 2."""

    exit_code = EXIT_UNUSABLE

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def as_click(exc: ScimguardError) -> click.ClickException:
    """The click exception that shows `exc` with its message and exit code."""
    if isinstance(exc, click.ClickException):  # ConfigError: already one
        return exc
    if isinstance(exc, InputError):
        return InputFailure(str(exc))
    return click.UsageError(str(exc))
