"""How close `scimguard sync` gets to the minimum time the SCIM quotas allow.

5,000 users and 200 groups (25 members on average) into `scimguard serve` running as its own
process with quotas at ten times AWS's (250 writes/s, 400 reads/s), and the engine paced at
the same rates. The minimum is what the quotas allow for the calls made:
writes/250 + reads/400. Target: wall / minimum <= 1.15 with no failed task. Then a second run
with nothing changed must send no write and at most ceil(users/100) + ceil(groups/100) reads
plus one membership read per group.

    .venv/bin/python bench/sync_quota.py [--users 5000] [--groups 200] [--db postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scimguard.sync.client import RetryPolicy
from scimguard.sync.planner import Options
from scimguard.sync.run import SyncConfig, run_sync
from scimguard.sync.sources import file_spec
from scimguard.sync.store import open_engine
from scimguard.sync.tasks import task_counts

WRITES, READS = 250.0, 400.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_sources(directory: Path, users: int, groups: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    with (directory / "users.jsonl").open("w") as out:
        for i in range(users):
            out.write(
                json.dumps(
                    {
                        "externalId": f"00u{i:06d}",
                        "userName": f"user{i}@example.com",
                        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
                        "displayName": f"Given{i} Family{i}",
                        "emails": [
                            {"value": f"user{i}@example.com", "type": "work", "primary": True}
                        ],
                        "title": rng.choice(["Engineer", "Manager", "Analyst"]),
                        "active": True,
                    }
                )
                + "\n"
            )
    with (directory / "groups.jsonl").open("w") as out:
        for g in range(groups):
            size = rng.randint(1, 49)  # 25 on average
            members = rng.sample(range(users), min(size, users))
            out.write(
                json.dumps(
                    {
                        "externalId": f"00g{g:05d}",
                        "displayName": f"Group {g}",
                        "members": [{"value": f"00u{m:06d}"} for m in members],
                    }
                )
                + "\n"
            )
    return [str(directory / "users.jsonl"), str(directory / "groups.jsonl")]


def start_emulator(db_url: str, port: int) -> subprocess.Popen:
    exe = str(Path(sys.executable).with_name("scimguard"))
    proc = subprocess.Popen(
        [
            exe,
            "serve",
            "--db",
            db_url,
            "--port",
            str(port),
            "--quota-writes",
            str(WRITES),
            "--quota-reads",
            str(READS),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the emulator did not start: " + proc.stderr.read().decode())


def _why(counts: dict[str, int]) -> str:
    reasons = {k[8:]: v for k, v in counts.items() if k.startswith("retried_")}
    return f" {reasons}" if reasons else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--db", help="emulator database (default: SQLite in a temp dir)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scimguard-bench-"))
    emu_db = args.db or f"sqlite:///{work / 'emulator.db'}"
    exe = str(Path(sys.executable).with_name("scimguard"))
    created = subprocess.run(
        [exe, "tenant", "create", "--db", emu_db, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    tenant = json.loads(created.stdout)
    port = free_port()
    emulator = start_emulator(emu_db, port)
    try:
        target = f"http://127.0.0.1:{port}/{tenant['tenant_id']}/scim/v2"
        sources = [file_spec(p) for p in make_sources(work, args.users, args.groups)]
        engine = open_engine(f"sqlite:///{work / 'engine.db'}")
        cfg = SyncConfig(
            target,
            tenant["token"],
            sources,
            Options(),
            rate_writes=WRITES,
            rate_reads=READS,
            concurrency=8,
            retry=RetryPolicy(),
        )
        print(
            f"{args.users} users, {args.groups} groups -> scimguard serve "
            f"(quotas {WRITES:.0f} writes/s, {READS:.0f} reads/s)"
        )
        results = []
        for label in ("first run", "second run (nothing changed)"):
            started = time.monotonic()
            result = run_sync(cfg, engine)
            wall = time.monotonic() - started
            counts = result.counts
            minimum = counts["writes"] / WRITES + counts["reads"] / READS
            results.append((label, wall, minimum, counts, result.summary))
            print(
                f"{label}: wall {wall:.2f}s, minimum {minimum:.2f}s "
                f"(writes {counts['writes']}, reads {counts['reads']}, "
                f"retries {counts['retries']}{_why(counts)}), ratio {wall / minimum:.3f}, "
                f"summary {json.dumps(result.summary)}"
            )
        failed = task_counts(engine)["failed"]
        _, wall1, min1, _, _ = results[0]
        _, _, _, counts2, _ = results[1]
        budget = math.ceil(args.users / 100) + math.ceil(args.groups / 100) + args.groups
        print(f"failed tasks: {failed}")
        print(
            f"first run ratio {wall1 / min1:.3f} (target <= 1.15): "
            f"{'OK' if wall1 / min1 <= 1.15 and failed == 0 else 'MISSED'}"
        )
        print(
            f"second run: {counts2['writes']} writes (target 0), {counts2['reads']} reads "
            f"(budget {budget}): "
            f"{'OK' if counts2['writes'] == 0 and counts2['reads'] <= budget else 'MISSED'}"
        )
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        if os.environ.get("SCIMGUARD_BENCH_KEEP") is None:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
