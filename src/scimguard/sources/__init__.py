"""Where the desired state comes from: the `Source` seam and the sources built on it.

Modules, one job each:
    snapshot  the desired state's types: SourceRecord, Snapshot, SourceError (a leaf)
    base      the `Source` protocol, `ReadContext` (retry policy, state, progress) and the
              registry (`register`, `source_for`; entry points `scimguard.sources`)
    http      `ApiClient`: the one HTTP reader of API sources (retries by sync/backoff.py,
              the API's own error text)
    read      `read_spec` / `read_all`: specs through the registry into one `Snapshot`
    files     record files (JSON, JSONL, CSV, Okta exports) through `scimguard.records`
    okta      the Okta Users and Groups API
    okta_write  a partial profile update of one Okta user (the console's *Apply suggested fix*),
              through the reader's `OktaClient`
    google    Google Workspace: the Admin SDK Directory API (google_auth: the delegated
              service-account credentials; google_mapping: Google users to SCIM)
    graph     Microsoft Graph as an `ApiClient` (msal client-credentials token, paging)
    entra_map Graph users and groups to SCIM (AWS's Entra ID mapping, `--mapping`)
    entra     Microsoft Entra ID: full reads and delta queries (cursor in the state)

A source never decides what is removed: it says when its read was partial (`problems`), and
the engine's planner then removes nothing. Importing this package registers the built-ins.
"""

from __future__ import annotations

from scimguard.sources.base import (
    ReadContext,
    Source,
    SourceState,
    register,
    registered,
    source_for,
)
from scimguard.sources.entra import EntraSource
from scimguard.sources.files import FileSource, file_spec
from scimguard.sources.google import GoogleSource
from scimguard.sources.okta import OktaSource
from scimguard.sources.read import describe, read_all, read_spec
from scimguard.sources.snapshot import Snapshot, SourceError, SourceRecord

register(FileSource())
register(OktaSource())
register(GoogleSource())
register(EntraSource())

__all__ = [
    "ReadContext",
    "Snapshot",
    "Source",
    "SourceError",
    "SourceRecord",
    "SourceState",
    "describe",
    "file_spec",
    "read_all",
    "read_spec",
    "register",
    "registered",
    "source_for",
]
