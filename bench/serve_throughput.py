"""Throughput and latency of `scimguard serve`, against scim2-server's in-memory server.

One run, on loopback, quotas off, concurrency 32, one small asyncio HTTP/1.1 client (keep-alive
when the server allows it) used for every target so the ratios compare servers, not clients:

    creates/s   POST /Users
    reads/s     GET /Users?filter=userName eq "..."   (a stored user, looked up by its index)
    patches/s   PATCH /Users/{id} replace title

with p50/p99 latency, at 1,000 and at 100,000 stored users, on SQLite and on PostgreSQL (when
reachable), and scim2-server (in memory, at 1,000 users) as the baseline.

    python bench/serve_throughput.py [--requests 2000] [--sizes 1000,100000]
                                     [--backends sqlite,postgres,scim2-server]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Sequence

from _emulator import BIN, start_emulator, start_server, stop
from scimguard.server.testing import free_port

CONCURRENCY = 32
PG_ADMIN = os.environ.get("SCIMGUARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def make_user(name: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": "Bench", "familyName": "User"},
        "displayName": "Bench User",
        "emails": [{"value": name, "type": "work", "primary": True}],
        "active": True,
    }


# --- a minimal HTTP/1.1 client -------------------------------------------------------------------


class Connection:
    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body).encode() if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/scim+json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        self.writer.write(head + data)
        await self.writer.drain()
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:  # server closed an idle connection: reconnect once
            self.close()
            return await self.request(method, path, body)
        version, status = status_line.split()[:2]
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.decode().partition(":")
            headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            payload = await self.reader.readexactly(int(headers["content-length"]))
        else:
            payload = await self.reader.read()
        keep = version == b"HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if not keep or "content-length" not in headers:
            self.close()
        return int(status), payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


# (method, path, body, the statuses expected)
Job = tuple[str, str, dict | None, tuple[int, ...]]


async def run_load(
    host: str, port: int, token: str, jobs: Sequence[Job], concurrency: int = CONCURRENCY
) -> tuple[float, list[float]]:
    """Run (method, path, body, expected) jobs with 32 workers; returns (seconds, latencies)."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    errors: list[tuple[int, bytes]] = []

    async def worker() -> None:
        conn = Connection(host, port, token)
        while not queue.empty():
            method, path, body, expected = queue.get_nowait()
            start = time.perf_counter()
            status, payload = await conn.request(method, path, body)
            latencies.append(time.perf_counter() - start)
            if status not in expected:
                errors.append((status, payload[:200]))
        conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} unexpected responses, first: {errors[0]}")
    return elapsed, latencies


def summary(elapsed: float, latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


# --- targets -------------------------------------------------------------------------------


def prefill_sql(db_url: str, tenant: str, count: int) -> list[tuple[str, str]]:
    """Store `count` users directly (the HTTP path is what is measured, not the prefill)."""
    import orjson
    from sqlalchemy import insert

    from scimguard.server.db import Database
    from scimguard.server.normalise import clean_user, user_keys
    from scimguard.server.tables import users
    from scimguard.server.tokens import iso_now

    db = Database(db_url)
    now = iso_now()
    out = []
    batch = []
    for i in range(count):
        name = f"stored{i}@example.com"
        user = clean_user(make_user(name), False)
        uid = str(uuid.uuid4())
        out.append((uid, name))
        batch.append(
            {
                "id": uid,
                "tenant_id": tenant,
                "source": "scim",
                "resource": orjson.dumps(user).decode(),
                "created": now,
                "last_modified": now,
                **user_keys(user),
            }
        )
        if len(batch) == 5000 or i == count - 1:
            with db.write() as conn:
                conn.execute(insert(users), batch)
            batch = []
    db.dispose()
    return out


def measure(
    host: str, port: int, token: str, prefix: str, stored: list[tuple[str, str]], n: int
) -> dict:
    run = f"r{uuid.uuid4().hex[:6]}"
    creates = [
        ("POST", f"{prefix}/Users", make_user(f"{run}-{i}@example.com"), (201,)) for i in range(n)
    ]
    rng = random.Random(1)
    picks = [rng.choice(stored) for _ in range(n)]
    reads = [
        (
            "GET",
            f"{prefix}/Users?filter=" + urllib.parse.quote(f'userName eq "{name}"'),
            None,
            (200,),
        )
        for _uid, name in picks
    ]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Benchmarked"}],
    }
    patches = [("PATCH", f"{prefix}/Users/{uid}", patch, (200, 204)) for uid, _name in picks]
    out = {}
    for label, jobs in (("creates", creates), ("reads", reads), ("patches", patches)):
        out[label] = summary(*asyncio.run(run_load(host, port, token, jobs)))
    # the lookup alone: one connection, no queueing behind 31 others
    out["read_latency_c1"] = summary(
        *asyncio.run(run_load(host, port, token, reads[: max(200, n // 5)], concurrency=1))
    )
    return out


def bench_emulator(backend: str, sizes: list[int], n: int) -> dict:
    from scimguard.server.db import Database
    from scimguard.server.tokens import create_tenant, create_token

    results = {}
    for size in sizes:
        tmp = tempfile.mkdtemp()
        pg_name = None
        if backend == "sqlite":
            db_url = f"sqlite:///{tmp}/bench.db"
        else:
            import psycopg

            pg_name = f"scimguard_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{pg_name}"')
            db_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + pg_name
        db = Database(db_url)
        tenant = create_tenant(db)
        token = create_token(db, tenant)[1]
        db.dispose()
        stored = prefill_sql(db_url, tenant, size)
        port = free_port()
        try:
            proc = start_emulator(db_url, port, quotas=None)
            try:
                prefix = f"/{tenant}/scim/v2"
                results[size] = measure("127.0.0.1", port, token, prefix, stored, n)
            finally:
                stop(proc)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            if pg_name:
                import psycopg

                with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        print(f"{backend} {size}: {json.dumps(results[size])}", file=sys.stderr)
    return results


def bench_scim2_server(size: int, n: int) -> dict:
    port = free_port()
    token = "bench-token"
    proc = start_server(
        [str(BIN / "scim2-server"), "--port", str(port), "--bearer-token", token], port
    )
    try:
        prefill = [
            ("POST", "/v2/Users", make_user(f"stored{i}@example.com"), (201,)) for i in range(size)
        ]
        asyncio.run(run_load("127.0.0.1", port, token, prefill))

        async def ids() -> list[tuple[str, str]]:
            conn = Connection("127.0.0.1", port, token)
            out = []
            start = 1
            while True:
                _status, payload = await conn.request(
                    "GET", f"/v2/Users?startIndex={start}&count=500"
                )
                body = json.loads(payload)
                out += [(u["id"], u["userName"]) for u in body.get("Resources", [])]
                start += 500
                if start > body["totalResults"]:
                    conn.close()
                    return out

        stored = asyncio.run(ids())
        result = measure("127.0.0.1", port, token, "/v2", stored, n)
    finally:
        stop(proc)
    print(f"scim2-server {size}: {json.dumps(result)}", file=sys.stderr)
    return {size: result}


def pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--backends", default="sqlite,postgres,scim2-server")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    report: dict = {
        "concurrency": CONCURRENCY,
        "requests": args.requests,
        "load_average_at_start": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    if "scim2-server" in backends:
        report["scim2-server"] = bench_scim2_server(min(sizes), args.requests)
    for backend in ("sqlite", "postgres"):
        if backend not in backends:
            continue
        if backend == "postgres" and not pg_available():
            print("PostgreSQL not reachable: skipped", file=sys.stderr)
            continue
        report[backend] = bench_emulator(backend, sizes, args.requests)
    small, large = min(sizes), max(sizes)
    checks = {}
    for backend in ("sqlite", "postgres"):
        if backend in report and large in report[backend]:
            for key in ("reads", "read_latency_c1"):
                ratio = (
                    report[backend][large][key]["p50_ms"] / report[backend][small][key]["p50_ms"]
                )
                checks[f"{backend} {key} p50 {large}/{small}"] = round(ratio, 2)
    if "scim2-server" in report and "sqlite" in report:
        base = report["scim2-server"][small]
        for op in ("creates", "reads", "patches"):
            ratio = report["sqlite"][small][op]["per_s"] / base[op]["per_s"]
            checks[f"sqlite/scim2-server {op}/s at {small}"] = round(ratio, 2)
    report["ratios"] = checks
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
