"""The live directories a command can read instead of files: Google Workspace and Entra ID.

`sync` and `check` take the same options (each source's own module defines them and builds its
spec); `directory_specs` is the one list of specs they ask for. A new directory source adds its
options here, and both commands have them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from scimguard.cli.entra import entra_options, entra_specs
from scimguard.cli.google_options import google_options, google_specs

F = TypeVar("F", bound=Callable[..., Any])
DIRECTORY_OPTIONS = "--okta-org URL, --google-customer ID or --entra-tenant TENANT_ID"


def directory_options(function: F) -> F:
    return google_options(entra_options(function))


def directory_specs(ctx: click.Context, mapping: str | None, empty_cells: str) -> list[dict]:
    """The specs of every live directory the options name (none when they name none)."""
    return [*google_specs(ctx, mapping), *entra_specs(ctx, mapping, empty_cells)]
