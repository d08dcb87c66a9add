"""Migrations: own version table, idempotent, and the UNIQUE indexes uniqueness relies on."""

from __future__ import annotations

from sqlalchemy import inspect, text

from scimguard.server.db import Database


def test_migrations_create_version_table_and_unique_indexes(db_url):
    db = Database(db_url)
    db.dispose()
    db = Database(db_url)  # a second start migrates nothing and fails nothing
    with db.read() as conn:
        version = conn.execute(text("SELECT version_num FROM scimguard_emulator_version")).all()
        insp = inspect(conn)
        unique = {
            ix["name"]: ix["column_names"]
            for table in ("sg_users", "sg_groups")
            for ix in insp.get_indexes(table)
            if ix["unique"] and ix["name"].startswith("ux_")
        }
    db.dispose()
    assert version == [("e0002",)]
    assert unique == {
        "ux_sg_users_user_name": ["tenant_id", "user_name_key"],
        "ux_sg_users_email": ["tenant_id", "email_key"],
        "ux_sg_users_external_id": ["tenant_id", "external_id"],
        "ux_sg_groups_display_name": ["tenant_id", "display_name_key"],
        "ux_sg_groups_external_id": ["tenant_id", "external_id"],
    }
