"""Initial emulator schema: tenants, tokens, users, groups, memberships, quota buckets.

Revision ID: e0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "e0001"
down_revision = None
branch_labels = None
depends_on = None

Seq = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "sg_tenants",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created", sa.String(32), nullable=False),
    )
    op.create_table(
        "sg_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "tenant_id",
            sa.String(64),
            sa.ForeignKey("sg_tenants.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
        sa.Column("revoked", sa.Float, nullable=True),
    )
    op.create_index("ix_sg_tokens_tenant", "sg_tokens", ["tenant_id"])
    for name, key, key_len in (
        ("sg_users", "user_name_key", 512),
        ("sg_groups", "display_name_key", 1024),
    ):
        extra = (
            [sa.Column("email_key", sa.String(1024), nullable=True)] if name == "sg_users" else []
        )
        op.create_table(
            name,
            sa.Column("seq", Seq, primary_key=True, autoincrement=True),
            sa.Column("id", sa.String(64), nullable=False, unique=True),
            sa.Column(
                "tenant_id",
                sa.String(64),
                sa.ForeignKey("sg_tenants.id", ondelete="CASCADE"),
                nullable=False,
            ),
            sa.Column(key, sa.String(key_len), nullable=False),
            *extra,
            sa.Column("external_id", sa.String(256), nullable=True),
            sa.Column("source", sa.String(8), nullable=False),
            sa.Column("resource", sa.Text, nullable=False),
            sa.Column("created", sa.String(32), nullable=False),
            sa.Column("last_modified", sa.String(32), nullable=False),
        )
    op.create_index(
        "ux_sg_users_user_name", "sg_users", ["tenant_id", "user_name_key"], unique=True
    )
    op.create_index("ux_sg_users_email", "sg_users", ["tenant_id", "email_key"], unique=True)
    op.create_index(
        "ux_sg_users_external_id", "sg_users", ["tenant_id", "external_id"], unique=True
    )
    op.create_index("ix_sg_users_tenant_seq", "sg_users", ["tenant_id", "seq"])
    op.create_index(
        "ux_sg_groups_display_name", "sg_groups", ["tenant_id", "display_name_key"], unique=True
    )
    op.create_index(
        "ux_sg_groups_external_id", "sg_groups", ["tenant_id", "external_id"], unique=True
    )
    op.create_index("ix_sg_groups_tenant_seq", "sg_groups", ["tenant_id", "seq"])
    op.create_table(
        "sg_memberships",
        sa.Column(
            "group_id",
            sa.String(64),
            sa.ForeignKey("sg_groups.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.String(64),
            sa.ForeignKey("sg_users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_sg_memberships_user", "sg_memberships", ["user_id", "group_id"])
    op.create_table(
        "sg_quota_buckets",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for name in ("sg_quota_buckets", "sg_memberships", "sg_groups", "sg_users", "sg_tokens"):
        op.drop_table(name)
    op.drop_table("sg_tenants")
