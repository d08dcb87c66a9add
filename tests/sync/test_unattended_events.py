"""`--log-format json` on a single run, and how /healthz judges time."""

from __future__ import annotations

import json
import time

from sync_helpers import run_cli, user, write_jsonl

from scimguard.unattended.metrics import Health


def test_a_json_logged_run_writes_only_events_on_stderr(target, engine_db, tmp_path):
    bad = user(2)
    del bad["name"]["familyName"]
    path = write_jsonl(tmp_path / "u.jsonl", [user(1), bad, user(3)])
    result = run_cli(
        ["sync", str(path), "--target", target.url, "--log-format", "json", "--json"],
        target.token,
        engine_db,
    )
    assert result.returncode == 1, result.stderr  # some records are tasks
    assert json.loads(result.stdout)["created"] == 2
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [e["event"] for e in events] == ["run_started", "task_filed", "run_finished"]
    filed, finished = events[1], events[2]
    assert filed["rule"] == "missing-required" and filed["state"] == "blocked"
    assert finished["outcome"] == "tasks" and finished["created"] == 2
    assert finished["blocked"] == 1 and finished["run_id"] == 1
    assert all(e["time"].endswith("+00:00") and e["level"] for e in events)
    assert target.token not in result.stderr
    assert "user2@example.com" not in result.stderr and "Given2" not in result.stderr


def test_a_refused_token_is_a_stopped_run_event(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    result = run_cli(
        ["sync", str(path), "--target", target.url, "--log-format", "json"],
        "not-the-token",
        engine_db,
    )
    assert result.returncode == 3
    (finished,) = [json.loads(x) for x in result.stderr.splitlines() if "run_finished" in x]
    assert finished["outcome"] == "stopped" and finished["level"] == "warning"
    assert "401" in finished["error"] and "not-the-token" not in result.stderr


def test_healthz_goes_stale_after_two_intervals_but_not_while_a_run_advances():
    health = Health(interval=0.2)
    assert health.verdict()[0] and health.verdict()[1]["status"] == "starting"
    health.record("ok", True)
    assert health.verdict()[0] and health.verdict()[1]["status"] == "ok"
    time.sleep(0.45)
    ok, body = health.verdict()
    assert not ok and body["status"] == "stale"
    health.begin()  # a long run: alive as long as it advances
    for _ in range(4):
        time.sleep(0.15)
        health.progress(1, 10)
        assert health.verdict()[1]["status"] == "running"
    time.sleep(0.45)  # no sign of life for two intervals: hung
    assert health.verdict()[1]["status"] == "stale"
    health.record("stopped", False)
    ok, body = health.verdict()
    assert not ok and body["status"] == "failing" and body["last_outcome"] == "stopped"


def test_a_taken_metrics_port_is_a_clear_usage_error(target, engine_db, tmp_path):
    import socket

    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        every = ["--every", "1h", "--metrics-port", str(port)]
        result = run_cli(
            ["sync", str(path), "--target", target.url, *every],
            target.token,
            engine_db,
        )
    assert result.returncode == 2, result.stderr
    assert f"--metrics-port {port}: cannot listen on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli(
        ["sync", str(path), "--target", target.url, "--metrics-port", str(port)],
        target.token,
        engine_db,
    )
    assert result.returncode == 2 and "--metrics-port needs --every" in result.stderr


def test_held_removals_and_a_partial_source_are_events(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(1), user(2), user(3)])
    args = ["sync", str(path), "--target", target.url, "--log-format", "json"]
    assert run_cli(args, target.token, engine_db).returncode == 0
    write_jsonl(path, [user(1)])
    result = run_cli([*args, "--max-removals", "1"], target.token, engine_db)
    assert result.returncode == 6, result.stderr  # removals held back by the fuse
    events = [json.loads(line) for line in result.stderr.splitlines()]
    (held,) = [e for e in events if e["event"] == "removals_held"]
    assert held["count"] == 2 and held["level"] == "warning" and "1" in held["reason"]
    assert all(u["active"] for u in target.users())

    path.write_text(json.dumps(user(1)) + "\n{not json\n", encoding="utf-8")
    result = run_cli(args, target.token, engine_db)
    assert result.returncode == 4, result.stderr  # a partial read is not a success
    events = [json.loads(line) for line in result.stderr.splitlines()]
    (problem,) = [e for e in events if e["event"] == "source_problem"]
    assert "u.jsonl" in problem["message"]
    assert events[-1]["outcome"] == "incomplete" and events[-1]["source_problems"] == 1
