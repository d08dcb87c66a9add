"""The reliability tests of the engine: faults, SIGKILL, partial sources, identity changes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_okta import FakeOkta, okta_group, okta_user
from sync_helpers import Target, group, run_cli, user, write_jsonl

from scimguard.server.testing import running_emulator
from scimguard.sync.db import open_engine
from scimguard.sync.tables import runs
from scimguard.sync.tasks import list_tasks


def _no_duplicates(target: Target) -> list[dict]:
    users = target.users()
    names = Counter(u["userName"].lower() for u in users)
    exts = Counter(u.get("externalId") for u in users if u.get("externalId"))
    assert max(names.values(), default=1) == 1 and max(exts.values(), default=1) == 1
    groups = target.groups()
    assert max(Counter(g["displayName"].lower() for g in groups).values(), default=1) == 1
    return users


def test_faults_and_quotas_every_record_provisioned_or_a_task(tmp_path):
    db = f"sqlite:///{tmp_path / 'engine.db'}"
    with running_emulator(
        f"sqlite:///{tmp_path / 'emu.db'}",
        quotas=True,
        fault_rate=0.1,
        fault_statuses=(500, 503),
        fault_seed=7,
    ) as emu:
        tenant, token = emu.create_tenant()
        target = Target(emu, tenant, token)
        records = [user(i) for i in range(60)]
        groups = [group(f"G{g}", [f"ext-{i}" for i in range(g, 60, 4)], f"g{g}") for g in range(4)]
        users_file = write_jsonl(tmp_path / "u.jsonl", records)
        groups_file = write_jsonl(tmp_path / "g.jsonl", groups)
        result = run_cli(
            [
                "sync",
                str(users_file),
                str(groups_file),
                "--target",
                target.url,
                "--json",
                "--max-attempts",
                "2",
            ],
            token,
            db,
        )
        assert result.returncode in (0, 1), result.stderr
        summary = json.loads(result.stdout)
        engine = open_engine(db)
        tasks = list_tasks(engine, state=("failed", "blocked"))
        task_keys = {t.record_key for t in tasks}
        assert summary["failed"] == len(tasks)
        users = _no_duplicates(target)
        provisioned = {u["externalId"] for u in users}
        for record in records:  # nothing silently dropped
            assert record["externalId"] in provisioned or record["externalId"] in task_keys
        assert all(t.rule == "target-unavailable" for t in tasks)
        assert summary["created"] + summary["failed"] >= 60
        # With retries at their default, a second run converges with no task left open.
        again = run_cli(
            ["sync", str(users_file), str(groups_file), "--target", target.url, "--json"], token, db
        )
        assert again.returncode == 0, again.stderr
        users = _no_duplicates(target)
        assert sorted(u["externalId"] for u in users) == sorted(r["externalId"] for r in records)
        for g in target.groups():
            n = int(g["displayName"][1:])
            assert target.members(g["id"]) == {f"user{i}@example.com" for i in range(n, 60, 4)}
        assert list_tasks(engine, state=("failed", "blocked")) == []


def test_sigkill_mid_run_then_rerun_converges(tmp_path, emulator, target):
    db = f"sqlite:///{tmp_path / 'engine.db'}"
    records = [user(i) for i in range(120)]
    for record in records[::3]:  # matched by userName only: the pending-intent path
        del record["externalId"]
    bad = user("bad")
    bad["displayName"] = ""
    records.append(bad)
    users_file = write_jsonl(tmp_path / "u.jsonl", records)
    groups_file = write_jsonl(
        tmp_path / "g.jsonl",
        [group("All", [r["userName"] for r in records[:120]], "g-all")],
    )
    env = {**os.environ, "SCIMGUARD_TARGET_TOKEN": target.token, "SCIMGUARD_DB": db}
    scimguard = str(Path(os.sys.executable).with_name("scimguard"))
    proc = subprocess.Popen(
        [
            scimguard,
            "sync",
            str(users_file),
            str(groups_file),
            "--target",
            target.url,
            "--rate-writes",
            "40",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(target.users()) < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(target.users())
    assert 30 <= partial < 120, "the kill must land mid-run"

    rerun = run_cli(
        ["sync", str(users_file), str(groups_file), "--target", target.url, "--json"],
        target.token,
        db,
    )
    assert rerun.returncode == 1, rerun.stderr  # the one blocked record
    summary = json.loads(rerun.stdout)
    assert summary["blocked"] == 1 and summary["failed"] == 0
    users = _no_duplicates(target)
    assert sorted(u["userName"] for u in users) == sorted(r["userName"] for r in records[:120])
    (all_group,) = target.groups()
    assert len(target.members(all_group["id"])) == 120
    engine = open_engine(db)
    (task,) = list_tasks(engine, state=("failed", "blocked"))
    assert task.display == "userbad@example.com" and task.rule == "empty-string"
    with engine.connect() as conn:
        statuses = [r.status for r in conn.execute(runs.select().order_by(runs.c.id))]
    assert statuses == ["crashed", "completed"]
    # Converged: a third run has nothing to do.
    third = run_cli(
        ["sync", str(users_file), str(groups_file), "--target", target.url, "--json"],
        target.token,
        db,
    )
    assert json.loads(third.stdout)["unchanged"] == 121 and json.loads(third.stdout)["created"] == 0


@pytest.fixture
def okta(monkeypatch):
    with FakeOkta(page_size=3) as fake:
        for i in range(12):
            fake.users.append(
                okta_user(f"00u{i:02d}", f"o{i}@example.com", f"First{i}", f"Last{i}")
            )
        fake.groups = [okta_group("00gA", "Engineering")]
        fake.members = {"00gA": ["00u00", "00u07", "00u11"]}
        monkeypatch.setenv("OKTA_API_TOKEN", fake.token)
        yield fake


def test_okta_source_failing_on_page_3_removes_nothing(okta, target, engine_db):
    args = [
        "sync",
        "--okta-org",
        okta.url,
        "--target",
        target.url,
        "--json",
        "--max-removals",
        "100%",
        "--delete-missing",
    ]
    first = run_cli(args, target.token, engine_db)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["created"] == 13
    (eng,) = target.groups()
    assert target.members(eng["id"]) == {"o0@example.com", "o7@example.com", "o11@example.com"}
    okta.fail_users_page = 3
    second = run_cli(args, target.token, engine_db)
    summary = json.loads(second.stdout)
    assert summary["deleted"] == 0 and summary["deactivated"] == 0
    assert "source problem" in second.stderr and "500" in second.stderr
    assert "removal(s) held back" in second.stderr
    users = target.users()
    assert len(users) == 12 and all(u["active"] for u in users)
    assert target.members(eng["id"]) == {"o0@example.com", "o7@example.com", "o11@example.com"}
    # Without --delete-missing and with a complete read, a user gone from Okta is deactivated.
    okta.fail_users_page = None
    okta.users.pop(5)
    third = run_cli(args[:-1], target.token, engine_db)
    assert json.loads(third.stdout)["deactivated"] == 1, third.stderr
    inactive = [u["userName"] for u in target.users() if not u["active"]]
    assert inactive == ["o5@example.com"]


def test_okta_email_change_is_an_update_not_a_re_create(okta, target, engine_db):
    args = [
        "sync",
        "--okta-org",
        okta.url,
        "--okta-group",
        "Engineering",
        "--target",
        target.url,
        "--json",
    ]
    assert run_cli(args, target.token, engine_db).returncode == 0
    before = {u["externalId"]: u for u in target.users()}
    okta.users[7]["profile"].update(login="new7@example.com", email="new7@example.com")
    result = run_cli(args, target.token, engine_db)
    summary = json.loads(result.stdout)
    assert summary["updated"] == 1 and summary["created"] == 0, result.stderr
    after = {u["externalId"]: u for u in target.users()}
    assert after["00u07"]["id"] == before["00u07"]["id"]
    assert after["00u07"]["userName"] == "new7@example.com"
    assert len(after) == 3


def test_retry_rereads_the_okta_record_the_admin_fixed(okta, target, engine_db):
    okta.users[3]["profile"]["lastName"] = None  # Okta sends no last name: AWS would refuse
    args = ["sync", "--okta-org", okta.url, "--target", target.url, "--json"]
    first = run_cli(args, target.token, engine_db)
    assert json.loads(first.stdout)["blocked"] == 1, first.stderr
    engine = open_engine(engine_db)
    (task,) = list_tasks(engine, state="blocked")
    assert task.rule == "missing-required" and task.source["type"] == "okta"
    assert "o3@example.com" not in {u["userName"] for u in target.users()}
    okta.users[3]["profile"]["lastName"] = "Fixed"
    retried = run_cli(["tasks", "retry", str(task.id), "--json"], target.token, engine_db)
    assert json.loads(retried.stdout)["results"][0]["state"] == "succeeded", retried.stderr
    fixed = next(u for u in target.users() if u["userName"] == "o3@example.com")
    assert fixed["name"]["familyName"] == "Fixed" and fixed["externalId"] == "00u03"
    assert len(target.users()) == 12


def test_a_run_marks_crashed_only_the_unfinished_runs_of_its_own_target(tmp_path, target):
    """A run against another target may be alive (its own lease): it is not marked crashed."""
    db = f"sqlite:///{tmp_path / 'engine.db'}"
    engine = open_engine(db)
    with engine.begin() as conn:
        for url in (target.url, "https://other.example/scim/v2"):
            conn.execute(
                runs.insert().values(
                    started_at=datetime.now(UTC),
                    status="running",
                    target_url=url,
                    sources="[]",
                    options="{}",
                    dry_run=False,
                )
            )
    users_file = write_jsonl(tmp_path / "users.jsonl", [user(1)])
    result = run_cli(["sync", str(users_file), "--target", target.url], target.token, db)
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        rows = [(r.target_url, r.status) for r in conn.execute(runs.select().order_by(runs.c.id))]
    assert rows == [
        (target.url, "crashed"),
        ("https://other.example/scim/v2", "running"),
        (target.url, "completed"),
    ]
