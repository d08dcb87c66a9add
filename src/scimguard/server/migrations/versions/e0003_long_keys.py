"""Key columns of long values hold `sha256:<digest>` (normalise.match_key), not the value.

Rewrites the keys written before: only SQLite can hold any (PostgreSQL refused them with an
error), and only values longer than 512 bytes lower-cased change.

Revision ID: e0003
Revises: e0002
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "e0003"
down_revision = "e0002"
branch_labels = None
depends_on = None

MAX_KEY_BYTES = 512  # a frozen copy of normalise.MAX_KEY_BYTES: a migration never changes meaning
COLUMNS = {"sg_users": ("user_name_key", "email_key"), "sg_groups": ("display_name_key",)}


def _key(lowered: str) -> str:
    raw = lowered.encode("utf-8", "surrogatepass")
    return lowered if len(raw) <= MAX_KEY_BYTES else "sha256:" + hashlib.sha256(raw).hexdigest()


def upgrade() -> None:
    conn = op.get_bind()
    for table, columns in COLUMNS.items():
        for column in columns:
            rows = conn.execute(
                sa.text(f"SELECT seq, {column} FROM {table} WHERE length({column}) > :n"),
                {"n": MAX_KEY_BYTES // 4},
            ).all()
            for seq, value in rows:
                if _key(value) != value:
                    conn.execute(
                        sa.text(f"UPDATE {table} SET {column} = :v WHERE seq = :s"),
                        {"v": _key(value), "s": seq},
                    )


def downgrade() -> None:
    pass  # the digests cannot be turned back into values; they stay valid keys
