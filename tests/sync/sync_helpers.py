"""Helpers of the sync tests (a module of its own: `conftest` names clash across test dirs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

from scimguard.server.testing import RunningEmulator


@dataclass
class Target:
    emu: RunningEmulator
    tenant: str
    token: str

    @property
    def url(self) -> str:
        return self.emu.base_url(self.tenant)

    def _get_all(self, resource: str, flt: str | None = None) -> list[dict]:
        out: list[dict] = []
        params = {"count": "100"}
        if flt:
            params["filter"] = flt
        cursor = ""
        with httpx.Client(headers={"Authorization": f"Bearer {self.token}"}) as http:
            while True:
                query = "&".join(f"{k}={httpx.QueryParams({k: v})[k]}" for k, v in params.items())
                url = f"{self.url}{resource}?cursor{'=' + cursor if cursor else ''}&{query}"
                for _ in range(50):  # quotas may be on: wait them out
                    r = http.get(url)
                    if r.status_code != 429 and r.status_code < 500:
                        break
                    import time

                    time.sleep(0.1)
                r.raise_for_status()
                data = r.json()
                out.extend(data["Resources"])
                cursor = data.get("nextCursor")
                if not cursor:
                    return out

    def users(self) -> list[dict]:
        return self._get_all("/Users")

    def groups(self) -> list[dict]:
        return self._get_all("/Groups")

    def members(self, group_id: str) -> set[str]:
        return {u["userName"] for u in self._get_all("/Users", f'groups.value eq "{group_id}"')}

    def manual_user(self, user_name: str, **extra) -> dict:
        from scimguard.server.tables import MANUAL

        body = {
            "userName": user_name,
            "name": {"givenName": "Hand", "familyName": "Made"},
            "displayName": "Hand Made",
            **extra,
        }
        return self.emu.store.create_user(self.tenant, body, MANUAL)


def user(n: int | str, **extra) -> dict:
    body = {
        "externalId": f"ext-{n}",
        "userName": f"user{n}@example.com",
        "name": {"givenName": f"Given{n}", "familyName": f"Family{n}"},
        "displayName": f"User {n}",
        "emails": [{"value": f"user{n}@example.com", "type": "work", "primary": True}],
        "active": True,
    }
    body.update(extra)
    return body


def group(name: str, members: list[str], ext: str | None = None) -> dict:
    body = {"displayName": name, "members": [{"value": m} for m in members]}
    if ext:
        body["externalId"] = ext
    return body


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def run_cli(
    args: list[str], token: str | None, db: str, *, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """`scimguard ...` in a subprocess (the real CLI, as a user runs it)."""
    full_env = {**os.environ, **(env or {})}
    if token is not None:
        full_env["SCIMGUARD_TARGET_TOKEN"] = token
    full_env["SCIMGUARD_DB"] = db
    return subprocess.run(
        [str(Path(sys.executable).with_name("scimguard")), *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=240,
    )
