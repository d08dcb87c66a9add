"""The emulator: a SCIM endpoint that behaves like AWS IAM Identity Center's (`scimguard serve`).

Validation is the profile's (`scimguard.profile`); this package holds the HTTP shape, storage,
tenants and tokens, filters, PATCH, paging, quotas and fault injection.

Every request passes `inputs` (path, query and body checked, the profile's rules applied)
before `store` (the emulator's users, groups and memberships) is called. The store keeps what
`normalise` says of a resource (the user AWS keeps, its unique keys), answers with `resources`
(a row in AWS's shape) and, when the database refuses a write, raises the 409 that `conflicts`
diagnoses. `db` opens and migrates the database, `tables` holds its SQL tables (and the
`source` values `SCIM`, `MANUAL`); `cursors` signs list cursors; `openapi` is the document
served at `/openapi.json`. `settings` is what a running emulator is configured with (its quota
defaults are `scimguard.rates`'s).
"""
