"""`make demo`'s closing hints, typed as printed in a fresh shell, show the demo's tasks."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from scimguard.sync.db import open_engine
from scimguard.sync.tasks import OPEN_STATES, list_tasks

SCIMGUARD = str(Path(sys.executable).with_name("scimguard"))


def test_the_demo_hints_show_the_demo_tasks(tmp_path):
    demo = subprocess.run(
        [sys.executable, "-m", "scimguard.demo", "--no-serve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    out = demo.stdout
    (see,) = re.findall(r"See `(scimguard tasks list[^`]*)`", out)
    closing = out[out.index("from this directory:") :].splitlines()[1:]
    commands = [see] + [line.strip() for line in closing if line.strip().startswith("scimguard")]
    assert len(commands) == 3, out[-1500:]
    # A fresh shell: none of the variables the demo or the tests may have set.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCIMGUARD_")}
    state = open_engine(f"sqlite:///{tmp_path / '.scimguard' / 'demo' / 'engine.db'}")
    expected = len(list_tasks(state, state=OPEN_STATES))
    assert expected >= 5

    def typed(command: str) -> subprocess.CompletedProcess:
        argv = shlex.split(command)
        assert argv[0] == "scimguard"
        return subprocess.run(
            [SCIMGUARD, *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True
        )

    for command in commands[:2]:
        listed = typed(command)
        assert listed.returncode == 0, listed.stderr
        assert "No tasks." not in listed.stdout
        rows = re.findall(r"^\s*(\d+)\s+(failed|blocked)\s", listed.stdout, re.MULTILINE)
        assert len(rows) == expected, listed.stdout
    shown = typed(commands[2].replace(" ID ", f" {rows[0][0]} "))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Task {rows[0][0]}: ")
    assert "Automatic provisioning of" in shown.stdout
