"""`scimguard serve --workers 2` on PostgreSQL: two processes, one database, one uniqueness."""

from __future__ import annotations

import signal
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
from serve_helpers import user

from scimguard.cli import main
from scimguard.server.testing import free_port


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_on_postgres(postgres_url):
    r = CliRunner().invoke(main, ["tenant", "create", "--json", "--db", postgres_url])
    assert r.exit_code == 0, r.output
    created = orjson.loads(r.stdout)
    port = free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "scimguard"), "serve", "--db", postgres_url,
            "--port", str(port), "--workers", "2", "--quota-reads", "10", "--quota-writes", "1000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/{created['tenant_id']}/scim/v2"
    headers = {"Authorization": f"Bearer {created['token']}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/Users", headers=headers, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve --workers 2 did not start"
            time.sleep(0.2)
        time.sleep(1.5)  # refill the bucket the probe used
        names = [
            "".join(c.upper() if (i >> k) & 1 else c for k, c in enumerate("racers@example.com"))
            for i in range(50)
        ]
        barrier = threading.Barrier(50)

        def create(i: int) -> int:
            with httpx.Client(headers=headers, timeout=30) as c:  # own connection each
                barrier.wait()
                return c.post(base + "/Users", json=user(names[i], emails=None)).status_code

        with ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(create, range(50)))
        assert sorted(statuses) == [201] + [409] * 49
        # each worker holds half of the 10 reads/s, so together they grant about the quota
        # (a burst of 10, then 10/s), not twice it
        time.sleep(1.5)
        start = time.monotonic()

        def read(_i: int) -> int:
            with httpx.Client(headers=headers, timeout=30) as c:
                return c.get(base + "/Users").status_code

        with ThreadPoolExecutor(60) as pool:
            reads = list(pool.map(read, range(60)))
        elapsed = time.monotonic() - start
        assert set(reads) == {200, 429}
        assert 5 <= reads.count(200) <= 10 + 10 * elapsed + 2, (reads.count(200), elapsed)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
