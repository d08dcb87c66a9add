"""Helpers of the Google Workspace tests (a module of its own: `conftest` names clash)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from fake_google import FakeGoogle, google_group, google_user, member

from scimguard.server.testing import RunningEmulator

ADMIN = "admin@acme.example"


def spec(fake: FakeGoogle, **extra) -> dict:
    """A Google source spec against the fake (the API base URL is a setting)."""
    return {
        "type": "google",
        "customer": "my_customer",
        "subject": ADMIN,
        "api": fake.url,
        "backoff": 0.01,
        **extra,
    }


def small_directory(fake: FakeGoogle) -> None:
    """Seven users, one suspended; Engineering holds Backend (nested), Sales two users."""
    fake.users = [
        google_user(f"10{i}", f"user{i}@acme.example", f"First{i}", f"Last{i}") for i in range(7)
    ]
    fake.users[3]["suspended"] = True
    fake.groups = [
        google_group("g-eng", "eng@acme.example", "Engineering"),
        google_group("g-back", "backend@acme.example", "Backend"),
        google_group("g-sales", "sales@acme.example", "Sales"),
    ]
    fake.members = {
        "g-eng": [
            member("100", "user0@acme.example"),
            member("g-back", "backend@acme.example", "GROUP"),
            member("C0fake01", "", "CUSTOMER"),
        ],
        "g-back": [member("101", "user1@acme.example"), member("102", "user2@acme.example")],
        "g-sales": [member("105", "user5@acme.example"), member("106", "user6@acme.example")],
    }


def emulator_users(emu: RunningEmulator, tenant: str, token: str) -> list[dict]:
    out: list[dict] = []
    cursor = ""
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as http:
        while True:
            url = f"{emu.base_url(tenant)}/Users?count=100&cursor{'=' + cursor if cursor else ''}"
            data = http.get(url).raise_for_status().json()
            out.extend(data["Resources"])
            cursor = data.get("nextCursor")
            if not cursor:
                return out


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """`scimguard ...` in a subprocess, as an admin runs it."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("scimguard")), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=240,
    )
