"""Does the console stay quick with a big task store?

    .venv/bin/python bench/console_pages.py --tasks 50000

Fills a fresh engine database (SQLite) with N open tasks (each with a request body and a
finding, about 1 KB, as the engine files them), serves the console under uvicorn in this
process, signs in, then times GET requests over a real socket:

    baseline   /inspector (session check and a template, no task read)
    tasks      /tasks (a page: the newest 200 open tasks)
    rule       /tasks?rule=hidden-character (a rule filter: rows read until a page is full)
    dashboard  / (counts by state and rule, last runs)
    detail     /tasks/<id>

and prints each page's median and its ratio to the baseline, for 1,000 tasks and for N (the
ratio of the two tells whether a page's cost grows with the store). Target: /tasks at N within
1.5x of /tasks at 1,000.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from scimguard.console.accounts import create_admin
from scimguard.console.app import create_app
from scimguard.console.db import open_engine
from scimguard.server.testing import free_port
from scimguard.sync import tasks as T

RULES = ["hidden-character", "missing-required", "forbidden-character", "empty-string"]


def fill(db_url: str, n: int) -> None:
    engine = open_engine(db_url)
    rows = []
    for i in range(n):
        rule = RULES[i % len(RULES)]
        body = {
            "externalId": f"ext-{i}",
            "userName": f"user{i}@example.com",
            "name": {"givenName": f"Given{i}\u200b", "familyName": f"Family{i}"},
            "displayName": f"User {i}",
            "emails": [{"value": f"user{i}@example.com", "type": "work", "primary": True}],
        }
        finding = {
            "rule": rule,
            "severity": "error",
            "attribute": "name.givenName",
            "value": f"Given{i}\u200b",
            "message": "name.givenName contains an invisible character that AWS refuses.",
            "fix": "Retype name.givenName in the identity provider.",
            "suggested_value": f"Given{i}",
        }
        rows.append((i, rule, body, finding))
    with engine.begin() as conn:
        for i, rule, body, finding in rows:
            T.file_task(
                conn,
                run_id=None,
                kind="user",
                record_key=f"ext-{i}",
                display=f"user{i}@example.com",
                operation="create",
                state="blocked" if i % 2 else "failed",
                rule=rule,
                request={"method": "POST", "path": "/Users", "body": body},
                response=None,
                findings=[finding],
                attempts=1,
                source=None,
                target_url="http://127.0.0.1:9/scim/v2",
            )
    create_admin(engine, "bench", "bench password 123")


def timed(client: httpx.Client, path: str, repeat: int) -> float:
    client.get(path).raise_for_status()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        r = client.get(path)
        times.append(time.perf_counter() - start)
        r.raise_for_status()
    return statistics.median(times)


def measure(n: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'engine.db'}"
        start = time.perf_counter()
        fill(db_url, n)
        print(f"  filled {n:,} tasks in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(db_url), port=port, log_level="warning", access_log=False)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                form = client.get("/signin").text
                found = re.search(r'name="csrf_token" value="([^"]+)"', form)
                if found is None:
                    raise SystemExit("the sign-in page holds no CSRF token")
                token = found.group(1)
                client.post(
                    "/signin",
                    data={
                        "csrf_token": token,
                        "username": "bench",
                        "password": "bench password 123",
                    },
                )
                client.cookies.delete("scimguard_signin")
                newest = T.open_task_ids(open_engine(db_url))[-1]
                return {
                    "baseline": timed(client, "/inspector", repeat),
                    "tasks": timed(client, "/tasks", repeat),
                    "rule": timed(client, "/tasks?rule=hidden-character", repeat),
                    "dashboard": timed(client, "/", repeat),
                    "detail": timed(client, f"/tasks/{newest}", repeat),
                }
        finally:
            server.should_exit = True
            thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    small, big = 1000, args.tasks  # both fill a whole page of /tasks
    results = {}
    for n in (small, big):
        print(f"measuring with {n:,} tasks", file=sys.stderr)
        results[n] = measure(n, args.repeat)
    print(f"{'page':<10} {'N=' + format(small, ','):>16} {'N=' + format(big, ','):>16}  growth")
    for page in results[big]:
        a, b = results[small][page], results[big][page]
        print(
            f"{page:<10} {a * 1000:9.1f} ms x{a / results[small]['baseline']:4.1f}"
            f" {b * 1000:9.1f} ms x{b / results[big]['baseline']:4.1f}  {b / a:5.2f}"
        )


if __name__ == "__main__":
    main()
