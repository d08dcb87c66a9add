"""A second run does not repeat a refusal: issue 22, through the CLI against the emulator.

The emulator's writes are counted where it handles each request (`Emulator._process`, before
auth, quotas and faults), so a write the engine sends is counted even when it is refused.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager

from sync_helpers import group, run_cli, user, write_jsonl

from scimguard.server.faults import Faults
from scimguard.sync.db import open_engine
from scimguard.sync.tasks import OPEN_STATES, list_tasks


@contextmanager
def counting_writes(emu, *, fail_with: int | None = None):
    """Every write request the emulator receives, as (method, resource, userName or None).

    `fail_with`: the emulator's own fault injection answers every write with that status
    (reads still succeed, so the run can plan)."""
    emulator = emu.emulator
    original = emulator._process
    writes: Counter = Counter()

    def process(tenant, method, parts, request, raw):
        if method == "GET":
            return original(tenant, method, parts, request, raw)
        body = json.loads(raw) if raw else {}
        writes[(method, parts[0], body.get("userName") if isinstance(body, dict) else None)] += 1
        if fail_with is None:
            return original(tenant, method, parts, request, raw)
        faults, emulator.faults = emulator.faults, Faults(1.0, (fail_with,), 1)
        try:
            return original(tenant, method, parts, request, raw)
        finally:
            emulator.faults = faults

    emulator._process = process
    try:
        yield writes
    finally:
        emulator._process = original


def refused(n: int) -> dict:
    """A user the engine lets through (--allow-legacy-characters) and AWS refuses (400)."""
    return user(n, title=f"Lab: {n}")


def sync(target, db, *files, extra=()):
    args = ["sync", *map(str, files), "--target", target.url, "--json", *extra]
    result = run_cli([*args, "--allow-legacy-characters"], target.token, db)
    return result, json.loads(result.stdout)


def test_an_unchanged_refusal_costs_no_write_and_a_changed_record_is_sent(
    target, engine_db, tmp_path
):
    records = [user(0), user(1), user(2), refused(3), refused(4)]
    users = write_jsonl(tmp_path / "u.jsonl", records)
    everyone = [f"ext-{i}" for i in range(5)]
    groups = write_jsonl(tmp_path / "g.jsonl", [group("All", everyone, "g-all")])
    with counting_writes(target.emu) as writes:
        first, summary = sync(target, engine_db, users, groups)
    assert first.returncode == 1, first.stderr
    assert summary["created"] == 4 and summary["failed"] == 2  # 3 users and the group
    assert summary["tasks"] == {"opened": 2, "open": 2}
    assert writes[("POST", "Users", "user3@example.com")] == 1
    (all_group,) = target.groups()
    assert target.members(all_group["id"]) == {f"user{i}@example.com" for i in range(3)}

    # Nothing changed: not one write, the two refusals are `still failed`, nothing `updated`.
    with counting_writes(target.emu) as writes:
        second, summary = sync(target, engine_db, users, groups)
    assert second.returncode == 1, second.stderr
    assert sum(writes.values()) == 0, writes
    assert summary["updated"] == 0 and summary["failed"] == 0 and summary["created"] == 0
    assert summary["still_failed"] == 2 and summary["unchanged"] == 4
    assert summary["by_kind"]["user"]["still_failed"] == 2
    assert summary["tasks"] == {"opened": 0, "open": 2}
    engine = open_engine(engine_db)
    assert sorted(t.display for t in list_tasks(engine, state=OPEN_STATES)) == [
        "user3@example.com",
        "user4@example.com",
    ]

    # The text plan of such a run says it in one line (`--verbose` lists them).
    dry = ["sync", str(users), str(groups), "--target", target.url, "--dry-run"]
    dry.append("--allow-legacy-characters")
    plan = run_cli(dry, target.token, engine_db)
    assert "= 2 record(s) refused before and unchanged since: not sent again" in plan.stdout
    assert "user3@example.com" not in plan.stdout
    assert "2 still failed" in plan.stdout and "memberships: 0 to add" in plan.stdout
    verbose = run_cli([*dry, "--verbose"], target.token, engine_db)
    listed = [line.strip() for line in verbose.stdout.splitlines() if line.startswith("  = ")]
    assert [line.split(":")[0] for line in listed] == [
        "= still failed user user3@example.com",
        "= still failed user user4@example.com",
    ]

    # user3 is fixed at its source: exactly that record is sent, and joins its group.
    records[3] = user(3)
    write_jsonl(users, records)
    with counting_writes(target.emu) as writes:
        third, summary = sync(target, engine_db, users, groups)
    assert third.returncode == 1, third.stderr
    assert writes == Counter(
        {("POST", "Users", "user3@example.com"): 1, ("PATCH", "Groups", None): 1}
    )
    assert summary["created"] == 1 and summary["still_failed"] == 1
    assert summary["by_kind"]["group"]["updated"] == 1
    assert "user3@example.com" in target.members(all_group["id"])
    assert [t.display for t in list_tasks(engine, state=OPEN_STATES)] == ["user4@example.com"]

    # `tasks retry` sends the other one on demand (refused again: still a task).
    (task,) = list_tasks(engine, state=OPEN_STATES)
    with counting_writes(target.emu) as writes:
        retried = run_cli(["tasks", "retry", str(task.id), "--json"], target.token, engine_db)
    assert retried.returncode == 1, retried.stderr
    assert writes == Counter({("POST", "Users", "user4@example.com"): 1})
    assert json.loads(retried.stdout)["results"][0]["state"] == "failed"

    # Dismissed and unchanged: not sent either, and no longer a reason for exit status 1.
    run_cli(["tasks", "dismiss", str(task.id)], None, engine_db)
    with counting_writes(target.emu) as writes:
        fifth, summary = sync(target, engine_db, users, groups)
    assert fifth.returncode == 0, fifth.stderr
    assert sum(writes.values()) == 0 and summary["dismissed"] == 1 and summary["updated"] == 0


def test_a_503_is_sent_again_at_the_next_run(target, engine_db, tmp_path):
    users = write_jsonl(tmp_path / "u.jsonl", [user(0), user(1)])
    groups = write_jsonl(tmp_path / "g.jsonl", [group("Pair", ["ext-0", "ext-1"], "g-pair")])
    with counting_writes(target.emu, fail_with=503) as writes:
        first, summary = sync(target, engine_db, users, groups, extra=["--max-attempts", "1"])
    assert first.returncode == 1, first.stderr
    assert summary["failed"] == 3 and sum(writes.values()) == 3
    engine = open_engine(engine_db)
    assert {t.rule for t in list_tasks(engine, state=OPEN_STATES)} == {"target-unavailable"}
    with counting_writes(target.emu) as writes:
        second, summary = sync(target, engine_db, users, groups)
    assert second.returncode == 0, second.stderr
    assert summary["created"] == 3 and summary["still_failed"] == 0
    assert writes[("POST", "Users", "user0@example.com")] == 1
    assert list_tasks(engine, state=OPEN_STATES) == []
    (pair,) = target.groups()
    assert target.members(pair["id"]) == {"user0@example.com", "user1@example.com"}


def test_a_refused_membership_change_waits_and_the_group_is_not_updated(
    target, engine_db, tmp_path
):
    """A group whose membership PATCH the target refused is `still failed`, not `updated`."""
    users = write_jsonl(tmp_path / "u.jsonl", [user(0), user(1)])
    groups = write_jsonl(tmp_path / "g.jsonl", [group("Pair", ["ext-0"], "g-pair")])
    sync(target, engine_db, users, groups)
    # The emulator's fault injection answers the next membership change with a 400: a
    # permanent refusal (a 5xx would be sent again at the next run).
    write_jsonl(groups, [group("Pair", ["ext-0", "ext-1"], "g-pair")])
    with counting_writes(target.emu, fail_with=400) as writes:
        first, summary = sync(target, engine_db, users, groups)
    assert first.returncode == 1, first.stderr
    assert writes == Counter({("PATCH", "Groups", None): 1})
    assert summary["by_kind"]["group"] == {**summary["by_kind"]["group"], "failed": 1, "updated": 0}
    with counting_writes(target.emu) as writes:
        again, summary = sync(target, engine_db, users, groups)
    assert sum(writes.values()) == 0, writes
    assert summary["by_kind"]["group"]["still_failed"] == 1 and summary["updated"] == 0
    assert again.returncode == 1
