"""Exit statuses a scheduler can trust (issue 14, item 1), each through the real CLI.

The table in docs/sync.md is the contract; a test keeps it equal to `report.MEANINGS`.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
from fake_okta import FakeOkta, okta_group, okta_user
from sync_helpers import run_cli, user, write_jsonl

from scimguard.sources.snapshot import NOT_FOUND, Problem
from scimguard.sync.db import open_engine
from scimguard.sync.report import MEANINGS, Status
from scimguard.unattended.lease import Lease

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sync.md"


@pytest.fixture
def okta():
    with FakeOkta(page_size=50) as fake:
        fake.users = [
            okta_user(f"00u{i}", f"user{i}@example.com", "First", "Last") for i in range(3)
        ]
        fake.groups = [okta_group("00gA", "Engineering")]
        fake.members = {"00gA": ["00u0", "00u1"]}
        yield fake


def sync_json(target, db, *args, env=None, token=None):
    result = run_cli(
        ["sync", *args, "--target", target.url, "--json"],
        target.token if token is None else token,
        db,
        env=env,
    )
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def test_all_done_is_0_and_records_that_became_tasks_are_1(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    result, summary = sync_json(target, engine_db, str(path))
    assert result.returncode == 0 and summary["status"] == "ok", result.stderr
    assert summary["source_problems"] == [] and summary["held"] == 0
    bad = user(2, displayName="")
    write_jsonl(path, [user(1), bad])
    result, summary = sync_json(target, engine_db, str(path))
    assert result.returncode == 1 and summary["exit_status"] == 1, result.stderr
    assert summary["blocked"] == 1 and summary["tasks"] == {"opened": 1, "open": 1}


def test_an_unreachable_okta_org_is_4_and_nothing_is_removed(target, engine_db, tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = {"OKTA_API_TOKEN": "okta-test-token"}
    result, summary = sync_json(target, engine_db, "--okta-org", closed, env=env)
    assert result.returncode == 4, result.stderr
    assert summary["status"] == "source-problem" and summary["created"] == 0
    assert "Okta failed on GET /api/v1/users" in summary["source_problems"][0]
    assert summary["not_found"] == []
    args = ["sync", "--okta-org", closed, "--target", target.url]
    text = run_cli(args, target.token, engine_db, env=env)
    assert text.returncode == 4
    assert "source problem: Okta failed" in text.stderr and "exit status 4" in text.stderr


def test_a_file_with_a_line_the_readers_skipped_is_4(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(i) for i in range(3)])
    assert sync_json(target, engine_db, str(path))[0].returncode == 0
    # user0 left, and a line is broken: the read is partial, so user0 is not deactivated.
    path.write_text(path.read_text().split("\n", 1)[1] + '{"userName": "broken\n')
    result, summary = sync_json(target, engine_db, str(path))
    assert result.returncode == 4, result.stderr
    assert summary["deactivated"] == 0 and summary["held"] == 1
    assert "u.jsonl:3: not valid JSON" in summary["source_problems"][0]


def test_an_okta_group_or_app_not_found_is_5(target, engine_db, okta):
    env = {"OKTA_API_TOKEN": okta.token}
    result, summary = sync_json(
        target, engine_db, "--okta-org", okta.url, "--okta-group", "Enginering", env=env
    )
    assert result.returncode == 5, result.stderr
    assert summary["status"] == "not-found"
    assert summary["not_found"] == ["Okta group 'Enginering' not found"]
    # The groups that were found are still provisioned.
    result, summary = sync_json(
        target,
        engine_db,
        "--okta-org",
        okta.url,
        "--okta-group",
        "Engineering",
        "--okta-group",
        "Nope",
        env=env,
    )
    assert result.returncode == 5 and summary["created"] == 3, result.stderr  # 2 users, 1 group
    result, summary = sync_json(
        target, engine_db, "--okta-org", okta.url, "--okta-app", "0oaX", env=env
    )
    assert result.returncode == 5 and "404" in summary["not_found"][0], result.stderr


def test_held_removals_are_6_one_line_and_listed_with_verbose(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(i) for i in range(10)])
    assert sync_json(target, engine_db, str(path))[0].returncode == 0
    write_jsonl(path, [user(i) for i in range(3, 10)])
    result, summary = sync_json(target, engine_db, str(path))
    assert result.returncode == 6, result.stderr
    assert summary["held"] == 3 and summary["held_reason"].startswith("safety fuse")
    assert summary["status"] == "held" and summary["deactivated"] == 0
    text = run_cli(["sync", str(path), "--target", target.url], target.token, engine_db)
    assert text.returncode == 6
    held = [line for line in text.stdout.splitlines() if "held" in line and "Done" not in line]
    assert len(held) == 1 and held[0].startswith("= held: 3 removal(s) held back")
    assert "--max-removals" in held[0] and "--verbose" in held[0]
    assert "exit status 6" in text.stderr
    verbose = run_cli(
        ["sync", str(path), "--target", target.url, "--verbose", "--dry-run"],
        target.token,
        engine_db,
    )
    listed = [line.strip() for line in verbose.stdout.splitlines() if line.startswith("  = held")]
    assert listed == [f"= held: deactivate user user{i}@example.com" for i in range(3)]


def test_a_refused_token_is_3(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    result, summary = sync_json(target, engine_db, str(path), token="not-the-token")
    assert result.returncode == 3
    assert summary["status"] == "stopped" and "401" in summary["stopped"]


def test_tasks_retry_statuses(target, engine_db, tmp_path):
    bad = user(1, displayName="")
    path = write_jsonl(tmp_path / "u.jsonl", [bad, user(2)])
    run_cli(["sync", str(path), "--target", target.url], target.token, engine_db)
    (task,) = json.loads(run_cli(["tasks", "list", "--json"], None, engine_db).stdout)
    retry = ["tasks", "retry", str(task["id"]), "--json"]
    still = run_cli(retry, target.token, engine_db)
    assert still.returncode == 1 and json.loads(still.stdout)["still_open"] == 1
    refused = run_cli(retry, "not-the-token", engine_db)
    assert refused.returncode == 3 and "401" in json.loads(refused.stdout)["stopped"]
    moved = tmp_path / "moved.jsonl"
    path.rename(moved)
    unreadable = run_cli(retry, target.token, engine_db)
    assert unreadable.returncode == 4, unreadable.stdout
    assert json.loads(unreadable.stdout)["source_problems"]
    write_jsonl(path, [user(1), user(2)])
    fixed = run_cli(["tasks", "retry", str(task["id"])], target.token, engine_db)
    assert fixed.returncode == 0 and f"task {task['id']}: succeeded" in fixed.stdout


def test_docs_list_every_exit_status():
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (\d+) \| `([a-z-]+)` \|", text, re.MULTILINE))
    assert rows == {str(int(s)): s.name.lower().replace("_", "-") for s in Status}
    assert set(MEANINGS) == set(Status)


def test_the_worst_status_wins_and_the_others_stay_in_the_summary():
    from scimguard.sync.report import run_statuses, worst

    fuse = "safety fuse: 3 user removals exceed --max-removals 10%"
    both = run_statuses(
        stopped=False, problems=[], held=3, hold_reason=fuse, counts={"still_failed": 2}
    )
    assert both == {Status.HELD, Status.TASKS} and worst(both) is Status.HELD
    partial = run_statuses(
        stopped=False,
        problems=[Problem("Okta group 'Nope' not found", NOT_FOUND)],  # the source says the kind
        held=2,
        hold_reason="a source read failed or looks partial (...)",
        counts={},
    )
    assert partial == {Status.NOT_FOUND, Status.SOURCE_PROBLEM}
    assert worst(partial) is Status.NOT_FOUND
    app_user = ["Okta app user 00u9 not found among the org's users"]
    assert (
        worst(run_statuses(stopped=False, problems=app_user, held=0, hold_reason=None, counts={}))
        is Status.SOURCE_PROBLEM
    )
    assert worst({Status.STOPPED, *partial}) is Status.STOPPED


def test_tasks_retry_waits_for_a_run_holding_the_lease_and_sends_nothing(
    target, engine_db, tmp_path
):
    path = write_jsonl(tmp_path / "u.jsonl", [user(1, displayName=""), user(2)])
    run_cli(["sync", str(path), "--target", target.url], target.token, engine_db)
    (task,) = json.loads(run_cli(["tasks", "list", "--json"], None, engine_db).stdout)
    write_jsonl(path, [user(1), user(2)])  # fixed at the source
    lease = Lease(open_engine(engine_db), target.url, 60, holder="other-host:1:abcd")
    assert lease.acquire()
    busy = run_cli(["tasks", "retry", str(task["id"]), "--json"], target.token, engine_db)
    document = json.loads(busy.stdout)
    assert busy.returncode == 75 and document["status"] == "busy"
    assert "other-host:1:abcd" in document["busy"] and document["still_open"] == 1
    assert {u["userName"] for u in target.users()} == {"user2@example.com"}  # nothing sent
    lease.release()
    done = run_cli(["tasks", "retry", str(task["id"])], target.token, engine_db)
    assert done.returncode == 0 and f"task {task['id']}: succeeded" in done.stdout
    assert lease.current() is None  # the retry released the lease it took
