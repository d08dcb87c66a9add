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
    assert version == [("e0003",)]
    assert unique == {
        "ux_sg_users_user_name": ["tenant_id", "user_name_key"],
        "ux_sg_users_email": ["tenant_id", "email_key"],
        "ux_sg_users_external_id": ["tenant_id", "external_id"],
        "ux_sg_groups_display_name": ["tenant_id", "display_name_key"],
        "ux_sg_groups_external_id": ["tenant_id", "external_id"],
    }


def test_long_keys_written_before_e0003_are_rewritten(sqlite_url):
    """SQLite could hold raw lower-cased keys of any length; e0003 turns them into digests."""
    import pytest

    from scimguard.server.errors import ScimError
    from scimguard.server.normalise import match_key
    from scimguard.server.store import Store
    from scimguard.server.tokens import create_tenant

    name = "".join(chr(0x4E00 + i) for i in range(1024))
    db = Database(sqlite_url)
    tenant = create_tenant(db)
    Store(db).create_group(tenant, {"displayName": name})
    with db.write() as conn:  # as e0002 left it
        conn.execute(text("UPDATE sg_groups SET display_name_key = :k"), {"k": name.lower()})
        conn.execute(text("UPDATE scimguard_emulator_version SET version_num = 'e0002'"))
    db.dispose()
    db = Database(sqlite_url)
    with db.read() as conn:
        assert conn.execute(text("SELECT display_name_key FROM sg_groups")).scalar_one() == (
            match_key(name)
        )
    with pytest.raises(ScimError) as refused:
        Store(db).create_group(tenant, {"displayName": name})
    assert refused.value.status == 409
    db.dispose()
