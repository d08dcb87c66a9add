"""What a sync run is configured with, stored with the run and read back by Retry as one object.

`RunSettings.to_json` is what `sync_runs.options` holds; `RunSettings.from_json` is the one
place that reads it back, so a default is written once (here, or on the dataclass it belongs
to) and a retried task is planned with the settings of the run that filed it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from scimguard.profile.switches import DEFAULT_SWITCHES, Switches
from scimguard.rates import READS_PER_SECOND, WRITES_PER_SECOND
from scimguard.sync.planner import Options

# Runs recorded before `--incomplete-address` existed blocked partial addresses.
_BEFORE_INCOMPLETE_ADDRESS = {"incomplete_address": "block"}


@dataclass(frozen=True)
class RunSettings:
    options: Options = field(default_factory=Options)
    switches: Switches = DEFAULT_SWITCHES
    rate_writes: float = WRITES_PER_SECOND
    rate_reads: float = READS_PER_SECOND

    def to_dict(self) -> dict[str, Any]:
        """One flat object, as `sync_runs.options` has always held it."""
        return {
            **asdict(self.options),
            "rate_writes": self.rate_writes,
            "rate_reads": self.rate_reads,
            **asdict(self.switches),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> RunSettings:
        """The settings of a stored run; a key the run did not record takes its default."""
        stored = {**_BEFORE_INCOMPLETE_ADDRESS, **stored}

        def known(kind: type) -> dict[str, Any]:
            return {f.name: stored[f.name] for f in fields(kind) if f.name in stored}

        default = cls()
        return cls(
            options=Options(**known(Options)),
            switches=Switches.from_dict(stored),
            rate_writes=float(stored.get("rate_writes", default.rate_writes)),
            rate_reads=float(stored.get("rate_reads", default.rate_reads)),
        )

    @classmethod
    def from_json(cls, text: str | None) -> RunSettings:
        return cls.from_dict(json.loads(text or "{}"))
