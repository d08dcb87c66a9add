"""The emulator's tables (SQLAlchemy Core). Migrations live in `migrations/versions`.

Uniqueness is the database's job: every unique key of AWS is a UNIQUE index on a normalised
column, scoped to the tenant, so it holds under concurrency, across workers, and against
resources made by hand (`source = "manual"`). NULLs never collide, so an absent key is free.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# The `source` of a user or group: made through SCIM, or by hand (`scimguard manual`, tests).
SCIM = "scim"
MANUAL = "manual"
Seq = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PKs only

tenants = Table(
    "sg_tenants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created", String(32), nullable=False),
)

tokens = Table(
    "sg_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "tenant_id", String(64), ForeignKey("sg_tenants.id", ondelete="CASCADE"), nullable=False
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created", Float, nullable=False),
    Column("expires", Float, nullable=False),
    Column("revoked", Float, nullable=True),
    Index("ix_sg_tokens_tenant", "tenant_id"),
)

users = Table(
    "sg_users",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column(
        "tenant_id", String(64), ForeignKey("sg_tenants.id", ondelete="CASCADE"), nullable=False
    ),
    Column("user_name_key", String(512), nullable=False),
    Column("email_key", String(1024), nullable=True),
    Column("external_id", String(256), nullable=True),
    Column("source", String(8), nullable=False),
    Column("resource", Text, nullable=False),
    Column("created", String(32), nullable=False),
    Column("last_modified", String(32), nullable=False),
    Index("ux_sg_users_user_name", "tenant_id", "user_name_key", unique=True),
    Index("ux_sg_users_email", "tenant_id", "email_key", unique=True),
    Index("ux_sg_users_external_id", "tenant_id", "external_id", unique=True),
    Index("ix_sg_users_tenant_seq", "tenant_id", "seq"),
)

groups = Table(
    "sg_groups",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column(
        "tenant_id", String(64), ForeignKey("sg_tenants.id", ondelete="CASCADE"), nullable=False
    ),
    Column("display_name_key", String(1024), nullable=False),
    Column("external_id", String(256), nullable=True),
    Column("source", String(8), nullable=False),
    Column("resource", Text, nullable=False),
    Column("created", String(32), nullable=False),
    Column("last_modified", String(32), nullable=False),
    Index("ux_sg_groups_display_name", "tenant_id", "display_name_key", unique=True),
    Index("ux_sg_groups_external_id", "tenant_id", "external_id", unique=True),
    Index("ix_sg_groups_tenant_seq", "tenant_id", "seq"),
)

memberships = Table(
    "sg_memberships",
    metadata,
    Column(
        "group_id", String(64), ForeignKey("sg_groups.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_id", String(64), ForeignKey("sg_users.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_sg_memberships_user", "user_id", "group_id"),
)

# Shared token buckets for PostgreSQL deployments with several workers (docs/serve.md).
quota_buckets = Table(
    "sg_quota_buckets",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated", Float, nullable=False),
)

# Per-deployment secrets, made on first start: `cursor-key` signs list cursors (cursors.py).
secrets = Table(
    "sg_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", String(128), nullable=False),
)
