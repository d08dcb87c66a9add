"""What the AWS IAM Identity Center SCIM schema holds (aws-identity-center-scim.md, section 3)."""

from __future__ import annotations

ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"

# Never checked as string values (rules.md, "Where rules apply").
SKIPPED = frozenset({"schemas", "id", "meta"})
# Every string rule but forbidden-character applies to these (a URL holds `:` and `%`).
URI_ATTRIBUTES = frozenset({"profileUrl", "$ref"})
# Where TAB, LF and CR are allowed: addresses[].streetAddress and any `formatted`.
MULTILINE = frozenset({"streetAddress", "formatted"})
# AWS refuses more than 100 member changes in one create or PATCH.
MAX_MEMBERS = 100

USER_STRINGS = frozenset(
    {
        "userName",
        "externalId",
        "displayName",
        "nickName",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
    }
)
NAME_SUBS = frozenset(
    {"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"}
)
MULTI_VALUED = ("emails", "phoneNumbers", "addresses", "roles")
MULTI_SUBS: dict[str, frozenset[str]] = {
    "emails": frozenset({"value", "type", "primary"}),
    "phoneNumbers": frozenset({"value", "type", "primary"}),
    "addresses": frozenset(
        {
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
            "type",
            "primary",
        }
    ),
    "roles": frozenset({"value", "type", "primary"}),
}
ADDRESS_PARTS = ("streetAddress", "locality", "region", "postalCode", "country")
# Okta's names for the address parts, for messages admins recognise.
ADDRESS_PART_LABELS = {
    "streetAddress": "street address",
    "locality": "city",
    "region": "state",
    "postalCode": "zip code",
    "country": "country code",
}
ENTERPRISE_STRINGS = frozenset(
    {"employeeNumber", "costCenter", "organization", "division", "department"}
)
MANAGER_SUBS = frozenset({"value", "$ref"})
UNSUPPORTED_USER = frozenset(
    {"password", "photos", "ims", "x509Certificates", "entitlements", "groups"}
)
REQUIRED_USER = ("userName", "name.givenName", "name.familyName", "displayName")

GROUP_ALLOWED = frozenset({"displayName", "externalId", "members"})
MEMBER_SUBS = frozenset({"value", "type", "$ref", "display"})

IDENTIFIERS = frozenset({"userName", "externalId"})
MAX_LENGTH = {"userName": 128, "externalId": 256}
DEFAULT_MAX_LENGTH = 1024

RESERVED_NAMES = frozenset({"administrator", "awsadministrators"})
