"""the lease of a target: one run at a time (scimguard.unattended.lease)

Revision ID: e0003_lease
Revises: e0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "e0003_lease"
down_revision = "e0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_leases",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("acquired_at", sa.Float, nullable=False),
        sa.Column("renewed_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_leases")
