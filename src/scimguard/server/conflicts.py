"""The 409 of a write the database refused: which unique keys clash, and with a manual resource.

The store does not look before it writes (two concurrent creates of one userName would both
pass a look); a clash is caught as the database's IntegrityError and only then diagnosed here,
one query per key, for the rules named in `X-Scimguard-Rule`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scimguard.server import codes
from scimguard.server.db import Database
from scimguard.server.errors import DUPLICATE_409, ScimError
from scimguard.server.tables import MANUAL, groups, users

_USER_KEY_RULES = (
    ("user_name_key", "duplicate-username"),
    ("email_key", "duplicate-email"),
    ("external_id", "duplicate-external-id"),
)
_GROUP_KEY_RULES = (
    ("display_name_key", "duplicate-group-name"),
    ("external_id", "duplicate-external-id"),
)


def conflict(
    db: Database, kind: str, tenant: str, keys: dict[str, Any], own_id: str | None
) -> ScimError:
    """The 409 for a clash the database refused: which keys clash, and with a manual resource?"""
    table, key_rules = (users, _USER_KEY_RULES) if kind == "user" else (groups, _GROUP_KEY_RULES)
    rules: list[str] = []
    manual = False
    with db.read() as conn:
        for column, rule in key_rules:
            if keys.get(column) is None:
                continue
            query = select(table.c.id, table.c.source).where(
                table.c.tenant_id == tenant, table.c[column] == keys[column]
            )
            row = conn.execute(query).first()
            if row is not None and row.id != own_id:
                rules.append(rule)
                manual = manual or row.source == MANUAL
    if manual:
        rules.append(codes.MANUAL_RESOURCE)
    return ScimError(409, DUPLICATE_409, rules or ["target-conflict"])
