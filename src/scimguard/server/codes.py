"""Codes the emulator puts in `X-Scimguard-Rule` besides the profile's record rules.

Record refusals carry the profile's codes (rules.md). These name what a *request* got wrong
(its shape, filter, paging, auth, quota), which no record rule covers. docs/serve.md lists them.
"""

from __future__ import annotations

INVALID_JSON = "invalid-json"  # body is not JSON, or not a JSON object
INVALID_PATCH = "invalid-patch"  # a PATCH request AWS does not support (section 6)
TOO_MANY_MEMBERS = "too-many-members"  # more than 100 membership changes in one request
INVALID_FILTER = "invalid-filter"  # not one of AWS's filter combinations (section 5)
INVALID_CURSOR = "invalid-cursor"  # unreadable cursor, or the filter changed between pages
UNSUPPORTED_OPERATION = "unsupported-operation"  # PUT /Groups, /Bulk, /Me, unknown route...
PAYLOAD_TOO_LARGE = "payload-too-large"  # body over 1 MiB
NOT_FOUND = "not-found"  # no such user or group in this tenant
UNAUTHORIZED = "unauthorized"  # missing/wrong/expired/revoked token or wrong tenant
THROTTLED = "throttled"  # over the tenant's quota
INJECTED_FAULT = "injected-fault"  # --fault-rate answered this request with a failure
UNKNOWN_ATTRIBUTE = "unknown-attribute"  # PATCH path naming no attribute (names are case-sensitive)
MANUAL_RESOURCE = "manually-sourced"
UNKNOWN_MEMBER = "unknown-member"
NESTED_GROUP = "nested-group"
