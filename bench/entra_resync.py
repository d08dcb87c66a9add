"""A no-change resync of 5,000 Entra ID users: requests to Graph and to the target, wall time.

The tenant is the tests' local fake of Microsoft Graph and its token endpoint
(tests/sources/fake_graph.py, HTTPS on loopback, 999 objects a page), in this process; the
target is `scimguard serve` in its own process with quotas at ten times AWS's (250 writes/s,
400 reads/s), the engine paced at the same rates (as bench/sync_quota.py). Three runs:

1. the first sync: a full read of the tenant (users, groups, each group's transitive users,
   the delta cursors) and every create;
2. a resync with nothing changed: the two delta links only (target: 2 Graph requests), no
   write, the target's reads within ceil(users/100) + ceil(groups/100) + the membership pages
   (one per group, 100 members a page);
3. the same resync without the engine's source state (every run a full read, as before delta
   queries), for comparison.

*minimum* = writes/250 + reads/400 for the target calls made: what the quotas allow. The
source's reads alone (delta, then full) are timed last, to split the wall time.

    .venv/bin/python bench/entra_resync.py [--users 5000] [--groups 50]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _emulator import start_emulator, stop
from scimguard.server.testing import free_port
from scimguard.sources import ReadContext, read_all
from scimguard.sources.base import NoState, SourceState
from scimguard.sync.client import RetryPolicy
from scimguard.sync.db import open_engine
from scimguard.sync.planner import Options
from scimguard.sync.run import SyncConfig, run_sync
from scimguard.sync.source_state import EngineSourceState
from sync_quota import READS, WRITES

# the fake tenant and its directory are the tests' (one definition of Graph's behaviour); its
# HTTP plumbing is tests/fake_api.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "sources"))
from entra_helpers import fill  # type: ignore[import-not-found]  # tests/sources, on sys.path
from fake_graph import FakeGraph  # type: ignore[import-not-found]


def spec(fake: FakeGraph) -> dict:
    return {
        "type": "entra",
        "tenant": fake.tenant,
        "client_id": fake.client_id,
        "graph_url": fake.graph_url,
        "authority_url": fake.url,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="scimguard-bench-entra-"))
    emu_db = f"sqlite:///{work / 'emulator.db'}"
    exe = str(Path(sys.executable).with_name("scimguard"))
    made = subprocess.run(
        [exe, "tenant", "create", "--emulator-db", emu_db, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    tenant = json.loads(made.stdout)
    port = free_port()
    emulator = start_emulator(emu_db, port, quotas=(WRITES, READS))
    try:
        with FakeGraph(work, page_size=999) as fake:
            os.environ.update(
                SSL_CERT_FILE=str(fake.cert_path),
                REQUESTS_CA_BUNDLE=str(fake.cert_path),
                ENTRA_CLIENT_SECRET=fake.secret,
            )
            fill(fake, args.users, groups=args.groups)
            target = f"http://127.0.0.1:{port}/{tenant['tenant_id']}/scim/v2"
            cfg = SyncConfig(
                target,
                tenant["token"],
                [spec(fake)],
                Options(),
                rate_writes=WRITES,
                rate_reads=READS,
                concurrency=8,
                retry=RetryPolicy(),
            )
            engine = open_engine(f"sqlite:///{work / 'engine.db'}")
            print(
                f"{args.users} Entra users, {args.groups} groups (fake Graph, 999 a page) -> "
                f"scimguard serve (quotas {WRITES:.0f} writes/s, {READS:.0f} reads/s)"
            )
            rows = []
            runs = (
                ("first sync (full read)", engine),
                ("resync, nothing changed (delta)", engine),
                ("resync, nothing changed, no source state (full read)", None),
            )
            for label, state in runs:
                fake.requests.clear()
                started = time.monotonic()
                result = run_sync(cfg, state)
                wall = time.monotonic() - started
                assert result.snapshot.complete, result.snapshot.problems
                counts = result.counts
                minimum = counts["writes"] / WRITES + counts["reads"] / READS
                graph = len(fake.requests)
                rows.append((label, wall, minimum, counts, graph, result.summary))
                print(
                    f"{label}: wall {wall:.2f}s, minimum {minimum:.2f}s, Graph requests {graph}, "
                    f"target writes {counts['writes']}, reads {counts['reads']}, retries "
                    f"{counts['retries']}, summary {json.dumps(result.summary)}"
                )
            memories: list[tuple[str, SourceState]] = [
                ("delta", EngineSourceState(engine)),
                ("full", NoState()),
            ]
            for label, memory in memories:
                started = time.monotonic()
                snap = read_all(cfg.sources, context=ReadContext(state=memory))
                assert snap.complete and len(snap.users) == args.users
                print(f"the source read alone ({label}): {time.monotonic() - started:.2f}s")
            _, wall2, min2, counts2, graph2, summary2 = rows[1]
            # a page of users, a page of groups, and each group's members (100 a page)
            member_pages = sum(
                max(1, math.ceil(len(fake.transitive_users(gid)) / 100)) for gid in fake.groups
            )
            budget = math.ceil(args.users / 100) + math.ceil(args.groups / 100) + member_pages
            ok = (
                graph2 == 2
                and counts2["writes"] == 0
                and counts2["reads"] <= budget
                and summary2["updated"] == summary2["created"] == 0
            )
            print(
                f"no-change resync: {graph2} Graph requests (target 2), {counts2['writes']} "
                f"writes (target 0), {counts2['reads']} target reads (budget {budget}), wall "
                f"{wall2:.2f}s against a quota minimum of {min2:.2f}s (ratio "
                f"{wall2 / min2:.2f}): {'OK' if ok else 'MISSED'}"
            )
    finally:
        stop(emulator)


if __name__ == "__main__":
    main()
