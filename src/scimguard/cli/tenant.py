"""`scimguard tenant` and `scimguard token`: emulator tenants and their access tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
import orjson

from scimguard.cli.options import output_options
from scimguard.cli.serve import db_option, resolve_db

if TYPE_CHECKING:  # the server is imported when a command runs: `--help` stays fast
    from scimguard.server.db import Database


def _open(db_url: str | None) -> Database:
    from scimguard.server.db import Database
    from scimguard.store.db import redact

    url = resolve_db(db_url)
    try:
        return Database(url)
    except Exception as exc:
        raise click.ClickException(f"cannot open the database {redact(url)}: {exc}") from None


def _base_url(base: str, tenant_id: str) -> str:
    return f"{base.rstrip('/')}/{tenant_id}/scim/v2"


@click.group()
def tenant() -> None:
    """Tenants of the emulator (one per simulated AWS IAM Identity Center instance)."""


@tenant.command("create")
@db_option
@click.option(
    "--url",
    "base",
    default="http://127.0.0.1:8080",
    show_default=True,
    help="Where `scimguard serve` listens (for the printed SCIM base URL).",
)
@output_options("text, or json: {tenant_id, scim_base_url, token}.")
def tenant_create(db_url: str | None, base: str, as_json: bool) -> None:
    """Create a tenant and its first access token (shown once)."""
    from scimguard.server.tokens import create_tenant, create_token

    db = _open(db_url)
    tenant_id = create_tenant(db)
    _info, token = create_token(db, tenant_id)
    db.dispose()
    out = {"tenant_id": tenant_id, "scim_base_url": _base_url(base, tenant_id), "token": token}
    if as_json:
        click.echo(orjson.dumps(out).decode())
        return
    click.echo(f"tenant id:      {tenant_id}")
    click.echo(f"SCIM base URL:  {out['scim_base_url']}")
    click.echo(f"access token:   {token}")
    click.echo("The token is shown only this once; it is stored as a hash.", err=True)


@tenant.command("list")
@db_option
@output_options("Output: text (default), or json.")
def tenant_list(db_url: str | None, as_json: bool) -> None:
    """List the tenants."""
    from scimguard.server.tokens import list_tenants

    db = _open(db_url)
    tenants = list_tenants(db)
    db.dispose()
    if as_json:
        click.echo(orjson.dumps(tenants).decode())
    else:
        for tenant_id in tenants:
            click.echo(tenant_id)


@click.group()
def token() -> None:
    """Access tokens of a tenant: at most two live, one year by default."""


@token.command("create")
@db_option
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@click.option(
    "--days",
    default=365.0,
    show_default=True,
    type=click.FloatRange(min=0.0001),
    help="Validity in days.",
)
@output_options("Output: text (default), or json.")
def token_create(db_url: str | None, tenant_id: str, days: float, as_json: bool) -> None:
    """Create a token (shown once)."""
    from scimguard.server.tokens import TokenLimitError, UnknownTenantError, create_token

    db = _open(db_url)
    try:
        info, secret = create_token(db, tenant_id, days)
    except UnknownTenantError:
        raise click.BadParameter(
            f"no tenant {tenant_id!r} in this database", param_hint="--tenant"
        ) from None
    except TokenLimitError:
        raise click.ClickException(
            f"tenant {tenant_id} already has two live tokens; revoke one first "
            "(scimguard token revoke)"
        ) from None
    finally:
        db.dispose()
    if as_json:
        click.echo(orjson.dumps({**info.to_dict(), "token": secret}).decode())
        return
    click.echo(f"token id:  {info.id}")
    click.echo(f"expires:   {info.to_dict()['expires']}")
    click.echo(f"token:     {secret}")
    click.echo("The token is shown only this once; it is stored as a hash.", err=True)


@token.command("list")
@db_option
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@output_options("Output: text (default), or json.")
def token_list(db_url: str | None, tenant_id: str, as_json: bool) -> None:
    """List a tenant's tokens (ids and dates; the tokens themselves are never shown again)."""
    from rich.console import Console
    from rich.table import Table

    from scimguard.server.tokens import list_tokens

    db = _open(db_url)
    infos = [i.to_dict() for i in list_tokens(db, tenant_id)]
    db.dispose()
    if as_json:
        click.echo(orjson.dumps(infos).decode())
        return
    table = Table("id", "state", "created", "expires", "revoked")
    for i in infos:
        table.add_row(*(str(i[k] or "") for k in ("id", "state", "created", "expires", "revoked")))
    Console().print(table)


@token.command("revoke")
@db_option
@click.option("--tenant", "tenant_id", required=True, help="Tenant id.")
@click.argument("token_id")
def token_revoke(db_url: str | None, tenant_id: str, token_id: str) -> None:
    """Revoke a token by its id (see `token list`)."""
    from scimguard.server.tokens import revoke_token

    db = _open(db_url)
    done = revoke_token(db, tenant_id, token_id)
    db.dispose()
    if not done:
        raise click.BadParameter(
            f"no live token {token_id!r} for tenant {tenant_id} (see `scimguard token list`)",
            param_hint="TOKEN_ID",
        )
    click.echo(f"revoked {token_id}")
