"""The emulator's OpenAPI 3.0 document, served at `GET /openapi.json` (no token needed).

It describes AWS's SCIM API as the emulator implements it, deviations from RFC 7644 included
(docs/aws-deviations.md): AWS's error body with `schema` and `schemas` and a string `status`,
cursor paging, groups that never return members, PATCH /Groups answering 204, PUT /Groups
refused. Users generate clients from it; `tests/server/test_openapi.py` fuzzes the emulator
with schemathesis against it (no 5xx, no response that breaks it). Built from the same
constants the handlers use, so the two cannot drift on names.
"""

from __future__ import annotations

from typing import Any

from scimguard import __version__
from scimguard.profile.schema import (
    ENTERPRISE_STRINGS,
    ENTERPRISE_URN,
    GROUP_URN,
    LIST_URN,
    MULTI_VALUED,
    NAME_SUBS,
    USER_STRINGS,
    USER_URN,
)
from scimguard.rates import READS_PER_SECOND, WRITES_PER_SECOND
from scimguard.server import filters, patch
from scimguard.server.cursors import LENGTH as CURSOR_LENGTH
from scimguard.server.errors import REQUEST_ID_HEADER, RULE_HEADER

PATH = "/openapi.json"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_REF = "#/components/schemas/"
_JSON_TYPES = ("application/scim+json", "application/json")

_ERRORS = {
    "400": "ValidationException: unparsable, violates the schema or a rule, or unsupported.",
    "401": "UnauthorizedException: missing, wrong, expired or revoked token, or unknown tenant.",
    "404": "ResourceNotFoundException.",
    "409": "ConflictException: a unique key (userName, email, externalId, displayName) is taken.",
    "413": "The body is larger than 1 MiB (`payload-too-large`; AWS's status is not documented).",
    "429": "ThrottlingException: over the tenant's quota "
    f"({WRITES_PER_SECOND:g} writes, {READS_PER_SECOND:g} reads per second).",
    "500": "InternalServerException (only injected by `--fault-rate`).",
    "502": "Injected by `--fault-rate --fault-status 502`.",
    "503": "Injected by `--fault-rate` (default statuses 500 and 503).",
    "504": "Injected by `--fault-rate --fault-status 504`.",
}
_ALWAYS = ("400", "401", "429", "500", "502", "503", "504")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {media: {"schema": schema} for media in _JSON_TYPES[1:]}


def _response(description: str, schema: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": description,
        "headers": {REQUEST_ID_HEADER: {"$ref": "#/components/headers/RequestId"}},
    }
    if schema is not None:
        out["headers"]["X-Scimguard-Warning"] = {"$ref": "#/components/headers/Warning"}
        out["content"] = _json(_ref(schema))
    return out


def _operation(
    summary: str,
    ok: dict[str, dict[str, Any]],
    errors: tuple[str, ...] = (),
    *,
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    responses = dict(ok)
    for code in sorted({*_ALWAYS, *errors}):
        responses[code] = {"$ref": f"#/components/responses/Error{code}"}
    if body is not None:
        responses["413"] = {"$ref": "#/components/responses/Error413"}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {media: {"schema": _ref(body)} for media in _JSON_TYPES},
        }
    return op


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_LIST_PARAMS: list[dict[str, Any]] = [
    {
        "name": "filter",
        "in": "query",
        "description": '`<attr> eq "<value>"`, at most two terms joined by `and`, only AWS\'s '
        "combinations (docs/serve.md). Anything else: 400 `Invalid Filter format`.",
        "schema": {"type": "string", "maxLength": filters.MAX_LENGTH},
    },
    {
        "name": "count",
        "in": "query",
        "description": "Page size; clamped to 0-100 (50 with `--legacy-paging`).",
        "schema": {"type": "integer"},
    },
    {
        "name": "cursor",
        "in": "query",
        "allowEmptyValue": True,
        "description": "Present (even empty) to page by cursor; then `nextCursor` of the last "
        "page. Signed by the emulator: any other value is 400 `invalid-cursor`.",
        "schema": {"type": "string", "maxLength": CURSOR_LENGTH},
    },
    {
        "name": "startIndex",
        "in": "query",
        "description": "Ignored, as AWS does not support it.",
        "schema": {"type": "integer"},
    },
]


def _strings(names: frozenset[str] | set[str]) -> dict[str, Any]:
    return {name: {"type": "string"} for name in sorted(names)}


def _schemas() -> dict[str, Any]:
    element = {
        "type": "object",
        "properties": {
            "value": {"type": "string"},
            "type": {"type": "string"},
            "primary": {"type": "boolean"},
        },
    }
    user_props: dict[str, Any] = {
        **_strings(USER_STRINGS),
        "name": {"type": "object", "properties": _strings(NAME_SUBS)},
        "active": {"type": "boolean"},
        **{name: {"type": "array", "maxItems": 1, "items": element} for name in MULTI_VALUED},
        ENTERPRISE_URN: {
            "type": "object",
            "properties": {
                **_strings(ENTERPRISE_STRINGS),
                "manager": {"type": "object", "properties": {"value": {"type": "string"}}},
            },
        },
    }
    meta = {
        "type": "object",
        "required": ["resourceType", "created", "lastModified"],
        "properties": {
            "resourceType": {"type": "string", "enum": ["User", "Group"]},
            "created": {"type": "string"},
            "lastModified": {"type": "string"},
        },
    }
    member = {
        "type": "object",
        "required": ["value"],
        "properties": {"value": {"type": "string", "minLength": 1}, "type": {"type": "string"}},
    }
    return {
        "Error": {
            "type": "object",
            "description": "AWS's error body: `schema` and `schemas`, `status` as a string, no "
            "`scimType` (a deviation from RFC 7644).",
            "required": ["schema", "schemas", "detail", "status", "exceptionRequestId"],
            "properties": {
                "schema": {"type": "array", "items": {"type": "string"}},
                "schemas": {"type": "array", "items": {"type": "string"}},
                "detail": {"type": "string"},
                "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
                "exceptionRequestId": {"type": "string"},
                "timeStamp": {"type": "string"},
            },
        },
        "UserRequest": {
            "type": "object",
            "description": "userName, name.givenName, name.familyName and displayName are "
            "required; the profile's rules (docs/rules) refuse the rest with 400.",
            "required": ["userName", "name", "displayName"],
            "properties": {"schemas": {"type": "array", "items": {"type": "string"}}, **user_props},
        },
        "User": {
            "type": "object",
            "required": ["id", "meta", "schemas", "userName"],
            "properties": {
                "id": {"type": "string"},
                "meta": meta,
                "schemas": {
                    "type": "array",
                    "items": {"type": "string", "enum": [USER_URN, ENTERPRISE_URN]},
                },
                **user_props,
            },
        },
        "GroupRequest": {
            "type": "object",
            "required": ["displayName"],
            "properties": {
                "schemas": {"type": "array", "items": {"type": "string"}},
                "displayName": {"type": "string"},
                "externalId": {"type": "string"},
                "members": {"type": "array", "maxItems": patch.MAX_MEMBER_CHANGES, "items": member},
            },
        },
        "Group": {
            "type": "object",
            "description": "Never carries members, except `[]` in lists (AWS).",
            "required": ["id", "meta", "schemas", "displayName"],
            "properties": {
                "id": {"type": "string"},
                "meta": meta,
                "schemas": {"type": "array", "items": {"type": "string", "enum": [GROUP_URN]}},
                "displayName": {"type": "string"},
                "externalId": {"type": "string"},
                "members": {"type": "array", "maxItems": 0},
            },
        },
        "PatchOp": {
            "type": "object",
            "required": ["Operations"],
            "properties": {
                "schemas": {"type": "array", "items": {"type": "string", "enum": [PATCH_URN]}},
                "Operations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["op"],
                        "properties": {
                            "op": {"type": "string", "enum": ["add", "replace", "remove"]},
                            "path": {"type": "string", "minLength": 1},
                            "value": {},
                        },
                    },
                },
            },
        },
        "UserList": _list("User"),
        "GroupList": _list("Group"),
        "Resource": {"type": "object", "additionalProperties": True},
        "ResourceList": _list("Resource"),
    }


def _list(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Without `cursor`: totalResults, itemsPerPage, startIndex 1. With "
        "`cursor`: itemsPerPage and, while more follow, nextCursor; no totalResults.",
        "required": ["schemas", "itemsPerPage", "Resources"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string", "enum": [LIST_URN]}},
            "totalResults": {"type": "integer", "minimum": 0},
            "itemsPerPage": {"type": "integer", "minimum": 0},
            "startIndex": {"type": "integer", "enum": [1]},
            "nextCursor": {"type": "string"},
            "Resources": {"type": "array", "items": _ref(item)},
        },
    }


def _paths() -> dict[str, Any]:
    ok = _response
    return {
        "/Users": {
            "get": _operation(
                "ListUsers", {"200": ok("A page of users.", "UserList")}, params=_LIST_PARAMS
            ),
            "post": _operation(
                "CreateUser", {"201": ok("Created.", "User")}, ("409",), body="UserRequest"
            ),
        },
        "/Users/{id}": {
            "parameters": [_ID],
            "get": _operation("GetUser", {"200": ok("The user.", "User")}, ("404",)),
            "put": _operation(
                "PutUser",
                {
                    "200": ok("Replaced.", "User"),
                    "201": ok("Replaced (`--put-user-status 201`).", "User"),
                },
                ("404", "409"),
                body="UserRequest",
            ),
            "patch": _operation(
                "PatchUser",
                {"200": ok("Patched: the whole user.", "User")},
                ("404", "409"),
                body="PatchOp",
            ),
            "delete": _operation("DeleteUser", {"204": ok("Deleted.")}, ("404",)),
        },
        "/Groups": {
            "get": _operation(
                "ListGroups",
                {"200": ok("A page of groups.", "GroupList")},
                ("404",),
                params=_LIST_PARAMS,
                description="A member filter naming no user of the tenant is 404.",
            ),
            "post": _operation(
                "CreateGroup",
                {"201": ok("Created (without members).", "Group")},
                ("404", "409"),
                body="GroupRequest",
            ),
        },
        "/Groups/{id}": {
            "parameters": [_ID],
            "get": _operation("GetGroup", {"200": ok("The group, no members.", "Group")}, ("404",)),
            "patch": _operation(
                "PatchGroup",
                {"204": ok("Patched; no body (AWS).")},
                ("404", "409"),
                body="PatchOp",
            ),
            "put": _operation(
                "PutGroup (unsupported)",
                {},
                ("404",),
                description="Not supported by AWS: 400 (404 with `--put-group-status 404`).",
            ),
            "delete": _operation("DeleteGroup", {"204": ok("Deleted.")}, ("404",)),
        },
        "/ServiceProviderConfig": {
            "get": _operation("ServiceProviderConfig", {"200": ok("AWS's payload.", "Resource")})
        },
        "/Schemas": {"get": _operation("ListSchemas", {"200": ok("Schemas.", "ResourceList")})},
        "/Schemas/{id}": {
            "parameters": [_ID],
            "get": _operation("GetSchema", {"200": ok("A schema.", "Resource")}, ("404",)),
        },
        "/ResourceTypes": {
            "get": _operation("ListResourceTypes", {"200": ok("User, Group.", "ResourceList")})
        },
        "/ResourceTypes/{id}": {
            "parameters": [_ID],
            "get": _operation("GetResourceType", {"200": ok("One.", "Resource")}, ("404",)),
        },
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI document (a fresh dict each call)."""
    error_headers = {
        REQUEST_ID_HEADER: {"$ref": "#/components/headers/RequestId"},
        RULE_HEADER: {"$ref": "#/components/headers/Rule"},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "scimguard serve: AWS IAM Identity Center SCIM, emulated",
            "version": __version__,
            "description": "AWS IAM Identity Center's SCIM 2.0 endpoint as `scimguard serve` "
            "implements it, deviations from RFC 7644 included (docs/serve.md, "
            "docs/aws-deviations.md). Every refusal carries `X-Scimguard-Rule`.",
        },
        "servers": [
            {
                "url": "/{tenantId}/scim/v2",
                "variables": {
                    "tenantId": {
                        "default": "TENANT",
                        "description": "The tenant id of `scimguard tenant create`.",
                    }
                },
            }
        ],
        "security": [{"bearerAuth": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token of `scimguard tenant create` or `token create`.",
                }
            },
            "headers": {
                "RequestId": {"schema": {"type": "string"}, "description": "On every answer."},
                "Rule": {
                    "schema": {"type": "string"},
                    "description": "The codes of the rules a refused request broke.",
                },
                "Warning": {
                    "schema": {"type": "string"},
                    "description": "Profile warnings of an accepted record.",
                },
            },
            "responses": {
                f"Error{code}": {
                    "description": text,
                    "headers": error_headers,
                    "content": _json(_ref("Error")),
                }
                for code, text in _ERRORS.items()
            },
            "schemas": _schemas(),
        },
    }
