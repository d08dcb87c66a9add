"""List cursors: signed, fixed-size, bound to the list's filter.

A cursor is client input. It carries the position of the last resource returned (a sequence
number below 2**63) and a digest of the kind and filter it was made for, signed with HMAC-SHA256
under a per-deployment key. The key is made on first start and kept in the emulator's database
(table `sg_secrets`), so every worker and every restart accepts the same cursors; it is never
logged or shown. A cursor that does not verify is AWS's 400 before any database call.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct

import orjson
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from scimguard.server import codes
from scimguard.server.db import Database
from scimguard.server.errors import GENERIC_400, ScimError
from scimguard.server.filters import Filter
from scimguard.server.tables import secrets as secrets_table

KEY_NAME = "cursor-key"
MAX_SEQ = 2**63 - 1  # the largest value of the BIGINT the sequence is stored in
_SEQ = struct.Struct(">Q")
_DIGEST = 8
_TAG = 16
_RAW = _SEQ.size + _DIGEST + _TAG
LENGTH = len(base64.urlsafe_b64encode(b"\0" * _RAW).rstrip(b"="))


def deployment_key(db: Database) -> bytes:
    """The deployment's cursor key, made on first use (several workers may race: one wins)."""
    query = select(secrets_table.c.value).where(secrets_table.c.name == KEY_NAME)
    with db.read() as conn:
        found = conn.execute(query).scalar()
    if found is None:
        try:
            with db.write() as conn:
                conn.execute(
                    insert(secrets_table).values(name=KEY_NAME, value=secrets.token_hex(32))
                )
        except IntegrityError:
            pass  # another worker made it first
        with db.read() as conn:
            found = conn.execute(query).scalar_one()
    return bytes.fromhex(found)


def _invalid() -> ScimError:
    return ScimError(
        400,
        GENERIC_400,
        [codes.INVALID_CURSOR],
        specific="The cursor is invalid, or the filter changed between pages.",
    )


class Cursors:
    """Makes and reads the cursors of one deployment."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _digest(self, kind: str, flt: Filter | None) -> bytes:
        terms = orjson.dumps(flt.terms, option=orjson.OPT_SORT_KEYS) if flt else b""
        return hashlib.sha256(kind.encode() + b"\0" + terms).digest()[:_DIGEST]

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_TAG]

    def make(self, seq: int, kind: str, flt: Filter | None) -> str:
        body = _SEQ.pack(seq) + self._digest(kind, flt)
        return base64.urlsafe_b64encode(body + self._tag(body)).decode().rstrip("=")

    def read(self, cursor: str, kind: str, flt: Filter | None) -> int | None:
        """The position after which the next page starts; None for the first page."""
        if not cursor:
            return None
        if len(cursor) != LENGTH or not cursor.isascii():
            raise _invalid()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise _invalid() from None
        # One spelling per cursor: base64 ignores the unused low bits of the last character, so
        # an altered last character could decode to the same bytes. Only the canonical one reads.
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
            raise _invalid()
        body, tag = raw[:-_TAG], raw[-_TAG:]
        if len(raw) != _RAW or not hmac.compare_digest(tag, self._tag(body)):
            raise _invalid()
        seq = _SEQ.unpack(body[: _SEQ.size])[0]
        if seq > MAX_SEQ or body[_SEQ.size :] != self._digest(kind, flt):
            raise _invalid()
        return seq
