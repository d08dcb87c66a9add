"""`scimguard manual`: users and groups "made by hand in the AWS console" (no externalId)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
import orjson

from scimguard.cli.databases import open_emulator
from scimguard.cli.serve import db_option

if TYPE_CHECKING:  # the profile is imported when a command runs: `--help` stays fast
    from scimguard.profile import Kind


def _create(db_url: str | None, tenant_id: str, kind: Kind, resource: dict[str, Any]) -> None:
    from scimguard.profile import Profile
    from scimguard.server.errors import ScimError
    from scimguard.server.store import Store
    from scimguard.server.tables import MANUAL
    from scimguard.server.tokens import tenant_exists

    errors = Profile().errors(resource, kind)
    if errors:
        lines = "\n".join(f"  {f.attribute}: {f.message} [{f.rule}]" for f in errors)
        raise click.ClickException(f"AWS would refuse this {kind}:\n{lines}")
    db = open_emulator(db_url)
    try:
        if not tenant_exists(db, tenant_id):
            raise click.BadParameter(
                f"no tenant {tenant_id!r} in this database", param_hint="--tenant"
            )
        store = Store(db)
        create = store.create_user if kind == "user" else store.create_group
        created = create(tenant_id, resource, MANUAL)
    except ScimError as exc:
        raise click.ClickException(f"{exc.detail} ({', '.join(exc.rules)})") from None
    finally:
        db.dispose()
    click.echo(orjson.dumps(created).decode())


@click.group()
def manual() -> None:
    """Create users and groups as if made by hand in AWS (to reproduce "manually sourced")."""


@manual.command("add-user")
@db_option
@click.option("--tenant", "tenant_id", required=True, help="Tenant id (see `tenant list`).")
@click.option("--user-name", required=True, help="userName (the sign-in name).")
@click.option("--given-name", required=True, help="name.givenName (first name).")
@click.option("--family-name", required=True, help="name.familyName (last name).")
@click.option("--display-name", required=True, help="displayName.")
@click.option("--email", default=None, help="The work email (sent as the primary one).")
def add_user(
    db_url: str | None,
    tenant_id: str,
    user_name: str,
    given_name: str,
    family_name: str,
    display_name: str,
    email: str | None,
) -> None:
    """Add a manually sourced user."""
    user: dict[str, Any] = {
        "userName": user_name,
        "name": {"givenName": given_name, "familyName": family_name},
        "displayName": display_name,
        "active": True,
    }
    if email:
        user["emails"] = [{"value": email, "type": "work", "primary": True}]
    _create(db_url, tenant_id, "user", user)


@manual.command("add-group")
@db_option
@click.option("--tenant", "tenant_id", required=True, help="Tenant id (see `tenant list`).")
@click.option("--display-name", required=True, help="displayName.")
def add_group(db_url: str | None, tenant_id: str, display_name: str) -> None:
    """Add a manually sourced group."""
    _create(db_url, tenant_id, "group", {"displayName": display_name})
