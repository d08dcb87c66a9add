"""`/ServiceProviderConfig`, `/Schemas`, `/Schemas/{urn}`, `/ResourceTypes` as AWS documents them.

AWS's payloads keep their quirks: `filter.maxResults` says 50 although pages hold 100, and
`/ResourceTypes` marks the enterprise extension required (aws-identity-center-scim.md s. 2).
"""

from __future__ import annotations

from typing import Any

from scimguard.profile.schema import ENTERPRISE_URN, GROUP_URN, LIST_URN, USER_URN

SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
_DOCS = "https://docs.aws.amazon.com/singlesignon/latest/userguide/"

SERVICE_PROVIDER_CONFIG: dict[str, Any] = {
    "schemas": [SPC_URN],
    "documentationUri": _DOCS + "manage-your-identity-source-idp.html",
    "authenticationSchemes": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "documentationUri": _DOCS + "provision-automatically.html",
            "primary": True,
        }
    ],
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 1, "maxPayloadSize": 1048576},
    "filter": {"supported": True, "maxResults": 50},
    "changePassword": {"supported": False},
    "sort": {"supported": False},
    "etag": {"supported": False},
}


def _attr(
    name: str,
    type_: str = "string",
    *,
    multi: bool = False,
    required: bool = False,
    case_exact: bool = False,
    uniqueness: str = "none",
    sub: list[dict[str, Any]] | None = None,
    mutability: str = "readWrite",
    returned: str = "default",
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": name,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub is not None:
        out["subAttributes"] = sub
    return out


def _multi(name: str, subs: list[str]) -> dict[str, Any]:
    subattrs = [_attr(s, "boolean") if s == "primary" else _attr(s) for s in subs]
    return _attr(name, "complex", multi=True, sub=subattrs)


USER_SCHEMA: dict[str, Any] = {
    "id": USER_URN,
    "name": "User",
    "description": "User Account",
    "attributes": [
        _attr("userName", required=True, uniqueness="server"),
        _attr(
            "name",
            "complex",
            sub=[
                _attr("formatted"),
                _attr("familyName", required=True),
                _attr("givenName", required=True),
                _attr("middleName"),
                _attr("honorificPrefix"),
                _attr("honorificSuffix"),
            ],
        ),
        _attr("displayName"),
        _attr("nickName"),
        _attr("profileUrl", "reference"),
        _attr("title"),
        _attr("userType"),
        _attr("preferredLanguage"),
        _attr("locale"),
        _attr("timezone"),
        _attr("active", "boolean"),
        _multi("emails", ["value", "type", "primary"]),
        _multi("phoneNumbers", ["value", "type"]),
        _multi(
            "addresses",
            ["formatted", "streetAddress", "locality", "region", "postalCode", "country", "type"],
        ),
        _multi("roles", ["value", "type", "primary"]),
        _attr(
            "groups",
            "complex",
            multi=True,
            mutability="readOnly",
            sub=[_attr("value", mutability="readOnly"), _attr("display", mutability="readOnly")],
        ),
    ],
}
ENTERPRISE_SCHEMA: dict[str, Any] = {
    "id": ENTERPRISE_URN,
    "name": "EnterpriseUser",
    "description": "Enterprise User",
    "attributes": [
        _attr("employeeNumber"),
        _attr("costCenter"),
        _attr("organization"),
        _attr("division"),
        _attr("department"),
        _attr("manager", "complex", sub=[_attr("value"), _attr("$ref", "reference")]),
    ],
}
GROUP_SCHEMA: dict[str, Any] = {
    "id": GROUP_URN,
    "name": "Group",
    "description": "Group",
    "attributes": [
        _attr("displayName", required=True, uniqueness="server"),
        _attr(
            "members",
            "complex",
            multi=True,
            sub=[_attr("value"), _attr("type"), _attr("$ref", "reference")],
        ),
    ],
}
SCHEMAS = {s["id"]: s for s in (USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA)}

RESOURCE_TYPES: list[dict[str, Any]] = [
    {
        "schemas": [RESOURCE_TYPE_URN],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_URN,
        "schemaExtensions": [{"schema": ENTERPRISE_URN, "required": True}],
    },
    {
        "schemas": [RESOURCE_TYPE_URN],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Group",
        "schema": GROUP_URN,
        "schemaExtensions": [],
    },
]


def schema_resource(schema: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [SCHEMA_URN], **schema}


def list_response(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "totalResults": len(resources),
        "itemsPerPage": len(resources),
        "startIndex": 1,
        "schemas": [LIST_URN],
        "Resources": resources,
    }
