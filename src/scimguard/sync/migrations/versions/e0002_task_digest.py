"""sync_tasks.digest: what a failed or blocked task sent, to skip unchanged refusals

Revision ID: e0002
Revises: e0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "e0002"
down_revision = "e0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_tasks") as batch:
        batch.add_column(sa.Column("digest", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("sync_tasks") as batch:
        batch.drop_column("digest")
