"""The ASGI app: AWS's URLs, auth, quotas, faults, then the resource handlers.

Routing is one catch-all under `/{tenantId}/scim/v2/`, dispatched here, so an unknown endpoint
or method under a valid tenant is AWS's 400 (unsupported operation) after authentication, and
anything else is a 404, all with AWS's error body.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scimguard.profile import Kind, Profile
from scimguard.profile.schema import LIST_URN
from scimguard.server import codes, discovery, inputs, openapi, patch
from scimguard.server.cursors import Cursors, deployment_key
from scimguard.server.db import Database
from scimguard.server.errors import (
    FAULT_DETAILS,
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
from scimguard.server.store import Store
from scimguard.server.tables import MANUAL
from scimguard.server.tokens import hash_token, verify

log = logging.getLogger("scimguard.server")
MAX_PAGE = 100
LEGACY_PAGE = 50
WARNING_HEADER = "X-Scimguard-Warning"
AUTH_CACHE_SECONDS = 1.0  # revocation and expiry take effect within this delay


def _json(data: Any, status: int = 200, request_id: str = "") -> Response:
    return Response(
        orjson.dumps(data),
        status,
        headers={REQUEST_ID_HEADER: request_id},
        media_type="application/json",
    )


def _warn(response: Response, warnings: list[str]) -> Response:
    """Accepted, but the profile has warnings: name them (AWS would say nothing)."""
    if warnings:
        response.headers[WARNING_HEADER] = ",".join(dict.fromkeys(warnings))
    return response


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
        self.cursors = Cursors(deployment_key(self.db))
        self.quotas = Quotas(
            settings.quota_writes,
            settings.quota_reads,
            enabled=settings.quotas,
            workers=workers,
            retry_after=settings.retry_after,
        )
        self.faults = Faults(settings.fault_rate, settings.fault_statuses, settings.fault_seed)
        # SQLite calls take microseconds and writes are serialised anyway: run them on the event
        # loop (no thread hops, no GIL ping-pong). PostgreSQL calls go to the thread pool.
        self.inline = self.db.sqlite if settings.inline_db is None else settings.inline_db
        self._auth_cache: dict[tuple[str, str], float] = {}
        self.also_refuse = frozenset({"empty-list"} if settings.reject_empty_lists else ())

    # --- the request pipeline -----------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            response = await self._handle(request, request_id)
        except ScimError as exc:
            return render(exc, specific=self.settings.detail == "specific", request_id=request_id)
        except Exception:  # never a traceback in a body
            log.exception("internal error")
            return error_response(500, FAULT_DETAILS[500], [], request_id=request_id)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    async def _handle(self, request: Request, request_id: str) -> Response:
        tenant = inputs.tenant(request.path_params["tenant"])
        method = request.method
        parts = [p for p in request.path_params.get("rest", "").split("/") if p]
        raw = None
        if method in ("POST", "PUT", "PATCH") and parts and parts[0] in ("Users", "Groups"):
            raw = await self._raw_body(request)
        if self.inline:
            return self._process(tenant, method, parts, request, raw)
        return await run_in_threadpool(self._process, tenant, method, parts, request, raw)

    def _process(
        self, tenant: str, method: str, parts: list[str], request: Request, raw: bytes | None
    ) -> Response:
        """Auth, quota, faults, then the handler: one synchronous step (see `inline`)."""
        self._authenticate(request, tenant)
        self.quotas.check(tenant, "read" if method in ("GET", "HEAD") else "write")
        self.faults.maybe_fail()
        inputs.path_parts(parts)  # after auth: a stranger learns nothing, as from AWS
        inputs.query(request.query_params)
        body = None
        if raw is not None:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise ScimError(
                    400, GENERIC_400, [codes.INVALID_JSON], specific=INVALID_JSON
                ) from None
        return self._dispatch(tenant, method, parts, request, body)

    def _authenticate(self, request: Request, tenant: str) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            key = (tenant, hash_token(token))
            now = time.monotonic()
            if self._auth_cache.get(key, 0.0) > now:
                return
            if verify(self.db, tenant, token):
                if len(self._auth_cache) > 10_000:
                    self._auth_cache.clear()
                self._auth_cache[key] = now + AUTH_CACHE_SECONDS
                return
        raise ScimError(401, UNAUTHORIZED_401, [codes.UNAUTHORIZED])

    async def _raw_body(self, request: Request) -> bytes:
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
        return b"".join(chunks)

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
                user, warnings = inputs.user(self.profile, body, self.also_refuse)
                with self._manual_clash():
                    return _warn(_json(self.store.create_user(tenant, user), 201), warnings)
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
            user, warnings = inputs.user(self.profile, body, self.also_refuse)

            def replace(_old: dict[str, Any], source: str) -> dict[str, Any]:
                self._strict_manual(source)
                return {k: v for k, v in user.items() if k not in ("id", "meta", "schemas")}

            result = self.store.update_user(tenant, user_id, replace)
            return _warn(_json(result, self.settings.put_user_status), warnings)
        if method == "PATCH":
            ops = inputs.patch_operations(body)
            found: list[str] = []

            def change(old: dict[str, Any], source: str) -> dict[str, Any]:
                self._strict_manual(source)
                new = patch.apply_user(old, ops)
                found.extend(inputs.patched(self.profile, new, "user", self.also_refuse))
                return new

            return _warn(_json(self.store.update_user(tenant, user_id, change)), found)
        raise _unsupported()

    # --- groups -------------------------------------------------------------------------------

    def _groups(
        self, tenant: str, method: str, rest: list[str], request: Request, body: Any
    ) -> Response:
        if not rest:
            if method == "GET":
                return self._list(tenant, "group", request)
            if method == "POST":
                group, members, warnings = inputs.group(self.profile, body)
                with self._manual_clash():
                    created = self.store.create_group(tenant, group, members=members)
                    return _warn(_json(created, 201), warnings)
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
            changes = patch.group_changes(inputs.patch_operations(body))
            found = []

            def change(old: dict[str, Any], source: str) -> dict[str, Any]:
                self._strict_manual(source)
                new = {**old, **changes.attributes}
                for attr in changes.removed_attributes:
                    new.pop(attr, None)
                new = {k: v for k, v in new.items() if v is not None}
                group = {**new, "members": changes.member_objects}
                found.extend(inputs.patched(self.profile, group, "group"))
                return new

            self.store.update_group(tenant, group_id, change, changes.add, changes.remove)
            return _warn(Response(status_code=204), found)
        if method == "PUT":
            self.store.get_group(tenant, group_id)  # 404 first, as for every other method
            if self.settings.put_group_status == 404:
                raise ScimError(404, "Group not found.", [codes.UNSUPPORTED_OPERATION])
            raise _unsupported()
        raise _unsupported()

    # --- lists --------------------------------------------------------------------------------

    def _list(self, tenant: str, kind: Kind, request: Request) -> Response:
        cap = LEGACY_PAGE if self.settings.legacy_page_size else MAX_PAGE
        wanted = inputs.list_request(
            request.query_params, kind, self.cursors, cap, self.settings.legacy_page_size
        )
        lister = self.store.list_users if kind == "user" else self.store.list_groups
        page = lister(tenant, wanted.filter, wanted.count, wanted.after, not wanted.cursor_mode)
        if wanted.cursor_mode:
            out: dict[str, Any] = {
                "itemsPerPage": len(page.rows),
                "schemas": [LIST_URN],
                "Resources": page.rows,
            }
            if page.more and page.last_seq is not None:
                out["nextCursor"] = self.cursors.make(page.last_seq, kind, wanted.filter)
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
    document = orjson.dumps(openapi.document())

    async def openapi_document(request: Request) -> Response:
        return Response(document, media_type="application/json")

    app = Starlette(
        routes=[
            Route(openapi.PATH, openapi_document, methods=["GET"]),
            Route("/{tenant}/scim/v2/{rest:path}", emulator.handle, methods=methods),
            Route("/{tenant}/scim/v2", emulator.handle, methods=methods),
        ],
        lifespan=lifespan,
    )
    app.state.emulator = emulator

    async def not_found_handler(request: Request, exc: Exception) -> Response:
        return await _not_found(request)

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.error("internal error outside the request pipeline: %s", exc.__class__.__name__)
        return error_response(500, FAULT_DETAILS[500], [])

    app.add_exception_handler(404, not_found_handler)
    app.add_exception_handler(405, not_found_handler)
    app.add_exception_handler(Exception, internal_error)  # never a traceback page
    return app
