"""Every user a probe may have created, written down before the request that creates it.

The journal lives in the engine's state (the `sync_source_state` table, one key per target),
so that `probe --cleanup` finds what a killed run left behind: a userName is written before
its POST is sent (the run may die before the answer), its id once the answer names it. Cleanup
deletes by id, or finds the user by `userName eq` when the id never came back.
"""

from __future__ import annotations

from typing import Any

from scimguard.sync.source_state import EngineSourceState


class Journal:
    def __init__(self, state: EngineSourceState, target_url: str) -> None:
        self.state = state
        self.key = f"probe-journal:{target_url.rstrip('/')}"
        self.users: dict[str, str | None] = dict(self._load())

    def _load(self) -> dict[str, Any]:
        value = self.state.load(self.key)
        return value.get("users", {}) if isinstance(value, dict) else {}

    def _save(self) -> None:
        self.state.save(self.key, {"users": self.users})

    def intend(self, user_name: str) -> None:
        """Before the POST: this userName may exist after it."""
        self.users.setdefault(user_name, None)
        self._save()

    def created(self, user_name: str, user_id: str) -> None:
        self.users[user_name] = user_id
        self._save()

    def gone(self, user_name: str) -> None:
        self.users.pop(user_name, None)
        self._save()
