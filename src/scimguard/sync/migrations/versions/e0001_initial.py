"""runs, tasks and owned resources

Revision ID: e0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "e0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("target_url", sa.Text, nullable=False),
        sa.Column("token_env", sa.String(200)),
        sa.Column("token_file", sa.Text),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("summary", sa.Text),
        sa.Column("message", sa.Text),
    )
    op.create_table(
        "sync_tasks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("sync_runs.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("record_key", sa.Text, nullable=False),
        sa.Column("display", sa.Text, nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64)),
        sa.Column("request_method", sa.String(8)),
        sa.Column("request_path", sa.Text),
        sa.Column("request_body", sa.Text),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", sa.Text),
        sa.Column("request_id", sa.String(128)),
        sa.Column("findings", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("target_url", sa.Text),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_sync_tasks_state", "sync_tasks", ["state"])
    op.create_index("ix_sync_tasks_record", "sync_tasks", ["kind", "record_key"])
    op.create_table(
        "sync_resources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target_url", sa.Text, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("target_id", sa.String(128)),
        sa.Column("external_id", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("name_lower", sa.Text),
        sa.Column("record_key", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index(
        "ix_sync_resources_target", "sync_resources", ["target_url", "kind", "target_id"]
    )
    op.create_index("ix_sync_resources_key", "sync_resources", ["target_url", "kind", "record_key"])


def downgrade() -> None:
    op.drop_table("sync_resources")
    op.drop_table("sync_tasks")
    op.drop_table("sync_runs")
