"""The emulator: a SCIM endpoint that behaves like AWS IAM Identity Center's (`scimguard serve`).

Validation is the profile's (`scimguard.profile`); this package holds the HTTP shape, storage,
tenants and tokens, filters, PATCH, paging, quotas and fault injection.
"""
