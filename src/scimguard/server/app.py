"""The ASGI app: AWS's URLs, auth, quotas, faults, then the resource handlers.

Routing is one catch-all under `/{tenantId}/scim/v2/`, dispatched here, so an unknown endpoint
or method under a valid tenant is AWS's 400 (unsupported operation) after authentication, and
anything else is a 404, all with AWS's error body.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scimguard.profile import Profile
from scimguard.profile.schema import LIST_URN
from scimguard.server import codes, discovery, filters, patch
from scimguard.server.db import Database
from scimguard.server.errors import (
    GENERIC_400,
    INVALID_JSON,
    REQUEST_ID_HEADER,
    UNAUTHORIZED_401,
    ScimError,
    error_response,
    render,
)
from scimguard.server.faults import Faults
from scimguard.server.quotas import Quotas
from scimguard.server.settings import DEFAULT_SETTINGS, Settings
from scimguard.server.store import MANUAL, Store
from scimguard.server.tokens import verify
from scimguard.server.validation import validate

log = logging.getLogger("scimguard.server")
MAX_PAGE = 100
LEGACY_PAGE = 50


def _json(data: Any, status: int = 200, request_id: str = "") -> Response:
    return Response(
        orjson.dumps(data),
        status,
        headers={REQUEST_ID_HEADER: request_id},
        media_type="application/json",
    )


def _unsupported() -> ScimError:
    return ScimError(
        400,
        GENERIC_400,
        [codes.UNSUPPORTED_OPERATION],
        specific="The operation is not supported.",
    )


class Emulator:
    """Everything a request needs: settings, profile, store, quotas, faults."""

    def __init__(self, db_url: str, settings: Settings = DEFAULT_SETTINGS, workers: int = 1):
        self.settings = settings
        self.profile = Profile(settings.switches)
        self.db = Database(db_url)
        self.store = Store(self.db, default_active=settings.default_active)
        self.quotas = Quotas(
            settings.quota_writes, settings.quota_reads, enabled=settings.quotas, workers=workers
        )
        self.faults = Faults(settings.fault_rate, settings.fault_statuses, settings.fault_seed)

    # --- the request pipeline -----------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            response = await self._handle(request, request_id)
        except ScimError as exc:
            return render(exc, specific=self.settings.detail == "specific", request_id=request_id)
        except Exception:  # never a traceback in a body
            log.exception("internal error")
            return error_response(
                500, "Service failed to process the request.", [], request_id=request_id
            )
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    async def _handle(self, request: Request, request_id: str) -> Response:
        tenant = request.path_params["tenant"]
        await self._authenticate(request, tenant)
        method = request.method
        self.quotas.check(tenant, "read" if method in ("GET", "HEAD") else "write")
        self.faults.maybe_fail()
        parts = [p for p in request.path_params.get("rest", "").split("/") if p]
        body = None
        if method in ("POST", "PUT", "PATCH"):
            body = await self._body(request)
        return await run_in_threadpool(self._dispatch, tenant, method, parts, request, body)

    async def _authenticate(self, request: Request, tenant: str) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        ok = (
            scheme.lower() == "bearer"
            and bool(token.strip())
            and await run_in_threadpool(verify, self.db, tenant, token.strip())
        )
        if not ok:
            raise ScimError(401, UNAUTHORIZED_401, [codes.UNAUTHORIZED])

    async def _body(self, request: Request) -> Any:
        limit = self.settings.max_body_bytes
        too_large = ScimError(
            413,
            "Request payload exceeds the maximum size of 1048576 bytes.",
            [codes.PAYLOAD_TOO_LARGE],
        )
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        try:
            return orjson.loads(b"".join(chunks))
        except orjson.JSONDecodeError:
            raise ScimError(400, GENERIC_400, [codes.INVALID_JSON], specific=INVALID_JSON) from None

    def _dispatch(
        self, tenant: str, method: str, parts: list[str], request: Request, body: Any
    ) -> Response:
        head = parts[0] if parts else ""
        rest = parts[1:]
        if head == "Users":
            return self._users(tenant, method, rest, request, body)
        if head == "Groups":
            return self._groups(tenant, method, rest, request, body)
        if method != "GET":
            raise _unsupported()
        if head == "ServiceProviderConfig" and not rest:
            return _json(discovery.SERVICE_PROVIDER_CONFIG)
        if head == "Schemas":
            if not rest:
                resources = [discovery.schema_resource(s) for s in discovery.SCHEMAS.values()]
                return _json(discovery.list_response(resources))
            schema = discovery.SCHEMAS.get("/".join(rest))
            if schema is None:
                raise ScimError(404, "Schema not found.", [codes.NOT_FOUND])
            return _json(discovery.schema_resource(schema))
        if head == "ResourceTypes":
            if not rest:
                return _json(discovery.list_response(discovery.RESOURCE_TYPES))
            for resource_type in discovery.RESOURCE_TYPES:
                if resource_type["id"] == "/".join(rest):
                    return _json(resource_type)
            raise ScimError(404, "Resource type not found.", [codes.NOT_FOUND])
        raise _unsupported()

    # --- users --------------------------------------------------------------------------------

    def _object(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ScimError(
                400, GENERIC_400, [codes.INVALID_JSON], specific="The body must be a JSON object."
            )
        return body

    @contextlib.contextmanager
    def _manual_clash(self) -> Iterator[None]:
        """With --strict-manual a create clashing with a manual resource is Okta KB's 400."""
        try:
            yield
        except ScimError as exc:
            if self.settings.strict_manual and codes.MANUAL_RESOURCE in exc.rules:
                raise ScimError(
                    400, GENERIC_400, exc.rules, specific="A manually created resource clashes."
                ) from None
            raise

    def _strict_manual(self, source: str) -> None:
        if self.settings.strict_manual and source == MANUAL:
            raise ScimError(
                400,
                GENERIC_400,
                [codes.MANUAL_RESOURCE],
                specific="The resource was created manually and cannot be changed through SCIM.",
            )

    def _users(
        self, tenant: str, method: str, rest: list[str], request: Request, body: Any
    ) -> Response:
        if not rest:
            if method == "GET":
                return self._list(tenant, "user", request)
            if method == "POST":
                user = self._object(body)
                validate(self.profile, user, "user")
                with self._manual_clash():
                    return _json(self.store.create_user(tenant, user), 201)
            raise _unsupported()
        if len(rest) != 1:
            raise _unsupported()
        user_id = rest[0]
        if method == "GET":
            return _json(self.store.get_user(tenant, user_id))
        if method == "DELETE":
            self.store.delete_user(tenant, user_id)
            return Response(status_code=204)
        if method == "PUT":
            user = self._object(body)
            validate(self.profile, user, "user")

            def replace(_old: dict[str, Any], source: str) -> dict[str, Any]:
                self._strict_manual(source)
                return {k: v for k, v in user.items() if k not in ("id", "meta", "schemas")}

            result = self.store.update_user(tenant, user_id, replace)
            return _json(result, self.settings.put_user_status)
        if method == "PATCH":
            ops = patch.operations(body)

            def change(old: dict[str, Any], source: str) -> dict[str, Any]:
                self._strict_manual(source)
                new = patch.apply_user(old, ops)
                validate(self.profile, new, "user")
                return new

            return _json(self.store.update_user(tenant, user_id, change))
        raise _unsupported()

    # --- groups -------------------------------------------------------------------------------

    def _groups(
        self, tenant: str, method: str, rest: list[str], request: Request, body: Any
    ) -> Response:
        if not rest:
            if method == "GET":
                return self._list(tenant, "group", request)
            if method == "POST":
                group = self._object(body)
                validate(self.profile, group, "group")
                members = group.get("members") or []
                if len(members) > patch.MAX_MEMBER_CHANGES:
                    raise ScimError(
                        400,
                        GENERIC_400,
                        [codes.TOO_MANY_MEMBERS],
                        specific="At most 100 members per request.",
                    )
                with self._manual_clash():
                    return _json(self.store.create_group(tenant, group), 201)
            raise _unsupported()
        if len(rest) != 1:
            raise _unsupported()
        group_id = rest[0]
        if method == "GET":
            return _json(self.store.get_group(tenant, group_id))
        if method == "DELETE":
            self.store.delete_group(tenant, group_id)
            return Response(status_code=204)
        if method == "PATCH":
            changes = patch.group_changes(patch.operations(body))

            def change(old: dict[str, Any], source: str) -> dict[str, Any]:
                self._strict_manual(source)
                new = {**old, **changes.attributes}
                for attr in changes.removed_attributes:
                    new.pop(attr, None)
                new = {k: v for k, v in new.items() if v is not None}
                validate(self.profile, {**new, "members": changes.member_objects}, "group")
                return new

            self.store.update_group(tenant, group_id, change, changes.add, changes.remove)
            return Response(status_code=204)
        if method == "PUT":
            self.store.get_group(tenant, group_id)  # 404 first, as for every other method
            if self.settings.put_group_status == 404:
                raise ScimError(404, "Group not found.", [codes.UNSUPPORTED_OPERATION])
            raise _unsupported()
        raise _unsupported()

    # --- lists --------------------------------------------------------------------------------

    def _list(self, tenant: str, kind: str, request: Request) -> Response:
        query = request.query_params
        flt = filters.parse(query.get("filter"), kind)
        cap = LEGACY_PAGE if self.settings.legacy_page_size else MAX_PAGE
        count = cap
        if query.get("count"):
            try:
                count = int(query["count"])
            except ValueError:
                raise ScimError(
                    400, GENERIC_400, [codes.INVALID_FILTER], specific="count must be a number."
                ) from None
            count = max(0, min(count, cap))
        cursor_mode = "cursor" in query and not self.settings.legacy_page_size
        after = _read_cursor(query.get("cursor") or "", kind, flt) if cursor_mode else None
        lister = self.store.list_users if kind == "user" else self.store.list_groups
        page = lister(tenant, flt, count, after, not cursor_mode)
        if cursor_mode:
            out: dict[str, Any] = {
                "itemsPerPage": len(page.rows),
                "schemas": [LIST_URN],
                "Resources": page.rows,
            }
            if page.more and page.last_seq is not None:
                out["nextCursor"] = _make_cursor(page.last_seq, kind, flt)
            return _json(out)
        return _json(
            {
                "totalResults": page.total,
                "itemsPerPage": len(page.rows),
                "startIndex": 1,
                "schemas": [LIST_URN],
                "Resources": page.rows,
            }
        )


def _filter_hash(kind: str, flt: filters.Filter | None) -> str:
    text = (
        kind + "\0" + (orjson.dumps(flt.terms, option=orjson.OPT_SORT_KEYS).decode() if flt else "")
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _make_cursor(seq: int, kind: str, flt: filters.Filter | None) -> str:
    raw = orjson.dumps({"s": seq, "f": _filter_hash(kind, flt)})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str, kind: str, flt: filters.Filter | None) -> int | None:
    if not cursor:
        return None
    bad = ScimError(
        400,
        GENERIC_400,
        [codes.INVALID_CURSOR],
        specific="The cursor is invalid, or the filter changed between pages.",
    )
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        seq, digest = int(data["s"]), data["f"]
    except Exception:
        raise bad from None
    if digest != _filter_hash(kind, flt):
        raise bad
    return seq


async def _not_found(request: Request) -> Response:
    return error_response(404, "Resource not found.", [codes.NOT_FOUND])


def create_app(
    db_url: str, settings: Settings = DEFAULT_SETTINGS, *, workers: int = 1
) -> Starlette:
    """The emulator as an ASGI app (migrations run here, before the first request)."""
    emulator = Emulator(db_url, settings, workers)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        emulator.db.dispose()

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    app = Starlette(
        routes=[
            Route("/{tenant}/scim/v2/{rest:path}", emulator.handle, methods=methods),
            Route("/{tenant}/scim/v2", emulator.handle, methods=methods),
        ],
        lifespan=lifespan,
    )
    app.state.emulator = emulator

    async def not_found_handler(request: Request, exc: Exception) -> Response:
        return await _not_found(request)

    app.add_exception_handler(404, not_found_handler)
    app.add_exception_handler(405, not_found_handler)
    return app
