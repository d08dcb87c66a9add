"""The engine's tables: runs, tasks and the resources the engine owns in the target.

The schema is created by the Alembic chain in `migrations/` (version table
`scimguard_engine_version`); these `Table` objects are what the code queries.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    # running | completed | stopped (401/403, fuse) | crashed (found running at the next start)
    Column("status", String(16), nullable=False),
    Column("target_url", Text, nullable=False),
    Column("token_env", String(200)),  # the variable's NAME; the token itself is never stored
    Column("token_file", Text),
    Column("sources", Text, nullable=False),  # JSON list of source specs (see sources.py)
    Column("options", Text, nullable=False),  # JSON
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("summary", Text),  # JSON {"created", "updated", ...}
    Column("message", Text),
)

tasks = Table(
    "sync_tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("sync_runs.id", ondelete="SET NULL")),
    Column("kind", String(8), nullable=False),  # user | group
    Column("record_key", Text, nullable=False),  # externalId, else userName / displayName
    Column("display", Text, nullable=False),  # how a person names the record (userName, ...)
    # create | update | deactivate | delete | adopt | members
    Column("operation", String(16), nullable=False),
    # failed | blocked | succeeded | dismissed
    Column("state", String(16), nullable=False),
    Column("rule", String(64)),  # the main diagnosis code
    Column("request_method", String(8)),
    Column("request_path", Text),
    Column("request_body", Text),  # JSON as sent (or as it would have been sent, when blocked)
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("request_id", String(128)),  # x-amzn-RequestId
    Column("findings", Text, nullable=False, default="[]"),  # JSON list of Finding.to_dict()
    Column("attempts", Integer, nullable=False, default=0),  # HTTP tries, summed over runs
    Column("source", Text),  # JSON reference to re-read the record (see sources.py)
    Column("target_url", Text),
    # sha256 of the request as sent (or as it would have been sent): a later run sends the
    # record again only when this changes, or when the refusal was transient (sync/memory.py)
    Column("digest", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_sync_tasks_state", "state"),
    Index("ix_sync_tasks_record", "kind", "record_key"),
)

resources = Table(
    "sync_resources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_url", Text, nullable=False),
    Column("kind", String(8), nullable=False),  # user | group
    Column("target_id", String(128)),  # null while a create is only intended
    Column("external_id", Text),
    Column("name", Text),  # userName or displayName as sent
    Column("name_lower", Text),
    Column("record_key", Text, nullable=False),
    # pending (create intended, maybe sent) | active | inactive | deleted
    Column("state", String(16), nullable=False),
    Column("run_id", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_sync_resources_target", "target_url", "kind", "target_id"),
    Index("ix_sync_resources_key", "target_url", "kind", "record_key"),
)

# What a source keeps between runs (sources/base.py `SourceState`): a JSON value by key.
source_state = Table(
    "sync_source_state",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# What the engine knows of a group's members (sync/membership.py): the digest of the member ids
# the source wanted when a read found the target holding exactly those, the group's
# `meta.lastModified` as listed before that read, and when the read was made. No row: read.
group_members = Table(
    "sync_group_members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_url", Text, nullable=False),
    Column("group_id", String(128), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("last_modified", String(64)),
    Column("verified_at", DateTime(timezone=True), nullable=False),
    Column("run_id", Integer),
    Index("ux_sync_group_members", "target_url", "group_id", unique=True),
)
