"""Edges: a token revoked mid-run, an unreachable target, manual groups, PostgreSQL state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sync_helpers import group, run_cli, user, write_jsonl

from scimguard.server.tokens import list_tokens, revoke_token
from scimguard.sync.db import open_engine
from scimguard.sync.tables import runs
from scimguard.sync.tasks import list_tasks


def test_token_revoked_mid_run_stops_at_once_and_a_rerun_finishes(target, engine_db, tmp_path):
    records = [user(i) for i in range(150)]
    users_file = write_jsonl(tmp_path / "u.jsonl", records)
    (info,) = list_tokens(target.emu.db, target.tenant)
    sync_token, target.token = target.token, target.emu.create_token(target.tenant)

    def revoke_when_started() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if len(target.users()) >= 20:
                revoke_token(target.emu.db, target.tenant, info.id)
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=revoke_when_started)
    env = {**os.environ, "SCIMGUARD_TARGET_TOKEN": sync_token, "SCIMGUARD_DB": engine_db}
    exe = str(Path(sys.executable).with_name("scimguard"))
    proc = subprocess.Popen(
        [exe, "sync", str(users_file), "--target", target.url, "--rate-writes", "50"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watcher.start()
    _out, err = proc.communicate(timeout=120)
    watcher.join()
    assert proc.returncode == 3, err
    assert "stopped: the target answered 401" in err and "Traceback" not in err
    created = len(target.users())
    assert 20 <= created < 150
    engine = open_engine(engine_db)
    with engine.connect() as conn:
        (run,) = conn.execute(runs.select()).all()
    assert run.status == "stopped" and "401" in run.message
    unauthorized = list_tasks(engine, rule="target-unauthorized")
    assert unauthorized and all(t.response["status"] == 401 for t in unauthorized)

    new_token = target.emu.create_token(target.tenant)
    rerun = run_cli(
        ["sync", str(users_file), "--target", target.url, "--json"], new_token, engine_db
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["created"] == 150 - created and summary["failed"] == 0
    assert len(target.users()) == 150
    assert list_tasks(engine, state=("failed", "blocked")) == []


def test_an_unreachable_target_sends_nothing_and_says_so(engine_db, tmp_path):
    from scimguard.server.testing import free_port

    users_file = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    url = f"http://127.0.0.1:{free_port()}/t/scim/v2"
    result = run_cli(
        ["sync", str(users_file), "--target", url, "--max-attempts", "2"], "tok", engine_db
    )
    assert result.returncode == 3
    assert "reading the target failed" in result.stderr and "Nothing was sent" in result.stderr
    assert "Traceback" not in result.stderr


def test_manual_groups_are_left_alone_or_adopted(target, engine_db, tmp_path):
    from scimguard.server.tables import MANUAL

    manual = target.emu.store.create_group(target.tenant, {"displayName": "Admins"}, MANUAL)
    users_file = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    groups_file = write_jsonl(tmp_path / "g.jsonl", [group("admins", ["ext-1"], "g-adm")])
    result = run_cli(
        ["sync", str(users_file), str(groups_file), "--target", target.url, "--json"],
        target.token,
        engine_db,
    )
    summary = json.loads(result.stdout)
    assert summary["blocked"] == 1 and summary["created"] == 1, result.stderr
    assert target.members(manual["id"]) == set()
    result = run_cli(
        [
            "sync",
            str(users_file),
            str(groups_file),
            "--target",
            target.url,
            "--json",
            "--adopt-manual",
        ],
        target.token,
        engine_db,
    )
    summary = json.loads(result.stdout)
    assert summary["updated"] == 1 and summary["blocked"] == 0, result.stderr
    (adopted,) = target.groups()
    assert adopted["id"] == manual["id"] and adopted["externalId"] == "g-adm"
    assert adopted["displayName"] == "admins"
    assert target.members(manual["id"]) == {"user1@example.com"}


@pytest.mark.postgres
def test_engine_state_in_postgresql(target, postgres_url, tmp_path):
    users_file = write_jsonl(tmp_path / "u.jsonl", [user(1), {**user(2), "displayName": ""}])
    args = ["sync", str(users_file), "--target", target.url, "--json", "--db", postgres_url]
    first = run_cli(args, target.token, "sqlite:///unused.db")
    assert json.loads(first.stdout)["created"] == 1, first.stderr
    engine = open_engine(postgres_url)
    (task,) = list_tasks(engine)
    assert task.rule == "empty-string"
    listed = run_cli(["tasks", "list", "--json", "--db", postgres_url], None, "sqlite:///x.db")
    assert [t["id"] for t in json.loads(listed.stdout)] == [task.id]
    second = run_cli(args, target.token, "sqlite:///unused.db")
    assert json.loads(second.stdout)["unchanged"] == 1


def test_a_target_that_cannot_page_is_not_planned_on(tmp_path, engine_db):
    from sync_helpers import Target

    from scimguard.server.testing import running_emulator

    with running_emulator(
        f"sqlite:///{tmp_path / 'emu.db'}", quotas=False, legacy_page_size=True
    ) as emu:
        tenant, token = emu.create_tenant()
        target = Target(emu, tenant, token)
        few = write_jsonl(tmp_path / "few.jsonl", [user(i) for i in range(40)])
        first = run_cli(["sync", str(few), "--target", target.url, "--json"], token, engine_db)
        assert json.loads(first.stdout)["created"] == 40, first.stderr
        again = run_cli(["sync", str(few), "--target", target.url, "--json"], token, engine_db)
        assert json.loads(again.stdout)["unchanged"] == 40, again.stderr
        many = write_jsonl(tmp_path / "many.jsonl", [user(i) for i in range(70)])
        run_cli(["sync", str(many), "--target", target.url], token, engine_db)
        # 70 users now, and the target lists at most 50 with no way to page: stop, send nothing.
        third = run_cli(["sync", str(many), "--target", target.url], token, engine_db)
        assert third.returncode == 3
        assert "reading the target failed" in third.stderr and "Traceback" not in third.stderr
        assert "ignores startIndex" in third.stderr


def test_pacing_stays_within_the_quota_and_429s_are_retried(tmp_path):
    from sync_helpers import Target

    from scimguard.server.testing import running_emulator

    with running_emulator(f"sqlite:///{tmp_path / 'emu.db'}", quotas=True) as emu:  # 25 w/s
        tenant, token = emu.create_tenant()
        target = Target(emu, tenant, token)
        users_file = write_jsonl(tmp_path / "u.jsonl", [user(i) for i in range(70)])
        # Paced at the quota, a single attempt per call is enough: not one 429.
        paced = run_cli(
            ["sync", str(users_file), "--target", target.url, "--json", "--max-attempts", "1"],
            token,
            f"sqlite:///{tmp_path / 'a.db'}",
        )
        assert json.loads(paced.stdout)["created"] == 70, paced.stderr
        # Four times too fast: the target throttles, the retries (backoff, Retry-After) win.
        more = write_jsonl(tmp_path / "more.jsonl", [user(i) for i in range(70, 140)])
        fast = run_cli(
            [
                "sync",
                str(more),
                "--target",
                target.url,
                "--json",
                "--rate-writes",
                "100",
                "--max-attempts",
                "12",
            ],
            token,
            f"sqlite:///{tmp_path / 'b.db'}",
        )
        summary = json.loads(fast.stdout)
        assert summary["created"] == 70 and summary["failed"] == 0, fast.stderr
        assert len(target.users()) == 140
