"""`--entra-tenant` and `--entra-client-id`, shared by `sync` and `check` (a module of its own:
`check` must not import what `sync` needs, SQLAlchemy first).

Credentials never come from the command line: the client id may (it is not a secret), the
secret from ENTRA_CLIENT_SECRET, a certificate from the file named by ENTRA_CLIENT_CERTIFICATE.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

ENTRA_ENV = ("ENTRA_CLIENT_SECRET", "ENTRA_CLIENT_CERTIFICATE")


def entra_spec(
    tenant: str, client_id: str | None, mapping: str | None, empty_cells: str = "absent"
) -> dict:
    """The spec of `--entra-tenant`: the app's id from the option or ENTRA_CLIENT_ID, its
    secret or certificate from the environment (checked here, read by the source), and the two
    addresses from ENTRA_GRAPH_URL / ENTRA_AUTHORITY_URL (a national cloud) when set."""
    client_id = client_id or os.environ.get("ENTRA_CLIENT_ID", "").strip()
    if not client_id:
        raise click.UsageError(
            "--entra-tenant needs the app's client id: --entra-client-id ID or ENTRA_CLIENT_ID"
        )
    if not any(os.environ.get(name, "").strip() for name in ENTRA_ENV):
        raise click.UsageError(
            "--entra-tenant needs the app's credential in ENTRA_CLIENT_SECRET, or the path of "
            "its certificate in ENTRA_CLIENT_CERTIFICATE (never on the command line)"
        )
    spec: dict = {"type": "entra", "tenant": tenant.strip(), "client_id": client_id}
    for key, name in (("graph_url", "ENTRA_GRAPH_URL"), ("authority_url", "ENTRA_AUTHORITY_URL")):
        if os.environ.get(name, "").strip():
            spec[key] = os.environ[name].strip().rstrip("/")
    if mapping:
        spec["mapping"] = str(Path(mapping).resolve())
    if empty_cells != "absent":
        spec["empty_cells"] = empty_cells
    return spec


_META = "scimguard.entra"


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None:
        ctx.meta.setdefault(_META, {})[str(param.name)] = value
    return value


def entra_options(function: F) -> F:
    """`--entra-tenant`, `--entra-client-id`: `expose_value=False`, read by `entra_specs` (as
    cli/google_options.py does), so the commands keep their signatures and a `--config` file
    takes them as keys."""
    options = (
        (
            "--entra-tenant",
            "TENANT_ID",
            "Read users and groups from this Microsoft Entra ID tenant (Microsoft Graph; the "
            "app's secret in ENTRA_CLIENT_SECRET or its certificate's path in "
            "ENTRA_CLIENT_CERTIFICATE).",
        ),
        (
            "--entra-client-id",
            "ID",
            "The Entra app registration's client id (default: ENTRA_CLIENT_ID).",
        ),
    )
    for name, metavar, text in reversed(options):
        function = click.option(
            name, metavar=metavar, help=text, expose_value=False, callback=_keep
        )(function)
    return function


def entra_specs(ctx: click.Context, mapping: str | None, empty_cells: str) -> list[dict]:
    """The Entra source spec the options ask for (none without --entra-tenant)."""
    values = ctx.meta.get(_META, {})
    tenant = values.get("entra_tenant")
    if not tenant:
        if values.get("entra_client_id"):
            raise click.UsageError("--entra-client-id needs --entra-tenant TENANT_ID")
        return []
    return [entra_spec(tenant, values.get("entra_client_id"), mapping, empty_cells)]
