"""sync_source_state: what a source keeps between runs (a delta cursor, its last full read)

Revision ID: e0004_source_state
Revises: e0003_lease
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "e0004_source_state"
down_revision = "e0003_lease"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_source_state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_source_state")
