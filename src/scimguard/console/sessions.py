"""Sessions: a random id in a signed, HttpOnly, SameSite=Lax cookie; the rest in the database.

The cookie holds only the session id, signed with the console's secret (itsdangerous, with a
timestamp); the database keeps the SHA-256 of the id, so a stolen database copy yields no
usable cookie, and signing out really ends the session. Each session has its own CSRF token,
which every form and every htmx request sends back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine, delete, insert, select, update

from scimguard.console.db import aware, now
from scimguard.console.tables import admins, sessions

COOKIE = "scimguard_session"
SIGNIN_COOKIE = "scimguard_signin"  # the CSRF token of the sign-in form, before any session
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_AGE = timedelta(hours=12)  # a session lasts at most this long
IDLE = timedelta(hours=2)  # ... and ends after this long without a request


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class Session:
    id_hash: str
    admin_id: int
    username: str
    csrf_token: str
    flash: Any


class Sessions:
    """Issues and reads session cookies for one console database."""

    def __init__(self, engine: Engine, secret: str) -> None:
        self.engine = engine
        self.signer = URLSafeTimedSerializer(secret, salt="scimguard-console-session")
        self.signin_signer = URLSafeTimedSerializer(secret, salt="scimguard-console-signin")

    # --- sessions ---------------------------------------------------------------------------

    def start(self, admin_id: int) -> str:
        """A new session for the admin; returns the cookie value."""
        session_id = secrets.token_urlsafe(32)
        moment = now()
        with self.engine.begin() as conn:
            conn.execute(
                insert(sessions).values(
                    id_hash=_hash(session_id),
                    admin_id=admin_id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=moment,
                    last_seen_at=moment,
                )
            )
            # Old sessions of anyone are swept here, so the table does not grow forever.
            conn.execute(delete(sessions).where(sessions.c.last_seen_at < moment - IDLE))
        return self.signer.dumps(session_id)

    def load(self, cookie: str | None) -> Session | None:
        """The live session named by the cookie, or None (bad signature, expired, ended)."""
        if not cookie:
            return None
        try:
            session_id = self.signer.loads(cookie, max_age=int(MAX_AGE.total_seconds()))
        except BadSignature:
            return None
        if not isinstance(session_id, str):
            return None
        id_hash = _hash(session_id)
        moment = now()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions, admins.c.username)
                .join(admins, admins.c.id == sessions.c.admin_id)
                .where(sessions.c.id_hash == id_hash)
            ).first()
        if row is None:
            return None
        if aware(row.last_seen_at) < moment - IDLE or aware(row.created_at) < moment - MAX_AGE:
            self.end(id_hash)
            return None
        if (moment - aware(row.last_seen_at)).total_seconds() > 60:
            with self.engine.begin() as conn:
                conn.execute(
                    update(sessions)
                    .where(sessions.c.id_hash == id_hash)
                    .values(last_seen_at=moment)
                )
        flash = json.loads(row.flash) if row.flash else None
        return Session(id_hash, row.admin_id, row.username, row.csrf_token, flash)

    def end(self, id_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))

    def set_flash(self, session: Session, value: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(sessions)
                .where(sessions.c.id_hash == session.id_hash)
                .values(flash=None if value is None else json.dumps(value))
            )

    def pop_flash(self, session: Session) -> Any:
        value = session.flash
        if value is not None:
            self.set_flash(session, None)
            session.flash = None
        return value

    # --- the sign-in form's CSRF token (double submit: signed cookie + form field) ----------

    def signin_token(self, cookie: str | None) -> tuple[str, str]:
        """(token for the form, cookie value): reuses a valid cookie, else makes a new one."""
        if cookie:
            try:
                token = self.signin_signer.loads(cookie, max_age=3600)
                if isinstance(token, str):
                    return token, cookie
            except BadSignature:
                pass
        token = secrets.token_urlsafe(32)
        return token, self.signin_signer.dumps(token)

    def signin_token_ok(self, cookie: str | None, submitted: str | None) -> bool:
        if not cookie or not submitted:
            return False
        try:
            token = self.signin_signer.loads(cookie, max_age=3600)
        except BadSignature:
            return False
        return isinstance(token, str) and hmac.compare_digest(token, submitted)


def csrf_ok(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted or "")
