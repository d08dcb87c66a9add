"""`--entra-tenant` and `--entra-client-id`, shared by `sync` and `check` (a module of its own:
`check` must not import what `sync` needs, SQLAlchemy first).

Credentials never come from the command line: the client id may (it is not a secret), the
secret from ENTRA_CLIENT_SECRET, a certificate from the file named by ENTRA_CLIENT_CERTIFICATE.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

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


entra_options = (
    click.option(
        "--entra-tenant",
        metavar="TENANT_ID",
        help="Read users and groups from this Microsoft Entra ID tenant (Microsoft Graph; the "
        "app's secret in ENTRA_CLIENT_SECRET or its certificate's path in "
        "ENTRA_CLIENT_CERTIFICATE).",
    ),
    click.option(
        "--entra-client-id",
        metavar="ID",
        help="The Entra app registration's client id (default: ENTRA_CLIENT_ID).",
    ),
)


def with_entra_options(function):  # type: ignore[no-untyped-def]
    for option in reversed(entra_options):
        function = option(function)
    return function
