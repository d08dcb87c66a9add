"""Users, groups and memberships in the emulator database: what `Store` reads and writes.

Every write is one transaction. A clash on a unique key is caught as the database's
IntegrityError and only then diagnosed (`conflicts`: which key, and whether the holder was
made by hand), so two concurrent creates of one userName can never both succeed. What is kept
of a resource and its unique keys is `normalise`; a row as the answer's resource is `resources`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from scimguard.profile import ENTERPRISE_URN
from scimguard.server import codes
from scimguard.server.conflicts import conflict
from scimguard.server.db import Database
from scimguard.server.errors import GENERIC_400, ScimError
from scimguard.server.filters import Filter
from scimguard.server.normalise import clean_user, group_keys, match_key, user_keys
from scimguard.server.resources import render_group, render_user
from scimguard.server.tables import MANUAL, SCIM, groups, memberships, users
from scimguard.server.tokens import iso_now


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def not_found(kind: str) -> ScimError:
    return ScimError(404, f"{'User' if kind == 'user' else 'Group'} not found.", [codes.NOT_FOUND])


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int | None
    last_seq: int | None
    more: bool


class Store:
    """The resources of every tenant."""

    def __init__(self, db: Database, *, default_active: bool | None = False) -> None:
        self.db = db
        self.default_active = default_active

    # --- users --------------------------------------------------------------------------------

    def create_user(self, tenant: str, body: dict[str, Any], source: str = SCIM) -> dict[str, Any]:
        user = clean_user(body, self.default_active)
        if source == MANUAL:
            user.pop("externalId", None)
        keys = user_keys(user)
        now = iso_now()
        values = {
            "id": str(uuid.uuid4()),
            "tenant_id": tenant,
            "source": source,
            "resource": _dumps(user),
            "created": now,
            "last_modified": now,
            **keys,
        }
        try:
            with self.db.write() as conn:
                conn.execute(insert(users).values(**values))
        except IntegrityError:
            raise conflict(self.db, "user", tenant, keys, None) from None
        return render_user(_Row(values))

    def get_user(self, tenant: str, user_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(
                select(users).where(users.c.id == user_id, users.c.tenant_id == tenant)
            ).first()
        if row is None:
            raise not_found("user")
        return render_user(row)

    def update_user(
        self,
        tenant: str,
        user_id: str,
        change: Callable[[dict[str, Any], str], dict[str, Any]],
    ) -> dict[str, Any]:
        """Read, change (`change(stored, source)` validates or raises) and write, atomically."""
        keys: dict[str, Any] = {}
        try:
            with self.db.write() as conn:
                row = _locked_row(conn, users, tenant, user_id)
                if row is None:
                    raise not_found("user")
                new = clean_user(change(orjson.loads(row.resource), row.source), None)
                keys = user_keys(new)
                # PUT/PATCH with an externalId adopts a manual user (ssosync #166)
                source = SCIM if new.get("externalId") else row.source
                now = iso_now()
                conn.execute(
                    update(users)
                    .where(users.c.seq == row.seq)
                    .values(resource=_dumps(new), last_modified=now, source=source, **keys)
                )
                values = {**row._mapping, "resource": _dumps(new), "last_modified": now}
        except IntegrityError:
            raise conflict(self.db, "user", tenant, keys, user_id) from None
        return render_user(_Row(values))

    def delete_user(self, tenant: str, user_id: str) -> None:
        with self.db.write() as conn:
            row = conn.execute(
                select(users.c.id).where(users.c.id == user_id, users.c.tenant_id == tenant)
            ).first()
            if row is None:
                raise not_found("user")
            conn.execute(delete(memberships).where(memberships.c.user_id == user_id))
            conn.execute(delete(users).where(users.c.id == user_id))

    def list_users(
        self, tenant: str, flt: Filter | None, count: int, after: int | None, with_total: bool
    ) -> Page:
        where = [users.c.tenant_id == tenant]
        post: Callable[[dict[str, Any]], bool] | None = None
        if flt is not None:
            terms = flt.terms
            if "userName" in terms:
                where.append(users.c.user_name_key == match_key(terms["userName"]))
            if "externalId" in terms:
                where.append(users.c.external_id == terms["externalId"])
            if "id" in terms:
                where.append(users.c.id == terms["id"])
            if "groups.value" in terms:
                where.append(
                    exists().where(
                        memberships.c.user_id == users.c.id,
                        memberships.c.group_id == terms["groups.value"],
                    )
                )
            if "manager" in terms:
                wanted = terms["manager"]

                def post(user: dict[str, Any]) -> bool:
                    ext = user.get(ENTERPRISE_URN) or {}
                    return (ext.get("manager") or {}).get("value") == wanted

        return self._page(users, where, render_user, count, after, with_total, post)

    # --- groups -------------------------------------------------------------------------------

    def create_group(
        self,
        tenant: str,
        body: dict[str, Any],
        source: str = SCIM,
        members: list[str] | None = None,
    ) -> dict[str, Any]:
        """A new group; `members` are user ids, checked by `server.inputs` (not read from body)."""
        group = {k: body[k] for k in ("displayName", "externalId") if body.get(k) is not None}
        if source == MANUAL:
            group.pop("externalId", None)
        keys = group_keys(group)
        now = iso_now()
        values = {
            "id": str(uuid.uuid4()),
            "tenant_id": tenant,
            "source": source,
            "resource": _dumps(group),
            "created": now,
            "last_modified": now,
            **keys,
        }
        members = members or []
        try:
            with self.db.write() as conn:
                conn.execute(insert(groups).values(**values))
                self._add_members(conn, tenant, values["id"], members)
        except IntegrityError:
            raise conflict(self.db, "group", tenant, keys, None) from None
        return render_group(_Row(values))

    def get_group(self, tenant: str, group_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            row = conn.execute(
                select(groups).where(groups.c.id == group_id, groups.c.tenant_id == tenant)
            ).first()
        if row is None:
            raise not_found("group")
        return render_group(row)

    def update_group(
        self,
        tenant: str,
        group_id: str,
        change: Callable[[dict[str, Any], str], dict[str, Any]],
        add: list[str],
        remove: list[str],
    ) -> None:
        keys: dict[str, Any] = {}
        try:
            with self.db.write() as conn:
                row = _locked_row(conn, groups, tenant, group_id)
                if row is None:
                    raise not_found("group")
                old = orjson.loads(row.resource)
                new = change(old, row.source)
                if new != old:
                    keys = group_keys(new)
                    source = SCIM if new.get("externalId") else row.source
                    conn.execute(
                        update(groups)
                        .where(groups.c.seq == row.seq)
                        .values(
                            resource=_dumps(new),
                            last_modified=iso_now(),
                            source=source,
                            **keys,
                        )
                    )
                self._add_members(conn, tenant, group_id, add)
                if remove:
                    conn.execute(
                        delete(memberships).where(
                            memberships.c.group_id == group_id,
                            memberships.c.user_id.in_(remove),
                        )
                    )
                if add or remove:
                    conn.execute(
                        update(groups)
                        .where(groups.c.seq == row.seq)
                        .values(last_modified=iso_now())
                    )
        except IntegrityError:
            raise conflict(self.db, "group", tenant, keys, group_id) from None

    def _add_members(self, conn: Connection, tenant: str, group_id: str, ids: list[str]) -> None:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return
        found = set(
            conn.execute(
                select(users.c.id).where(users.c.tenant_id == tenant, users.c.id.in_(wanted))
            ).scalars()
        )
        missing = [i for i in wanted if i not in found]
        if missing:
            is_group = conn.execute(
                select(groups.c.id).where(groups.c.tenant_id == tenant, groups.c.id.in_(missing))
            ).first()
            if is_group is not None:
                raise ScimError(
                    400,
                    GENERIC_400,
                    [codes.NESTED_GROUP],
                    specific="Groups cannot contain groups: members must be user ids.",
                )
            raise ScimError(404, "Member not found.", [codes.UNKNOWN_MEMBER])
        present = set(
            conn.execute(
                select(memberships.c.user_id).where(
                    memberships.c.group_id == group_id, memberships.c.user_id.in_(wanted)
                )
            ).scalars()
        )
        rows = [{"group_id": group_id, "user_id": u} for u in wanted if u not in present]
        if rows:
            # a concurrent PATCH adding the same member is a no-op, not a conflict
            dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(dialect_insert(memberships).on_conflict_do_nothing(), rows)

    def delete_group(self, tenant: str, group_id: str) -> None:
        with self.db.write() as conn:
            row = conn.execute(
                select(groups.c.id).where(groups.c.id == group_id, groups.c.tenant_id == tenant)
            ).first()
            if row is None:
                raise not_found("group")
            conn.execute(delete(memberships).where(memberships.c.group_id == group_id))
            conn.execute(delete(groups).where(groups.c.id == group_id))

    def user_exists(self, tenant: str, user_id: str) -> bool:
        with self.db.read() as conn:
            return (
                conn.execute(
                    select(users.c.id).where(users.c.id == user_id, users.c.tenant_id == tenant)
                ).first()
                is not None
            )

    def list_groups(
        self, tenant: str, flt: Filter | None, count: int, after: int | None, with_total: bool
    ) -> Page:
        where = [groups.c.tenant_id == tenant]
        if flt is not None:
            terms = flt.terms
            if "displayName" in terms:
                where.append(groups.c.display_name_key == match_key(terms["displayName"]))
            if "externalId" in terms:
                where.append(groups.c.external_id == terms["externalId"])
            if "id" in terms:
                where.append(groups.c.id == terms["id"])
            if "members" in terms:
                if not self.user_exists(tenant, terms["members"]):
                    raise ScimError(404, "Member not found.", [codes.UNKNOWN_MEMBER])
                where.append(
                    exists().where(
                        memberships.c.group_id == groups.c.id,
                        memberships.c.user_id == terms["members"],
                    )
                )

        def render(row: Any) -> dict[str, Any]:
            return render_group(row, in_list=True)

        return self._page(groups, where, render, count, after, with_total, None)

    def _page(
        self,
        table: Table,
        where: list[ColumnElement[bool]],
        render: Callable[[Any], dict[str, Any]],
        count: int,
        after: int | None,
        with_total: bool,
        post: Callable[[dict[str, Any]], bool] | None,
    ) -> Page:
        query = select(table).where(and_(*where))
        if after is not None:
            query = query.where(table.c.seq > after)
        query = query.order_by(table.c.seq).limit(count + 1)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
            total = None
            if with_total and (len(rows) > count or after is not None or count == 0):
                total = conn.execute(
                    select(func.count()).select_from(table).where(and_(*where))
                ).scalar_one()
            elif with_total:
                total = len(rows)  # the whole result fits in this page: no second query
        more = len(rows) > count
        rows = rows[:count]
        last = rows[-1].seq if rows else None
        rendered = [render(r) for r in rows]
        if post is not None:
            rendered = [r for r in rendered if post(r)]
            if total is not None:
                total = len(rendered)
        return Page(rendered, total, last, more)


def _locked_row(conn: Connection, table: Table, tenant: str, resource_id: str) -> Row[Any] | None:
    query = select(table).where(table.c.id == resource_id, table.c.tenant_id == tenant)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


class _Row:
    """A mapping of column values that reads like a result row (for rendering)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
