"""The errors scimguard raises for input and invocations it cannot use, in one tree.

    ScimguardError                  a message for a person: never shown as a traceback
    ├── InputError                  what was given cannot be used; the CLI says `error: ...`, exit 2
    │   ├── UnusableInput           records: an input that cannot be read at all (missing file,
    │   │                             unknown format, no column for userName)
    │   ├── MappingError            records: a --mapping file that cannot be used (a ValueError)
    │   ├── PathError               records: a header or mapping target that is not a SCIM path
    │   │                             (a ValueError)
    │   ├── FixInputError           fix: an input it cannot rewrite safely (UTF-16, invalid JSON)
    │   ├── UndoError               fix --undo: an undo that cannot be done safely
    │   └── AccountError            console: a username or password that cannot be used
    │                                 (a ValueError)
    └── UsageError                  the invocation cannot be used; the CLI says `Error: ...`, exit 2
        ├── DatabaseUnavailable     a database that cannot be opened or migrated
        └── ConfigError             unattended: a problem of `sync --config FILE` (also a
                                      click.UsageError, raised while click parses; defined there)

Each error is raised where the problem is found and rendered in one place: `scimguard.cli.errors`
(the exit codes of docs/command-language.md). The console renders `InputError` on its page.

Not in the tree, on purpose: `sources.snapshot.SourceError` (a source read that failed is a
problem the run reports and goes on with, not an exit), control flow that never reaches a
person as such (`unattended.runner.Interrupted`, `fix.editors.Unwritable`), the target's
answers (`sync.client.TargetUnauthorized`, `TargetReadFailed`, turned into the run's outcome)
and the emulator's refusals (`server.errors.ScimError`, rendered as AWS's HTTP body).

A leaf module: it imports nothing of scimguard, so every package can raise these.
"""

from __future__ import annotations


class ScimguardError(Exception):
    """Base of the tree: the message says what is wrong and, where it helps, what to do."""


class InputError(ScimguardError):
    """Something given to scimguard (a file, a mapping, a value) cannot be used."""


class UnusableInput(InputError):
    """An input that cannot be read at all (missing file, unknown format): exit code 2."""


class MappingError(InputError, ValueError):
    """A mapping file that cannot be used (bad TOML, a target that is not a SCIM path)."""


class PathError(InputError, ValueError):
    """A header or mapping target that is not a SCIM path."""


class FixInputError(InputError):
    """An input `fix` cannot rewrite safely (not a file, UTF-16, invalid JSON...): exit code 2."""


class UndoError(InputError):
    """An undo that cannot be done safely (the message says why); nothing was changed."""


class AccountError(InputError, ValueError):
    """A username or password that cannot be used (message says why)."""


class UsageError(ScimguardError):
    """The invocation cannot be used as given (an option, a database it names)."""


class DatabaseUnavailable(UsageError):
    """A database that cannot be opened (a bad URL, an unreachable server, a file in the way).

    `shown` is the URL with its password hidden; `option` the option that names it."""

    def __init__(self, shown: str, option: str, cause: BaseException) -> None:
        super().__init__(
            f"cannot open the database {shown} ({option}): {cause.__class__.__name__}: {cause}"
        )
        self.shown = shown
        self.option = option
