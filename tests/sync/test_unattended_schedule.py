"""`scimguard sync --every`: real scheduler processes against the real emulator (over a socket)
and a real state database: the lease keeps runs apart, SIGTERM stops cleanly, a restart
converges, and /healthz and /metrics tell the figures of the runs just made."""

from __future__ import annotations

import itertools
import json
import time
from datetime import datetime

import httpx
import pytest
from sqlalchemy import select
from sync_helpers import run_cli, user, write_jsonl
from unattended_helpers import (
    counting_emulator,
    read_events,
    samples,
    start_sync,
    stop,
    wait_for,
)

from scimguard.server.testing import free_port
from scimguard.sync.db import open_engine
from scimguard.sync.tables import resources, runs
from scimguard.unattended.lease import Lease


@pytest.fixture
def counted(tmp_path):
    with counting_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as (emu, log):
        tenant, token = emu.create_tenant()
        yield emu.base_url(tenant), token, log


def config(path, *, target: str, db: str, sources: list[str], **extra) -> str:
    lines = [f'target = "{target}"', f'state-db = "{db}"', f"sources = {json.dumps(sources)}"]
    lines += [f"{key.replace('_', '-')} = {json.dumps(value)}" for key, value in extra.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_two_schedulers_on_one_postgresql_state_never_overlap(counted, postgres_url, tmp_path):
    url, token, log = counted
    n = 120
    source = write_jsonl(tmp_path / "users.jsonl", [user(i) for i in range(n)])
    # The first run takes ~5 s at 25 writes/s; both schedulers tick every second meanwhile.
    conf = config(
        tmp_path / "c.toml",
        target=url,
        db=postgres_url,
        sources=[str(source)],
        every="1s",
        jitter="0.2s",
        rate_writes=25,
        log_format="json",
    )
    open_engine(postgres_url)  # migrate once, before two processes race to
    a = start_sync(["--config", conf], token, tmp_path / "a.log")
    b = start_sync(["--config", conf], token, tmp_path / "b.log")
    engine = open_engine(postgres_url)

    def finished_runs() -> int:
        with engine.connect() as conn:
            rows = conn.execute(select(runs.c.id).where(runs.c.status == "completed")).all()
        return len(rows) >= 4

    try:
        wait_for(finished_runs, 90, "four completed runs")
    finally:
        assert stop(a) == 0 and stop(b) == 0
    with engine.connect() as conn:
        rows = conn.execute(
            select(runs.c.started_at, runs.c.finished_at, runs.c.status)
            .where(runs.c.target_url == url)
            .order_by(runs.c.started_at)
        ).all()
    for before, after in itertools.pairwise(rows):
        assert before.finished_at is not None and before.finished_at <= after.started_at, rows
    events = read_events(tmp_path / "a.log") + read_events(tmp_path / "b.log")
    started = [e for e in events if e["event"] == "run_started"]
    assert len(started) == len(rows)  # every run is one of the two schedulers', none overlaps
    assert any(e["event"] == "lease_held" for e in events)  # they did contend
    # The target saw each user created once: no duplicate create, no conflict.
    assert log.count("POST", "/Users") == n and log.count("POST", "/Users", 201) == n
    assert sum(1 for e in events if e["event"] == "run_finished" and e.get("created")) == 1


def test_sigterm_mid_run_records_progress_and_a_restart_converges(counted, engine_db, tmp_path):
    url, token, log = counted
    n = 150
    source = write_jsonl(tmp_path / "users.jsonl", [user(i) for i in range(n)])
    conf = config(
        tmp_path / "c.toml",
        target=url,
        db=engine_db,
        sources=[str(source)],
        every="1h",
        jitter="0s",
        rate_writes=25,
        log_format="json",
    )
    scheduler = start_sync(["--config", conf], token, tmp_path / "run.log")
    try:
        wait_for(lambda: log.count("POST", "/Users") >= 30, 60, "30 creates")
    finally:
        assert stop(scheduler) == 0
    sent = log.count("POST", "/Users")
    assert 30 <= sent < n and log.count("POST", "/Users", 201) == sent
    events = read_events(tmp_path / "run.log")
    names = [e["event"] for e in events]
    assert "signal" in names and "stopping" in names and names[-1] == "schedule_stopped"
    (finished,) = [e for e in events if e["event"] == "run_finished"]
    assert finished["outcome"] == "interrupted"
    engine = open_engine(engine_db)
    with engine.connect() as conn:
        (run,) = conn.execute(select(runs.c.status, runs.c.message)).all()
        active = conn.execute(
            select(resources.c.target_id).where(
                resources.c.kind == "user", resources.c.state == "active"
            )
        ).all()
    assert run.status == "stopped" and "in flight finished" in run.message
    # Every create the target answered, the last ones in flight included, was recorded.
    assert len(active) == sent
    assert Lease(engine, url, 60).current() is None  # released on the way out

    # Restarted, the scheduler finishes the work: nothing created twice.
    again = start_sync(["--config", conf], token, tmp_path / "again.log")
    try:
        wait_for(
            lambda: any(e["event"] == "run_finished" for e in read_events(tmp_path / "again.log")),
            60,
            "the second run",
        )
    finally:
        assert stop(again) == 0
    (finished,) = [e for e in read_events(tmp_path / "again.log") if e["event"] == "run_finished"]
    assert finished["outcome"] == "ok"
    assert finished["created"] == n - sent and finished["unchanged"] == sent
    assert log.count("POST", "/Users") == n  # no user was created twice
    assert {w[2] for w in log.writes} == {201}
    # `--every 0` overrides the file's schedule: one run, the plain exit status.
    result = run_cli(["sync", "--config", conf, "--every", "0"], token, engine_db)
    assert result.returncode == 0, result.stderr
    (last,) = [json.loads(line) for line in result.stderr.splitlines() if "run_finished" in line]
    assert last["unchanged"] == n and last["created"] == 0


def test_healthz_and_metrics_tell_the_runs_just_made(tmp_path, engine_db):
    settings = {"quotas": True, "quota_writes": 8.0, "retry_after": 1}
    with counting_emulator(f"sqlite:///{tmp_path / 'emu.db'}", **settings) as (emu, log):
        tenant, token = emu.create_tenant()
        url = emu.base_url(tenant)
        bad = user("bad")
        del bad["name"]["familyName"]
        n = 24
        source = write_jsonl(tmp_path / "users.jsonl", [user(i) for i in range(n)] + [bad])
        port = free_port()
        conf = config(
            tmp_path / "c.toml",
            target=url,
            db=engine_db,
            sources=[str(source)],
            every="2s",
            jitter="0s",
            rate_writes=40,  # five times the emulator's quota: 429s, retried
            concurrency=4,
            metrics_port=port,
            log_format="json",
        )
        scheduler = start_sync(["--config", conf], token, tmp_path / "run.log")
        metrics_url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _get(metrics_url + "/healthz") is not None, 30, "the endpoint")
            wait_for(
                lambda: (
                    samples(_get(metrics_url + "/metrics") or "").get(
                        'scimguard_sync_runs_total{outcome="tasks"}', 0
                    )
                    >= 2
                ),
                60,
                "two runs",
            )
            health = httpx.get(metrics_url + "/healthz")
            scrape = samples(httpx.get(metrics_url + "/metrics").text)
            events = read_events(tmp_path / "run.log")
        finally:
            assert stop(scheduler) == 0
        assert health.status_code == 200
        assert health.json()["status"] == "ok" and health.json()["last_outcome"] == "tasks"
        finished = [e for e in events if e["event"] == "run_finished"]
        runs_seen = int(scrape['scimguard_sync_runs_total{outcome="tasks"}'])
        finished = finished[:runs_seen]
        assert len(finished) == runs_seen and all(e["outcome"] == "tasks" for e in finished)
        assert scrape['scimguard_sync_records_total{action="create",outcome="succeeded"}'] == n
        assert sum(e["created"] for e in finished) == n == log.count("POST", "/Users", 201)
        unchanged = scrape['scimguard_sync_records_total{action="unchanged",outcome="succeeded"}']
        assert unchanged == sum(e["unchanged"] for e in finished) == n * (runs_seen - 1)
        blocked = scrape['scimguard_sync_records_total{action="create",outcome="blocked"}']
        assert blocked == 1  # later runs remember the refusal and do not send it again (#22)
        still = scrape['scimguard_sync_records_total{action="remembered",outcome="still_blocked"}']
        assert still == runs_seen - 1 == sum(e["still_blocked"] for e in finished)
        assert scrape['scimguard_sync_open_tasks{rule="missing-required"}'] == 1
        throttled = [e for e in events if e["event"] == "throttled"]
        assert throttled and scrape["scimguard_sync_throttled_total"] == len(throttled)
        assert log.count("POST", "/Users", 429) == len(throttled)
        assert scrape["scimguard_sync_retries_total"] == sum(e["retries"] for e in finished)
        assert scrape["scimguard_sync_run_duration_seconds_count"] == runs_seen
        assert scrape["scimguard_sync_last_success_timestamp_seconds"] > 0
        # Never a token or a record's attributes in the events.
        text = (tmp_path / "run.log").read_text()
        assert token not in text and "Given1" not in text and "user1@example.com" not in text

        # A scheduler whose token is refused: /healthz fails, and says why.
        port2 = free_port()
        broken = start_sync(
            ["--config", conf, "--metrics-port", str(port2)], "wrong-token", tmp_path / "b.log"
        )
        try:
            wait_for(
                lambda: (
                    (h := _get(f"http://127.0.0.1:{port2}/healthz", json=True))
                    and h["last_outcome"]
                ),
                30,
                "a run",
            )
            health = httpx.get(f"http://127.0.0.1:{port2}/healthz")
            time.sleep(4.5)  # two more ticks of 2 s: a failed run waits for its tick
            scrape = samples(httpx.get(f"http://127.0.0.1:{port2}/metrics").text)
        finally:
            assert stop(broken) == 0
        assert health.status_code == 503 and health.json()["status"] == "failing"
        assert health.json()["last_outcome"] == "stopped"
        assert 2 <= scrape['scimguard_sync_runs_total{outcome="stopped"}'] <= 4
        started = [
            e["time"] for e in read_events(tmp_path / "b.log") if e["event"] == "run_started"
        ]
        gaps = [
            (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
            for a, b in itertools.pairwise(started)
        ]
        assert gaps and all(gap > 1.5 for gap in gaps), gaps  # one run a tick, not a loop
        assert "wrong-token" not in (tmp_path / "b.log").read_text()


def _get(url: str, json: bool = False):  # type: ignore[no-untyped-def]
    try:
        response = httpx.get(url, timeout=2)
    except httpx.TransportError:
        return None
    return response.json() if json else response.text


def test_a_run_that_loses_its_lease_stops_sending(counted, engine_db, tmp_path):
    from sqlalchemy import update

    from scimguard.unattended.lease import leases

    url, token, log = counted
    n = 150
    source = write_jsonl(tmp_path / "users.jsonl", [user(i) for i in range(n)])
    conf = config(
        tmp_path / "c.toml",
        target=url,
        db=engine_db,
        sources=[str(source)],
        every="1h",
        jitter="0s",
        lease_ttl="0.6s",
        rate_writes=25,
        log_format="json",
    )
    scheduler = start_sync(["--config", conf], token, tmp_path / "run.log")
    engine = open_engine(engine_db)
    try:
        wait_for(lambda: log.count("POST", "/Users") >= 20, 60, "20 creates")
        with engine.begin() as conn:  # another machine took the lease over (we were too slow)
            conn.execute(
                update(leases)
                .where(leases.c.name == url)
                .values(holder="elsewhere:1:feed", expires_at=4e9)
            )
        wait_for(
            lambda: any(e["event"] == "run_finished" for e in read_events(tmp_path / "run.log")),
            30,
            "the run to stop",
        )
        sent = log.count("POST", "/Users")
        time.sleep(1.0)
        assert log.count("POST", "/Users") == sent < n  # nothing more was sent
        assert scheduler.poll() is None  # the scheduler lives on, for the next tick
    finally:
        assert stop(scheduler) == 0
    (finished,) = [e for e in read_events(tmp_path / "run.log") if e["event"] == "run_finished"]
    assert finished["outcome"] == "lease-lost" and finished["level"] == "warning"
    with engine.connect() as conn:
        (run,) = conn.execute(select(runs.c.status, runs.c.message)).all()
    assert run.status == "stopped" and "took the target's lease over" in run.message
