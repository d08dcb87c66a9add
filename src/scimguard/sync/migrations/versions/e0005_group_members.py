"""sync_group_members: what the engine knows of each group's members, to skip reading them

Revision ID: e0005_group_members
Revises: e0004_source_state
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "e0005_group_members"
down_revision = "e0004_source_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_group_members",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target_url", sa.Text, nullable=False),
        sa.Column("group_id", sa.String(128), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("last_modified", sa.String(64)),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer),
    )
    op.create_index(
        "ux_sync_group_members", "sync_group_members", ["target_url", "group_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_sync_group_members", "sync_group_members")
    op.drop_table("sync_group_members")
