"""Run scim2-tester and scim-sanity against a live emulator; return the checks they fail.

Shared by test_outside_checkers.py and by hand (`python tests/server/serve_outside.py`) to print the
current list when docs/aws-deviations.md needs updating.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from scim2_client.client import BaseSyncSCIMClient


class HttpxSCIMClient(BaseSyncSCIMClient):
    """scim2-client over plain httpx (its bundled engine needs httpx2, which we do not ship)."""

    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)


def scim2_tester_failures(base_url: str, token: str) -> list[tuple[str, str]]:
    from scim2_tester import check_server
    from scim2_tester.utils import Status

    with httpx.Client(
        base_url=base_url + "/", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as http:
        results = check_server(HttpxSCIMClient(http))
    return [
        (r.title, " ".join((r.reason or "").split()))
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED)
    ]


def scim_sanity_failures(base_url: str, token: str) -> list[tuple[str, str]]:
    exe = Path(sys.executable).parent / "scim-sanity"
    proc = subprocess.run(
        [str(exe), "probe", base_url, "--token", token, "--i-accept-side-effects", "--json-output"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    data = json.loads(proc.stdout)
    return [
        (r["name"], " ".join(r.get("message", "").split()))
        for r in data["results"]
        if r["status"] in ("fail", "error", "warn")
    ]


if __name__ == "__main__":  # pragma: no cover
    import tempfile

    from scimguard.server.testing import running_emulator

    with running_emulator(f"sqlite:///{tempfile.mkdtemp()}/e.db", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        for tool, fn in (
            ("scim2-tester", scim2_tester_failures),
            ("scim-sanity", scim_sanity_failures),
        ):
            for check, reason in fn(emu.base_url(tenant), token):
                print(f"{tool} | {check} | {reason[:200]}")
