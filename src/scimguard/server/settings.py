"""What a running emulator is configured with (the `serve` flags)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from scimguard.profile import Switches
from scimguard.rates import READS_PER_SECOND, WRITES_PER_SECOND

Detail = Literal["generic", "specific"]

# How every way of serving the emulator runs uvicorn (cli/serve.py, testing.py): always h11, so
# the answer to a request does not depend on whether httptools is installed, and a request line
# and headers of up to 256 KiB (h11's default is 16 KiB), so that the longest filter the
# emulator accepts (filters.MAX_LENGTH code points, percent-encoded) reaches it; beyond that,
# uvicorn itself answers a plain-text 400 (docs/serve.md).
HTTP_OPTIONS: dict[str, Any] = {"http": "h11", "h11_max_incomplete_event_size": 256 * 1024}


@dataclass(frozen=True)
class Settings:
    """Every switch of the emulator; defaults are AWS's behaviour (docs/serve.md)."""

    switches: Switches = field(default_factory=Switches)
    detail: Detail = "generic"
    quotas: bool = True
    quota_writes: float = WRITES_PER_SECOND  # per tenant per second
    quota_reads: float = READS_PER_SECOND  # per tenant per second
    fault_rate: float = 0.0
    fault_statuses: tuple[int, ...] = (500, 503)
    fault_seed: int | None = None
    put_user_status: int = 200  # the doc example shows 201; clients accept any 2xx
    put_group_status: int = 400  # PUT /Groups is unsupported: 400 (or 404)
    strict_manual: bool = False  # 400 on SCIM writes to manually created resources (Okta KB)
    legacy_page_size: bool = False  # cap lists at 50 and refuse cursors (pre-2025 AWS)
    unknown_member_status: int = 404  # PATCH add of a member id that is no user
    max_body_bytes: int = 1024 * 1024
    reject_empty_lists: bool = False  # refuse `"emails": []` (the profile only warns)
    retry_after: int | None = None  # Retry-After seconds on 429 (AWS: not documented)
    inline_db: bool | None = None  # None: on the event loop for SQLite, thread pool for PG
    default_active: bool | None = False  # `active` of a user created without it (None: absent)

    @classmethod
    def from_dict(cls, given: dict[str, Any]) -> Settings:
        """Settings from plain values, as JSON or keyword arguments give them (`switches` a
        dict, `fault_statuses` a list); the one place they come back from such a form."""
        values = dict(given)
        if isinstance(values.get("switches"), dict):
            values["switches"] = Switches.from_dict(values["switches"])
        if "fault_statuses" in values:
            values["fault_statuses"] = tuple(values["fault_statuses"])
        return cls(**values)


DEFAULT_SETTINGS = Settings()
