"""Admin accounts: argon2id password hashes, sign-in checks and the sign-in backoff.

Passwords are only ever hashed (argon2id, memory-hard) and compared by argon2 itself. A
failed sign-in counts against the username and against the client address; after a few,
each further failure locks that key for twice as long as the last one (capped), so guessing
slows to a crawl while the right person, after a wait, still gets in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from scimguard.console.db import aware, now
from scimguard.console.tables import admins, signin_failures
from scimguard.errors import AccountError

HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3, p=4)
MIN_PASSWORD = 12
MAX_USERNAME = 128
FORGET_AFTER = timedelta(days=1)  # failures older than this no longer count
# A hash of a password no one knows: verified when the username does not exist, so the
# answer takes as long either way and does not tell which usernames exist.
_DUMMY_HASH = HASHER.hash("scimguard-no-such-admin-placeholder")


@dataclass(frozen=True)
class Backoff:
    """How failed sign-ins are slowed: `free` failures, then a lock of base * 2^n seconds."""

    user_free: int = 3
    ip_free: int = 10
    base_seconds: float = 1.0
    max_seconds: float = 300.0

    def lock_for(self, failures: int, free: int) -> float:
        if failures <= free:
            return 0.0
        return min(self.base_seconds * 2 ** (failures - free - 1), self.max_seconds)


@dataclass(frozen=True)
class SignIn:
    admin_id: int | None  # None when refused
    retry_after: float = 0.0  # > 0 when refused because of the backoff


def normalize_username(username: str) -> str:
    return username.strip().lower()


def validate(username: str, password: str) -> str:
    name = normalize_username(username)
    if (
        not name
        or len(name) > MAX_USERNAME
        or any(ch.isspace() or not ch.isprintable() for ch in name)
    ):
        raise AccountError(
            f"the username must be 1 to {MAX_USERNAME} printable characters without spaces"
        )
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters long")
    return name


def create_admin(engine: Engine, username: str, password: str) -> int:
    """A new admin account; AccountError when the name is taken or the password too short."""
    name = validate(username, password)
    try:
        with engine.begin() as conn:
            result = conn.execute(
                insert(admins).values(
                    username=name, password_hash=HASHER.hash(password), created_at=now()
                )
            )
    except IntegrityError:
        raise AccountError(f"an admin named {name!r} already exists") from None
    key = result.inserted_primary_key
    assert key is not None  # None only for an insert() that does not create a row
    return int(key[0])


def set_password(engine: Engine, username: str, password: str) -> bool:
    name = validate(username, password)
    with engine.begin() as conn:
        result = conn.execute(
            update(admins)
            .where(admins.c.username == name)
            .values(password_hash=HASHER.hash(password))
        )
    return bool(result.rowcount)


def admin_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(admins.c.id)).all())


def _locked_for(engine: Engine, keys: list[str]) -> float:
    moment = now()
    with engine.connect() as conn:
        rows = conn.execute(
            select(signin_failures.c.locked_until).where(signin_failures.c.key.in_(keys))
        ).all()
    waits = [(aware(r.locked_until) - moment).total_seconds() for r in rows if r.locked_until]
    return max([0.0, *waits])


def _record_failure(engine: Engine, key: str, free: int, backoff: Backoff) -> None:
    moment = now()
    for _ in range(3):  # a concurrent first failure of the same key may insert first: redo
        try:
            with engine.begin() as conn:
                row = conn.execute(
                    select(signin_failures.c.failures, signin_failures.c.last_failure_at).where(
                        signin_failures.c.key == key
                    )
                ).first()
                failures = (row.failures if row else 0) + 1
                if row and aware(row.last_failure_at) < moment - FORGET_AFTER:
                    failures = 1
                seconds = backoff.lock_for(failures, free)
                values = {
                    "failures": failures,
                    "last_failure_at": moment,
                    "locked_until": moment + timedelta(seconds=seconds) if seconds else None,
                }
                if row:
                    conn.execute(
                        update(signin_failures).where(signin_failures.c.key == key).values(values)
                    )
                else:
                    conn.execute(insert(signin_failures).values(key=key, **values))
                    # Keys quiet for a day are forgotten, so guessed names do not pile up.
                    conn.execute(
                        delete(signin_failures).where(
                            signin_failures.c.last_failure_at < moment - FORGET_AFTER
                        )
                    )
            return
        except IntegrityError:
            continue


def authenticate(
    engine: Engine, username: str, password: str, client: str, backoff: Backoff = Backoff()
) -> SignIn:
    """Check a sign-in. Refused at once (without looking at the password) while locked."""
    name = normalize_username(username)[:MAX_USERNAME]
    user_key, ip_key = f"user:{name}", f"ip:{client}"
    wait = _locked_for(engine, [user_key, ip_key])
    if wait > 0:
        return SignIn(None, retry_after=wait)
    with engine.connect() as conn:
        row = conn.execute(
            select(admins.c.id, admins.c.password_hash).where(admins.c.username == name)
        ).first()
    ok = False
    try:
        ok = HASHER.verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:  # (ok says row is not None; mypy cannot see it)
        _record_failure(engine, user_key, backoff.user_free, backoff)
        _record_failure(engine, ip_key, backoff.ip_free, backoff)
        return SignIn(None, retry_after=_locked_for(engine, [user_key, ip_key]))
    with engine.begin() as conn:
        conn.execute(delete(signin_failures).where(signin_failures.c.key == user_key))
        conn.execute(delete(signin_failures).where(signin_failures.c.key == ip_key))
        values: dict[str, Any] = {"last_sign_in_at": now()}
        if HASHER.check_needs_rehash(row.password_hash):
            values["password_hash"] = HASHER.hash(password)
        conn.execute(update(admins).where(admins.c.id == row.id).values(values))
    return SignIn(row.id)


def wait_text(seconds: float) -> str:
    return f"{math.ceil(seconds)} second{'s' if math.ceil(seconds) != 1 else ''}"
