"""`make demo` (`python -m scimguard.demo`): its last step serves the console over a real sync
of the examples; the printed URL and password work, and Tasks has the records that failed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
from console_helpers import csrf_of

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_demo_serves_the_console_with_tasks_and_a_working_password(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "scimguard.demo"],
        cwd=tmp_path,  # the demo's databases go under ./.scimguard/demo
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = password = None
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while (url is None or password is None) and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if m := re.search(r"Console: (http://127\.0\.0\.1:\d+/)", line):
                url = m.group(1)
            if m := re.search(r"Sign in as demo, password: (\S+)", line):
                password = m.group(1)
        assert url and password, "".join(seen[-30:])
        assert password not in "".join(seen[:-2])  # shown once, at the end
        with httpx.Client(base_url=url, timeout=30) as client:
            for _ in range(100):  # uvicorn binds just after the banner
                try:
                    form = client.get("/signin")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            r = client.post(
                "/signin",
                data={"csrf_token": csrf_of(form.text), "username": "demo", "password": password},
            )
            assert r.status_code == 303
            tasks = client.get("/tasks").text
            assert len(re.findall(r'<tr id="task-\d+"', tasks)) >= 5
            assert "hidden-character" in tasks
            assert "users provisioned" in client.get("/").text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
