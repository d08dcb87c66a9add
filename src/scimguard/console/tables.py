"""The console's tables, in the engine database beside the engine's own.

Created by the Alembic chain in `migrations/` (version table `scimguard_console_version`), so the
console's schema moves independently of the engine's.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

admins = Table(
    "console_admins",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False, unique=True),  # stored lower-cased
    Column("password_hash", Text, nullable=False),  # argon2id (PHC string)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_sign_in_at", DateTime(timezone=True)),
)

# Server-side settings; today only `cookie_secret`, generated on first start.
settings = Table(
    "console_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

sessions = Table(
    "console_sessions",
    metadata,
    # SHA-256 of the random session id; the id itself only lives in the signed cookie.
    Column("id_hash", String(64), primary_key=True),
    Column(
        "admin_id", Integer, ForeignKey("console_admins.id", ondelete="CASCADE"), nullable=False
    ),
    Column("csrf_token", String(64), nullable=False),
    Column("flash", Text),  # JSON shown once by the next page (e.g. the outcomes of a retry)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
)

# Failed sign-ins per key (`user:<name>` and `ip:<address>`), for the backoff.
signin_failures = Table(
    "console_signin_failures",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
)

# Check reports made from uploads, kept for their CSV download (tied to the session).
reports = Table(
    "console_reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("session_hash", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("csv", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Every change an admin applied to a record's source from a task (console/fixing.py): who,
# when, which task, the SCIM attribute and the source field behind it, before and after (JSON).
fixes = Table(
    "console_fixes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", Integer, nullable=False, index=True),
    Column("admin", String(128), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("source", String(16), nullable=False),  # okta | file
    Column("attribute", Text, nullable=False),
    Column("field", Text),  # the Okta attribute or the file's column / JSON path
    Column("before", Text, nullable=False),
    Column("after", Text, nullable=False),
    Column("note", Text),  # the file's change log and undo file
)

# A checked upload, kept beside its report (same id, same day) for the Check page's grid: the
# file as uploaded, the check's switches, and the last fix made from the grid (the fixed file,
# its change log and its undo file).
uploads = Table(
    "console_uploads",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("session_hash", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("options", Text, nullable=False),  # JSON: the check form's switches
    Column("fixed", LargeBinary),
    Column("changes", Text),
    Column("undo", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
