"""Tenants and their SCIM access tokens.

A token is shown once, at creation; only its SHA-256 is stored (it is 384 random bytes, so a
fast hash is enough), and it is compared in constant time. At most two live tokens per tenant,
one year by default, as AWS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update

from scimguard.server.db import Database
from scimguard.server.tables import tenants, tokens

MAX_LIVE_TOKENS = 2
DEFAULT_DAYS = 365
_TOKEN_BYTES = 384  # base64: 512 characters of [A-Za-z0-9+/=], like AWS's ~500-620


class TokenLimitError(Exception):
    """The tenant already has two live tokens."""


class UnknownTenantError(Exception):
    pass


@dataclass(frozen=True)
class TokenInfo:
    id: str
    tenant_id: str
    created: float
    expires: float
    revoked: float | None

    @property
    def live(self) -> bool:
        return self.revoked is None and self.expires > time.time()

    def to_dict(self) -> dict[str, object]:
        def iso(ts: float | None) -> str | None:
            return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()

        state = "revoked" if self.revoked else ("live" if self.live else "expired")
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "created": iso(self.created),
            "expires": iso(self.expires),
            "revoked": iso(self.revoked),
            "state": state,
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_tenant_id() -> str:
    """AWS's shape: `[A-Za-z0-9]{8,11}-xxxx-xxxx-xxxx-xxxxxxxxxxxx`."""
    return secrets.token_hex(5) + "-" + str(uuid.uuid4()).split("-", 1)[1]


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_tenant(db: Database) -> str:
    tenant_id = new_tenant_id()
    with db.write() as conn:
        conn.execute(insert(tenants).values(id=tenant_id, created=iso_now()))
    return tenant_id


def tenant_exists(db: Database, tenant_id: str) -> bool:
    with db.read() as conn:
        return (
            conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is not None
        )


def list_tenants(db: Database) -> list[str]:
    with db.read() as conn:
        return list(conn.execute(select(tenants.c.id).order_by(tenants.c.created)).scalars())


def create_token(db: Database, tenant_id: str, days: float = DEFAULT_DAYS) -> tuple[TokenInfo, str]:
    """A new token (info, secret). The secret is not stored and cannot be shown again."""
    secret = base64.b64encode(secrets.token_bytes(_TOKEN_BYTES)).decode()
    now = time.time()
    info = TokenInfo("tok-" + secrets.token_hex(6), tenant_id, now, now + days * 86400, None)
    with db.write() as conn:
        if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
            raise UnknownTenantError(tenant_id)
        live = conn.execute(
            select(func.count())
            .select_from(tokens)
            .where(
                tokens.c.tenant_id == tenant_id,
                tokens.c.revoked.is_(None),
                tokens.c.expires > now,
            )
        ).scalar_one()
        if live >= MAX_LIVE_TOKENS:
            raise TokenLimitError(tenant_id)
        conn.execute(
            insert(tokens).values(
                id=info.id,
                tenant_id=tenant_id,
                token_hash=hash_token(secret),
                created=info.created,
                expires=info.expires,
                revoked=None,
            )
        )
    return info, secret


def list_tokens(db: Database, tenant_id: str) -> list[TokenInfo]:
    with db.read() as conn:
        rows = conn.execute(
            select(tokens).where(tokens.c.tenant_id == tenant_id).order_by(tokens.c.created)
        ).all()
    return [TokenInfo(r.id, r.tenant_id, r.created, r.expires, r.revoked) for r in rows]


def revoke_token(db: Database, tenant_id: str, token_id: str) -> bool:
    with db.write() as conn:
        result = conn.execute(
            update(tokens)
            .where(
                tokens.c.id == token_id,
                tokens.c.tenant_id == tenant_id,
                tokens.c.revoked.is_(None),
            )
            .values(revoked=time.time())
        )
        return result.rowcount == 1


def verify(db: Database, tenant_id: str, secret: str) -> bool:
    """True only for a live token of this tenant; every other case looks the same."""
    digest = hash_token(secret)
    with db.read() as conn:
        row = conn.execute(
            select(
                tokens.c.token_hash, tokens.c.tenant_id, tokens.c.expires, tokens.c.revoked
            ).where(tokens.c.token_hash == digest)
        ).first()
    if row is None:
        hmac.compare_digest(digest, "0" * 64)  # same work either way
        return False
    same = hmac.compare_digest(row.token_hash, digest)
    tenant_ok = hmac.compare_digest(row.tenant_id.encode(), tenant_id.encode())
    return same and tenant_ok and row.revoked is None and row.expires > time.time()
