"""Alembic environment of the console tables; run from `scimguard.console.db.migrate`."""

from __future__ import annotations

from alembic import context

from scimguard.console.tables import metadata

VERSION_TABLE = "scimguard_console_version"
config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
