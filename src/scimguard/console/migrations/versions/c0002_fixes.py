"""console fixes (every change applied to a record's source) and check uploads (the grid)

Revision ID: c0002
Revises: c0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_fixes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Integer, nullable=False, index=True),
        sa.Column("admin", sa.String(128), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("attribute", sa.Text, nullable=False),
        sa.Column("field", sa.Text),
        sa.Column("before", sa.Text, nullable=False),
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
    )

    op.create_table(
        "console_uploads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("fixed", sa.LargeBinary),
        sa.Column("changes", sa.Text),
        sa.Column("undo", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("console_uploads")
    op.drop_table("console_fixes")
