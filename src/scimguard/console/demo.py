"""The console's step of `make demo`: an emulator, a sync of the examples into it that leaves
tasks behind, a demo admin, and the console in the foreground until Ctrl-C."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the demo's console is made by scimguard.demo.main
    from rich.console import Console

import uvicorn

from scimguard.console.accounts import create_admin
from scimguard.console.app import create_app
from scimguard.console.db import open_engine
from scimguard.server.testing import running_emulator

DEMO_DIR = Path(".scimguard") / "demo"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _port(preferred: int = 8000) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def console_step(console: Console, *, serve: bool = True) -> None:
    """Sync examples/ into a fresh emulator and serve the console over the result (until
    Ctrl-C; with `serve=False`, stop once everything is ready, for a quick check)."""
    say = console.print
    if not EXAMPLES.is_dir():
        raise SystemExit(f"the example directory {EXAMPLES} is missing (run from a clone)")
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir(parents=True)
    engine_url = f"sqlite:///{DEMO_DIR / 'engine.db'}"
    # Copies, so that fixing a record for a retry does not edit the repository's examples.
    users = Path(shutil.copy(EXAMPLES / "scim-users.jsonl", DEMO_DIR / "scim-users.jsonl"))
    groups = Path(shutil.copy(EXAMPLES / "groups.json", DEMO_DIR / "groups.json"))
    with running_emulator(f"sqlite:///{DEMO_DIR / 'emulator.db'}", quotas=False) as emu:
        tenant, token = emu.create_tenant()
        os.environ["SCIMGUARD_TARGET_TOKEN"] = token  # for the sync, and the console's retries
        target = emu.base_url(tenant)
        say(f"Emulator at {target}; syncing {users} and {groups}")
        sync = subprocess.run(
            [
                str(Path(sys.executable).with_name("scimguard")),
                "sync",
                str(users),
                str(groups),
                "--target",
                target,
                "--state-db",
                engine_url,
                # allowed here, refused by the emulator: some tasks are real 400s from the target
                "--allow-legacy-characters",
            ],
            capture_output=True,
            text=True,
        )
        # As printed, unwrapped: the hints in it are commands to type.
        say(sync.stdout.strip() or sync.stderr.strip(), markup=False, soft_wrap=True)
        password = secrets.token_urlsafe(12)
        create_admin(open_engine(engine_url), "demo", password)
        app = create_app(engine_url)
        if not serve:
            say(f"Console ready over {engine_url} (not started: --no-serve).")
            closing_hints(say, engine_url)
            return
        port = _port()
        say(f"\n[bold]Console: http://127.0.0.1:{port}/[/]")
        say(f"Sign in as [bold]demo[/], password: [bold]{password}[/]")
        say("(a throwaway account of this demo database, shown only now)")
        say(f"Open Tasks, fix a record in {users}, tick it and Retry Selected. Ctrl-C stops.")
        # proxy_headers=False: as `scimguard console` by default, no X-Forwarded-For is trusted
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)
    closing_hints(say, engine_url)


def closing_hints(say: Callable[..., None], engine_url: str) -> None:
    """The demo's last words: commands that, typed as printed here, show the demo's tasks."""
    state = f"--state-db {engine_url}"
    say("\nThe demo's tasks stay in its state database; from this directory:", soft_wrap=True)
    for command in (f"scimguard tasks list {state}", f"scimguard tasks show ID {state}"):
        say(f"  {command}", markup=False, soft_wrap=True, highlight=False)
