"""Alembic environment: always online, on the connection handed over by `scimguard.server.db`."""

from __future__ import annotations

from alembic import context

from scimguard.server.tables import metadata

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table="scimguard_emulator_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
