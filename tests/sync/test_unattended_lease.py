"""The target's lease, and the engine's state, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import inspect

from scimguard.sync.db import open_engine
from scimguard.unattended.lease import Lease


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'engine.db'}"
    return request.getfixturevalue("postgres_url")


def test_the_engine_state_migrates_on_postgresql(postgres_url):
    engine = open_engine(postgres_url)
    tables = set(inspect(engine).get_table_names())
    assert {"sync_runs", "sync_tasks", "sync_resources", "sync_leases"} <= tables
    assert "scimguard_engine_version" in tables


def test_one_holder_at_a_time_and_an_expired_lease_is_taken_over(state_url):
    engine = open_engine(state_url)
    a = Lease(engine, "https://t/scim/v2", ttl=1.0, holder="a")
    b = Lease(engine, "https://t/scim/v2", ttl=1.0, holder="b")
    other_target = Lease(engine, "https://other/scim/v2", ttl=1.0, holder="b")
    assert a.acquire()
    assert not b.acquire()
    assert other_target.acquire()  # one lease per target
    assert a.acquire() and a.renew()  # the holder may take it again and renew it
    current = b.current()
    assert current is not None and current.holder == "a" and 0 < current.expires_in <= 1.0
    time.sleep(1.3)  # a went silent: its lease expired
    assert b.acquire()
    assert not a.renew()  # a learns that it lost the lease
    b.release()
    assert b.current() is None
    assert a.acquire()


def test_racing_holders_never_both_win(state_url):
    engine = open_engine(state_url)
    winners: list[str] = []
    start = threading.Barrier(8)

    def contend(name: str) -> None:
        lease = Lease(engine, "https://race/scim/v2", ttl=30.0, holder=name)
        start.wait()
        if lease.acquire():
            winners.append(name)

    for _round in range(3):
        winners.clear()
        threads = [threading.Thread(target=contend, args=(f"h{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(winners) == 1, winners
        Lease(engine, "https://race/scim/v2", ttl=30.0, holder=winners[0]).release()


def test_a_held_lease_is_renewed_while_its_block_runs(state_url):
    engine = open_engine(state_url)
    a = Lease(engine, "https://t/scim/v2", ttl=0.6, holder="a")
    b = Lease(engine, "https://t/scim/v2", ttl=0.6, holder="b")
    lost: list[bool] = []
    assert a.acquire()
    with a.renewing(lambda: lost.append(True)):
        time.sleep(1.5)  # more than twice the TTL: only renewal keeps b out
        assert not b.acquire()
    assert not lost
    assert b.acquire()  # released at the end of the block


def test_a_run_against_a_leased_target_waits_its_turn(target, engine_db, tmp_path):
    from sync_helpers import run_cli, user, write_jsonl

    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    holder = Lease(open_engine(engine_db), target.url, ttl=60.0, holder="cron-host:4242:abcd")
    assert holder.acquire()
    result = run_cli(["sync", str(path), "--target", target.url], target.token, engine_db)
    assert result.returncode == 75, result.stderr
    assert "holds its lease" in result.stderr and "cron-host:4242" in result.stderr
    assert target.users() == []
    holder.release()
    result = run_cli(["sync", str(path), "--target", target.url], target.token, engine_db)
    assert result.returncode == 0, result.stderr
    assert holder.current() is None  # the run released the lease it took


def test_a_sync_keeps_its_state_on_postgresql(target, postgres_url, tmp_path):
    from sync_helpers import run_cli, user, write_jsonl

    from scimguard.sync.tasks import list_tasks

    bad = user(2)
    del bad["name"]["familyName"]
    path = write_jsonl(tmp_path / "u.jsonl", [user(1), bad])
    args = ["sync", str(path), "--target", target.url, "--db", postgres_url, "--json"]
    first = run_cli(args, target.token, "sqlite:///unused.db")
    assert first.returncode == 1, first.stderr
    write_jsonl(path, [user(1), user(2)])
    second = run_cli(args, target.token, "sqlite:///unused.db")
    assert second.returncode == 0, second.stderr
    assert '"created":1' in second.stdout and '"unchanged":1' in second.stdout
    (task,) = list_tasks(open_engine(postgres_url))
    assert task.state == "succeeded" and task.rule == "missing-required"
    shown = run_cli(
        ["tasks", "list", "--state", "all", "--db", postgres_url], None, "sqlite:///unused.db"
    )
    assert shown.returncode == 0 and "user2@example.com" in shown.stdout


def test_a_lease_left_by_a_killed_process_on_this_host_is_taken_at_once(engine_db):
    import subprocess
    import sys

    script = (
        "import sys, time; from scimguard.sync.db import open_engine;"
        "from scimguard.unattended.lease import Lease;"
        "assert Lease(open_engine(sys.argv[1]), 'https://t/scim/v2', 600).acquire();"
        "print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, engine_db], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        lease = Lease(open_engine(engine_db), "https://t/scim/v2", ttl=600)
        assert not lease.acquire()  # alive: it keeps the lease
        holder.kill()
        holder.wait()
        assert lease.acquire()  # dead, here: no need to wait ten minutes
    finally:
        holder.kill()
        holder.wait()


def test_schedulers_starting_together_on_a_fresh_postgresql_migrate_once(postgres_url):
    import subprocess
    import sys

    code = "import sys; from scimguard.sync.db import open_engine; open_engine(sys.argv[1])"
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", code, postgres_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in starts]
    assert all(rc == 0 for rc, _ in results), results  # none fails on "table already exists"
    assert "sync_leases" in inspect(open_engine(postgres_url)).get_table_names()
