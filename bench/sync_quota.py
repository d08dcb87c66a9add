"""How close `scimguard sync` gets to the minimum time the SCIM quotas allow.

5,000 users and 200 groups (25 members on average) into `scimguard serve` running as its own
process with quotas at ten times AWS's (250 writes/s, 400 reads/s), and the engine paced at
the same rates. The minimum is what the quotas allow for the calls made:
writes/250 + reads/400. Target: wall / minimum <= 1.15 with no failed task but the refused
ones. `--refused` users (default 1 in 50) carry a `:` in their title: the engine lets it through
(as with --allow-legacy-characters) and the emulator refuses it with a 400, as AWS does, so they
fail and are members of groups. Then a second run with nothing changed must send no write (the
refusals are `still failed`, issue 22) and at most ceil(users/100) + ceil(groups/100) reads plus
one membership read per group (the groups were created in the first run: no record of their
members yet, issue 18).

Then the resyncs of issue 18, the sources read before the clock starts: a third run (nothing
changed) must read the members of the rotating slice only, at most ceil(users/100) +
ceil(groups/100) + ceil(groups x seconds since the previous run's start / --verify-period);
a fourth with --verify-members reads every group's members, for comparison. For each: wall,
the time until the plan is ready, and wall / (reads/400).

    .venv/bin/python bench/sync_quota.py [--users 5000] [--groups 200] [--refused 100]
        [--emulator-db postgresql://...] [--no-baseline]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine

from _emulator import start_emulator, stop
from scimguard.profile import Profile, Switches
from scimguard.server.testing import free_port
from scimguard.sources import file_spec, read_all
from scimguard.sync.client import RetryPolicy
from scimguard.sync.db import open_engine
from scimguard.sync.planner import Options
from scimguard.sync.run import SyncConfig, collection_paused, read_target, run_sync, thaw
from scimguard.sync.tasks import task_counts

WRITES, READS = 250.0, 400.0


def make_sources(
    directory: Path, users: int, groups: int, refused: int = 0, seed: int = 1
) -> list[str]:
    """Users (every `users // refused`-th one refused by the target), then groups."""
    rng = random.Random(seed)
    every = users // refused if refused else 0
    with (directory / "users.jsonl").open("w") as out:
        for i in range(users):
            title = rng.choice(["Engineer", "Manager", "Analyst"])
            if every and i % every == every - 1:
                title += ": on call"  # refused by the target (forbidden-character), sent by us
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
                        "title": title,
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


async def _baseline(url: str, token: str, sources: list[str]) -> float:
    """The same creates by a bare paced client (no planning, no state, no retries).

    Same pacing (250 writes/s) and the same 8 requests in flight, against a fresh tenant of the
    same emulator: how long the emulator itself needs for this work on this machine right now.
    """
    import asyncio

    import httpx

    users = [json.loads(line) for line in Path(sources[0]).read_text().splitlines()]
    users = [u for u in users if ":" not in u["title"]]  # only what the target accepts
    groups = [json.loads(line) for line in Path(sources[1]).read_text().splitlines()]
    slots = asyncio.Semaphore(8)
    ids: dict[str, str] = {}
    started = time.monotonic()
    sent = 0

    async def post(http: httpx.AsyncClient, resource: str, body: dict) -> dict:
        nonlocal sent
        async with slots:
            when = started + sent / WRITES
            sent += 1
            await asyncio.sleep(max(0.0, when - time.monotonic()))
            response = await http.post(url + resource, json=body)
        response.raise_for_status()
        return response.json()

    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http:

        async def user(body: dict) -> None:
            ids[body["externalId"]] = (await post(http, "/Users", body))["id"]

        await asyncio.gather(*[user(u) for u in users])
        for g in groups:
            g["members"] = [{"value": ids[m["value"]]} for m in g["members"] if m["value"] in ids]
        await asyncio.gather(*[post(http, "/Groups", g) for g in groups])
    return time.monotonic() - started


def _why(counts: dict[str, int]) -> str:
    reasons = {k[8:]: v for k, v in counts.items() if k.startswith("retried_")}
    return f" {reasons}" if reasons else ""


def resync(
    cfg: SyncConfig, engine: Engine, label: str, *, verify: bool
) -> tuple[dict[str, int], dict[str, int], float, float]:
    """A run with nothing changed, its sources read before the clock starts; prints and returns
    (calls, member reads by reason, wall, when it started)."""
    snapshot = read_all(cfg.sources, cfg.retry)
    planned: list[float] = []
    options = Options(verify_members=verify)
    # The earlier runs' garbage is collected before the clock starts: a scheduled resync is a
    # process of its own, not one that inherits the debris of three runs before it.
    gc.collect()
    started = time.monotonic()
    result = run_sync(
        replace(cfg, options=options),
        engine,
        snapshot=snapshot,
        on_plan=lambda plan, snap: planned.append(time.monotonic()),
    )
    wall = time.monotonic() - started
    counts = result.counts
    minimum = counts["reads"] / READS + counts["writes"] / WRITES
    reads = result.plan.member_reads if result.plan else {}
    print(
        f"{label}: wall {wall:.2f}s (plan ready after {planned[0] - started:.2f}s), minimum "
        f"{minimum:.2f}s (writes {counts['writes']}, reads {counts['reads']}, retries "
        f"{counts['retries']}{_why(counts)}), ratio {wall / minimum:.3f}, member reads "
        f"{json.dumps(reads)}, summary {json.dumps(result.summary)}"
    )
    return counts, reads, wall, started


async def _pages_alone(cfg: SyncConfig) -> tuple[float, int]:
    """The floor of a resync's wall time: the target's user and group pages read by the same
    client at the same pace, nothing planned (cursor pages come one after another)."""
    async with cfg.client() as client:
        gc.collect()
        started = time.monotonic()
        with collection_paused():  # as a run reads the target
            await read_target(client)
        thaw()
        return time.monotonic() - started, client.counts["reads"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument(
        "--refused", type=int, default=None, help="users the target refuses (default users/50)"
    )
    parser.add_argument(
        "--emulator-db", "--db", dest="db", help="emulator's store (default: SQLite in a temp dir)"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the bare paced client's creates"
    )
    args = parser.parse_args()
    refused = args.users // 50 if args.refused is None else args.refused
    work = Path(tempfile.mkdtemp(prefix="scimguard-bench-"))
    emu_db = args.db or f"sqlite:///{work / 'emulator.db'}"
    exe = str(Path(sys.executable).with_name("scimguard"))
    created = subprocess.run(
        [exe, "tenant", "create", "--emulator-db", emu_db, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    tenant = json.loads(created.stdout)
    port = free_port()
    emulator = start_emulator(emu_db, port, quotas=(WRITES, READS))
    try:
        target = f"http://127.0.0.1:{port}/{tenant['tenant_id']}/scim/v2"
        sources = [file_spec(p) for p in make_sources(work, args.users, args.groups, refused)]
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
            profile=Profile(Switches(allow_legacy_characters=True)),
        )
        print(
            f"{args.users} users ({refused} refused by the target), {args.groups} groups -> "
            "scimguard serve "
            f"(quotas {WRITES:.0f} writes/s, {READS:.0f} reads/s)"
        )
        results = []
        second_started = 0.0
        for label in ("first run", "second run (nothing changed)"):
            started = second_started = time.monotonic()
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
        resyncs = [
            resync(cfg, engine, "third run: resync (nothing changed)", verify=False),
            resync(cfg, engine, "fourth run: resync --verify-members", verify=True),
        ]
        import asyncio

        alone, alone_reads = asyncio.run(_pages_alone(cfg))
        print(
            f"the target's pages alone (read at the same pace, nothing planned): wall "
            f"{alone:.2f}s for {alone_reads} reads, ratio {alone / (alone_reads / READS):.3f}"
        )
        base_tenant = json.loads(
            subprocess.run(
                [exe, "tenant", "create", "--emulator-db", emu_db, "--json"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        base_url = f"http://127.0.0.1:{port}/{base_tenant['tenant_id']}/scim/v2"
        paths = [s["path"] for s in sources]
        if not args.no_baseline:
            baseline = asyncio.run(_baseline(base_url, base_tenant["token"], paths))
            print(
                f"baseline (bare paced client, same creates, same emulator): {baseline:.2f}s; "
                f"engine first run / baseline = {results[0][1] / baseline:.3f}"
            )
        failed = task_counts(engine)["failed"]
        _, wall1, min1, _, _ = results[0]
        _, _, _, counts2, summary2 = results[1]
        budget = math.ceil(args.users / 100) + math.ceil(args.groups / 100) + args.groups
        print(f"failed tasks: {failed} (the {refused} refused users)")
        print(
            f"first run ratio {wall1 / min1:.3f} (target <= 1.15): "
            f"{'OK' if wall1 / min1 <= 1.15 and failed == refused else 'MISSED'}"
        )
        ok = (
            counts2["writes"] == 0
            and counts2["reads"] <= budget
            and summary2["still_failed"] == refused
            and summary2["updated"] == 0
        )
        print(
            f"second run: {counts2['writes']} writes (target 0), {counts2['reads']} reads "
            f"(budget {budget}), {summary2['still_failed']} still failed, "
            f"{summary2['updated']} updated: {'OK' if ok else 'MISSED'}"
        )
        (counts3, reads3, wall3, _), (counts4, _, wall4, _) = resyncs
        since = resyncs[0][3] - second_started
        slice_ = math.ceil(args.groups * since / cfg.options.verify_period)
        budget3 = math.ceil(args.users / 100) + math.ceil(args.groups / 100) + slice_
        minimum3 = counts3["reads"] / READS
        ok3 = counts3["writes"] == 0 and counts3["reads"] <= budget3 and wall3 / minimum3 <= 1.15
        print(
            f"resync: {counts3['reads']} reads (budget {budget3}: the rotating slice is at most "
            f"ceil({args.groups} x {since:.0f}s / {cfg.options.verify_period:.0f}s) = {slice_}), "
            f"{counts3['writes']} writes, wall / minimum {wall3 / minimum3:.3f} (target <= 1.15): "
            f"{'OK' if ok3 else 'MISSED'}; member reads {reads3}"
        )
        print(
            f"resync --verify-members: {counts4['reads']} reads, wall {wall4:.2f}s, "
            f"{wall4 / wall3:.1f}x the resync"
        )
    finally:
        stop(emulator)
        if os.environ.get("SCIMGUARD_BENCH_KEEP") is None:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
