"""`scimguard admin`: the console's admin accounts."""

from __future__ import annotations

import sys

import click

from scimguard import db
from scimguard.cli.databases import open_state, state_db_option


@click.group("admin")
def admin() -> None:
    """Admin accounts of the web console (stored in the engine database)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: no password on standard input")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@admin.command("create")
@state_db_option
@click.option("--username", required=True, help="The admin's username (case-insensitive).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
def create(db_url: str | None, username: str, password_stdin: bool) -> None:
    """Create an admin account. The password is asked twice (or read from stdin), hashed with
    argon2id, and never shown."""
    from scimguard.console.accounts import create_admin

    url = db_url or db.default_url("engine")
    password = _read_password(password_stdin)
    create_admin(open_state(url, console=True), username, password)
    click.echo(f"Admin {username.strip().lower()!r} created in {db.redact(url)}.", err=True)


@admin.command("password")
@state_db_option
@click.option("--username", required=True, help="The admin whose password changes.")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def password(db_url: str | None, username: str, password_stdin: bool) -> None:
    """Set a new password for an admin (asked twice, or read from stdin)."""
    from scimguard.console.accounts import set_password

    url = db_url or db.default_url("engine")
    new = _read_password(password_stdin)
    changed = set_password(open_state(url, console=True), username, new)
    if not changed:
        raise click.UsageError(f"no admin named {username.strip().lower()!r}")
    click.echo(f"Password of {username.strip().lower()!r} changed.", err=True)
