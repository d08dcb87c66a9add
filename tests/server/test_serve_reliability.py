"""Uniqueness under concurrency, and a SIGKILL during a write load (issue 3, Reliability)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import pytest
from click.testing import CliRunner
from serve_helpers import scim_client, user

from scimguard.cli import main
from scimguard.server.testing import free_port, running_emulator


def test_50_concurrent_posts_of_one_user_name(db_url):
    """Two emulator instances on one database (like two workers), 50 racing creates."""
    with (
        running_emulator(db_url, quotas=False) as one,
        running_emulator(db_url, quotas=False) as two,
    ):
        tenant, token = one.create_tenant()
        names = [
            "".join(c.upper() if (i >> k) & 1 else c for k, c in enumerate("racers@example.com"))
            for i in range(50)
        ]
        assert len(set(names)) == 50
        assert len({n.lower() for n in names}) == 1
        clients = [scim_client(one, tenant, token), scim_client(two, tenant, token)]
        barrier = threading.Barrier(50)

        def create(i: int) -> int:
            body = user(names[i], emails=None, externalId=f"ext-{i}")
            barrier.wait()
            return clients[i % 2].post("/Users", json=body).status_code

        with ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(create, range(50)))
        assert sorted(statuses) == [201] + [409] * 49
        listed = clients[0].get("/Users").json()
        assert listed["totalResults"] == 1
        for c in clients:
            c.close()


def _serve(db_url: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "scimguard"),
            "serve",
            "--db",
            db_url,
            "--port",
            str(port),
            "--no-quotas",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/x", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("scimguard serve did not start")


@pytest.mark.slow
def test_sigkill_during_write_load_loses_no_acknowledged_user(db_url):
    r = CliRunner().invoke(main, ["tenant", "create", "--json", "--db", db_url])
    assert r.exit_code == 0, r.output
    created = orjson.loads(r.stdout)
    port = free_port()
    base = f"http://127.0.0.1:{port}/{created['tenant_id']}/scim/v2"
    headers = {"Authorization": f"Bearer {created['token']}"}
    proc = _serve(db_url, port)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=5) as c:
            i = 0
            while not stop.is_set():
                name = f"w{n}-{i}@example.com"
                i += 1
                try:
                    resp = c.post("/Users", json=user(name))
                except httpx.HTTPError:
                    continue
                if resp.status_code == 201:
                    with lock:
                        acknowledged.append(name)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acknowledged) > 20
    proc = _serve(db_url, port)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            total = c.get("/Users").json()["totalResults"]
            assert total >= len(acknowledged)
            missing = [
                n
                for n in acknowledged
                if c.get("/Users", params={"filter": f'userName eq "{n}"'}).json()["totalResults"]
                != 1
            ]
            assert missing == []
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    if db_url.startswith("sqlite"):
        path = db_url.split("///", 1)[1]
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    else:
        import psycopg

        with psycopg.connect(db_url) as conn:
            invalid = conn.execute(
                "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname LIKE 'ux_sg_%' AND NOT (i.indisvalid AND i.indisready)"
            ).fetchone()
            assert invalid == (0,)
            dupes = conn.execute(
                "SELECT count(*) FROM (SELECT tenant_id, user_name_key FROM sg_users "
                "GROUP BY 1, 2 HAVING count(*) > 1) d"
            ).fetchone()
            assert dupes == (0,)
