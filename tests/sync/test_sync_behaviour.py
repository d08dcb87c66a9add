"""Planner and executor behaviour through the real CLI against the emulator."""

from __future__ import annotations

import json

from sync_helpers import group, run_cli, user, write_jsonl

from scimguard.sync.db import open_engine
from scimguard.sync.tasks import list_tasks


def sync(target, db, *files, extra=(), token=None):
    args = ["sync", *map(str, files), "--target", target.url, "--json", *extra]
    result = run_cli(args, target.token if token is None else token, db)
    summary = json.loads(result.stdout) if result.stdout.strip() else None
    return result, summary


def by_name(target):
    return {u["userName"]: u for u in target.users()}


def test_email_and_username_change_is_an_update_not_a_create(target, engine_db, tmp_path):
    path = tmp_path / "u.jsonl"
    write_jsonl(path, [user(1), user(2)])
    sync(target, engine_db, path)
    before = by_name(target)["user1@example.com"]
    renamed = user(
        1,
        userName="renamed@example.com",
        emails=[{"value": "renamed@example.com", "type": "work", "primary": True}],
    )
    write_jsonl(path, [renamed, user(2)])
    result, summary = sync(target, engine_db, path)
    assert result.returncode == 0, result.stderr
    assert summary["updated"] == 1 and summary["created"] == 0 and summary["unchanged"] == 1
    after = by_name(target)
    assert set(after) == {"renamed@example.com", "user2@example.com"}
    assert after["renamed@example.com"]["id"] == before["id"]
    assert after["renamed@example.com"]["emails"][0]["value"] == "renamed@example.com"


def test_match_by_username_ignores_case_without_external_id(target, engine_db, tmp_path):
    path = tmp_path / "u.jsonl"
    record = user(1)
    del record["externalId"]
    write_jsonl(path, [record])
    sync(target, engine_db, path)
    write_jsonl(path, [{**record, "userName": "USER1@example.com", "title": "Boss"}])
    result, summary = sync(target, engine_db, path)
    assert summary["updated"] == 1 and summary["created"] == 0, result.stderr
    users = target.users()
    assert len(users) == 1 and users[0]["title"] == "Boss"


def test_missing_users_are_deactivated_or_deleted_and_the_fuse_holds(target, engine_db, tmp_path):
    path = tmp_path / "u.jsonl"
    write_jsonl(path, [user(i) for i in range(10)])
    sync(target, engine_db, path)
    write_jsonl(path, [user(i) for i in range(1, 10)])
    result, summary = sync(target, engine_db, path)
    assert summary["deactivated"] == 1, result.stderr
    assert by_name(target)["user0@example.com"]["active"] is False
    # Two more removals out of 10 users: over the 10% fuse, nothing is removed.
    write_jsonl(path, [user(i) for i in range(3, 10)])
    result, summary = sync(target, engine_db, path, extra=["--delete-missing"])
    assert summary["deleted"] == 0 and summary["deactivated"] == 0
    assert len(target.users()) == 10
    plan = run_cli(
        ["sync", str(path), "--target", target.url, "--dry-run", "--delete-missing"],
        target.token,
        engine_db,
    )
    assert "safety fuse" in plan.stdout
    result, summary = sync(
        target, engine_db, path, extra=["--delete-missing", "--max-removals", "50%"]
    )
    assert summary["deleted"] == 3, result.stderr
    assert sorted(by_name(target)) == [f"user{i}@example.com" for i in range(3, 10)]


def test_manual_users_are_never_touched_unless_adopted(target, engine_db, tmp_path):
    manual = target.manual_user("user1@example.com")
    bystander = target.manual_user("bystander@example.com")
    path = write_jsonl(tmp_path / "u.jsonl", [user(1), user(2)])
    result, summary = sync(target, engine_db, path)
    assert result.returncode == 1
    assert summary["blocked"] == 1 and summary["created"] == 1
    users = by_name(target)
    assert users["user1@example.com"].get("externalId") is None
    assert users["user1@example.com"]["displayName"] == "Hand Made"
    assert users["bystander@example.com"]["active"] == bystander["active"]
    tasks = list_tasks(open_engine(engine_db), state="blocked")
    assert [t.rule for t in tasks] == ["manually-sourced"]
    result, summary = sync(target, engine_db, path, extra=["--adopt-manual"])
    assert summary["updated"] == 1 and summary["blocked"] == 0, result.stderr
    adopted = by_name(target)["user1@example.com"]
    assert adopted["id"] == manual["id"] and adopted["externalId"] == "ext-1"
    assert list_tasks(open_engine(engine_db), state="blocked") == []
    # The bystander is not in the source and not ours: never deactivated.
    write_jsonl(path, [user(1)])
    result, summary = sync(target, engine_db, path, extra=["--max-removals", "5"])
    assert summary["deactivated"] == 1  # user2, which the engine created
    assert by_name(target)["bystander@example.com"]["active"] == bystander["active"]


def test_records_that_fail_check_are_blocked_and_the_rest_goes(target, engine_db, tmp_path):
    bad = user(2)
    del bad["name"]["familyName"]
    path = write_jsonl(tmp_path / "u.jsonl", [user(1), bad, user(3)])
    result, summary = sync(target, engine_db, path)
    assert result.returncode == 1
    assert summary["created"] == 2 and summary["blocked"] == 1
    assert sorted(by_name(target)) == ["user1@example.com", "user3@example.com"]
    (task,) = list_tasks(open_engine(engine_db))
    assert task.state == "blocked" and task.rule == "missing-required"
    assert task.response is None and task.request["body"]["userName"] == "user2@example.com"


def test_a_refusal_is_diagnosed_from_the_emulator_rule_header(target, engine_db, tmp_path):
    # Locally the legacy characters are allowed, the emulator still refuses them.
    path = write_jsonl(tmp_path / "u.jsonl", [user(1, title="R&D: lab"), user(2)])
    result, summary = sync(target, engine_db, path, extra=["--allow-legacy-characters"])
    assert summary["failed"] == 1 and summary["created"] == 1, result.stderr
    (task,) = list_tasks(open_engine(engine_db))
    assert task.state == "failed" and task.rule == "forbidden-character"
    assert task.response["status"] == 400 and task.response["request_id"]
    assert task.request["method"] == "POST"
    assert "Error while creating user user1@example.com: Bad Request." in task.message


def test_conflict_with_a_manual_user_becomes_a_task(target, engine_db, tmp_path):
    target.manual_user(
        "someone@example.com",
        externalId=None,
        emails=[{"value": "user1@example.com", "primary": True}],
    )
    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    result, summary = sync(target, engine_db, path)
    assert summary["failed"] == 1, result.stderr
    (task,) = list_tasks(open_engine(engine_db))
    assert task.response["status"] == 409
    assert task.rule in ("target-conflict", "manually-sourced")


def test_memberships_go_in_chunks_of_at_most_100(target, engine_db, tmp_path):
    users = write_jsonl(tmp_path / "u.jsonl", [user(i) for i in range(230)])
    groups = write_jsonl(
        tmp_path / "g.jsonl", [group("Big", [f"ext-{i}" for i in range(230)], "g-big")]
    )
    result, summary = sync(target, engine_db, users, groups)
    assert result.returncode == 0, result.stderr
    assert summary["failed"] == 0
    (big,) = target.groups()
    assert len(target.members(big["id"])) == 230
    # Membership removals when the source drops members.
    write_jsonl(groups, [group("Big", [f"ext-{i}" for i in range(10)], "g-big")])
    result, summary = sync(target, engine_db, users, groups)
    assert summary["updated"] == 1, result.stderr
    assert len(target.members(big["id"])) == 10


def test_dry_run_prints_the_plan_and_sends_no_write(target, engine_db, tmp_path):
    bad = user(3)
    bad["displayName"] = ""
    users = write_jsonl(tmp_path / "u.jsonl", [user(1), bad])
    groups = write_jsonl(tmp_path / "g.jsonl", [group("Team", ["user1@example.com"])])
    result = run_cli(
        ["sync", str(users), str(groups), "--target", target.url, "--dry-run"],
        target.token,
        engine_db,
    )
    assert "+ create user user1@example.com" in result.stdout
    assert "! blocked user user3@example.com: empty-string (displayName)" in result.stdout
    assert "+ create group Team" in result.stdout
    assert "~ members of group Team: + user1@example.com" in result.stdout
    assert target.users() == [] and target.groups() == []


def test_token_is_never_taken_from_the_command_line(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    result = run_cli(
        ["sync", str(path), "--target", target.url],
        None,
        engine_db,
        env={"SCIMGUARD_TARGET_TOKEN": ""},
    )
    assert result.returncode == 2
    assert "SCIMGUARD_TARGET_TOKEN" in result.stderr and "Traceback" not in result.stderr
    token_file = tmp_path / "token"
    token_file.write_text(target.token + "\n")
    result = run_cli(
        ["sync", str(path), "--target", target.url, "--token-file", str(token_file)],
        None,
        engine_db,
        env={"SCIMGUARD_TARGET_TOKEN": ""},
    )
    assert result.returncode == 0, result.stderr
    assert list(by_name(target)) == ["user1@example.com"]


def test_a_refused_token_stops_the_run_clearly(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "u.jsonl", [user(1)])
    result, _ = sync(target, engine_db, path, token="not-the-token")
    assert result.returncode == 3
    assert "401" in result.stderr and "token" in result.stderr
    assert "Traceback" not in result.stderr
    assert target.users() == []


def test_group_rename_is_an_update_and_a_returning_user_is_reactivated(target, engine_db, tmp_path):
    users = write_jsonl(tmp_path / "u.jsonl", [user(i) for i in range(12)])
    groups = write_jsonl(tmp_path / "g.jsonl", [group("Old name", ["ext-1"], "g-1")])
    sync(target, engine_db, users, groups)
    (before,) = target.groups()
    write_jsonl(groups, [group("New name", ["ext-1"], "g-1")])
    write_jsonl(users, [user(i) for i in range(1, 12)])
    result, summary = sync(target, engine_db, users, groups)
    assert summary["updated"] == 1 and summary["deactivated"] == 1, result.stderr
    (after,) = target.groups()
    assert after["id"] == before["id"] and after["displayName"] == "New name"
    assert by_name(target)["user0@example.com"]["active"] is False
    write_jsonl(users, [user(i) for i in range(12)])
    result, summary = sync(target, engine_db, users, groups)
    assert summary["updated"] == 1 and summary["created"] == 0, result.stderr
    assert by_name(target)["user0@example.com"]["active"] is True


def test_retry_api_from_inside_an_event_loop(target, engine_db, tmp_path):
    import asyncio

    from scimguard.sync.retry import retry as retry_tasks

    bad = user(1, displayName="")
    path = write_jsonl(tmp_path / "u.jsonl", [bad])
    sync(target, engine_db, path)
    engine = open_engine(engine_db)
    (task,) = list_tasks(engine)
    write_jsonl(path, [user(1)])

    async def from_a_loop():
        return retry_tasks(engine, [task.id], token=target.token)

    (outcome,) = asyncio.run(from_a_loop())
    assert outcome.state == "succeeded"
    assert list(by_name(target)) == ["user1@example.com"]


def test_csv_sources_are_read_as_check_reads_them(target, engine_db, tmp_path):
    csv = tmp_path / "okta.csv"
    csv.write_text(
        "login,firstName,lastName,displayName,email\n"
        "ana@example.com,Ana,Lima,Ana Lima,ana@example.com\n"
        "bo@example.com,Bo,,Bo,bo@example.com\n",
        encoding="utf-8",
    )
    result, summary = sync(target, engine_db, csv)
    assert summary["created"] == 1 and summary["blocked"] == 1, result.stderr
    (ana,) = target.users()
    assert ana["userName"] == "ana@example.com" and ana["name"]["familyName"] == "Lima"
    (task,) = list_tasks(open_engine(engine_db))
    assert task.rule == "missing-required" and task.source["line"] == 3
