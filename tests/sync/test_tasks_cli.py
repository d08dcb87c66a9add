"""`scimguard tasks` list / show / retry / dismiss, and the API the console uses."""

from __future__ import annotations

import json

from sync_helpers import group, run_cli, user, write_jsonl

from scimguard.sync.db import open_engine
from scimguard.sync.retry import retry as retry_tasks
from scimguard.sync.tasks import get_task, list_tasks


def test_list_show_retry_dismiss(target, engine_db, tmp_path):
    hidden = user(2)
    hidden["name"]["familyName"] = "Fam\u200bily"
    missing = user(3)
    del missing["name"]["givenName"]
    users = write_jsonl(tmp_path / "u.jsonl", [user(1), hidden, missing])
    groups = write_jsonl(tmp_path / "g.jsonl", [group("Team", ["ext-1", "ext-2"], "g-team")])
    first = run_cli(
        ["sync", str(users), str(groups), "--target", target.url], target.token, engine_db
    )
    assert first.returncode == 1, first.stderr

    listed = run_cli(["tasks", "list", "--json"], None, engine_db)
    rows = json.loads(listed.stdout)
    assert sorted(r["rule"] for r in rows) == ["hidden-character", "missing-required"]
    assert all(r["state"] == "blocked" for r in rows)
    only = json.loads(
        run_cli(["tasks", "list", "--rule", "hidden-character", "--json"], None, engine_db).stdout
    )
    assert [r["display"] for r in only] == ["user2@example.com"]
    table = run_cli(["tasks", "list"], None, engine_db).stdout
    assert "user3@example.com" in table and "missing-required" in table

    hidden_id = only[0]["id"]
    shown = run_cli(["tasks", "show", str(hidden_id)], None, engine_db)
    assert shown.returncode == 0, shown.stderr
    assert "Fam<U+200B ZERO WIDTH SPACE>ily" in shown.stdout
    assert "Automatic provisioning of user user2@example.com to app AWS IAM Identity Center" in (
        shown.stdout
    )
    assert "Request: POST /Users (not sent)" in shown.stdout

    # The admin fixes user2 at the source; Retry re-reads it, sends it, adds its membership.
    hidden["name"]["familyName"] = "Family"
    write_jsonl(users, [user(1), hidden, missing])
    retried = run_cli(["tasks", "retry", str(hidden_id), "--json"], target.token, engine_db)
    assert retried.returncode == 0, retried.stderr
    outcome = json.loads(retried.stdout)
    assert outcome["results"] == [{"id": hidden_id, "state": "succeeded", "message": "provisioned"}]
    assert (outcome["succeeded"], outcome["still_open"], outcome["exit_status"]) == (1, 0, 0)
    assert outcome["source_problems"] == [] and outcome["held"] == 0
    names = {u["userName"] for u in target.users()}
    assert names == {"user1@example.com", "user2@example.com"}
    team = target.groups()[0]
    assert target.members(team["id"]) == {"user1@example.com", "user2@example.com"}

    # user3 still lacks a first name: retry keeps it blocked; then it is dismissed.
    missing_id = next(r["id"] for r in rows if r["rule"] == "missing-required")
    again = run_cli(["tasks", "retry", "--all"], target.token, engine_db)
    assert again.returncode == 1
    assert f"task {missing_id}: blocked" in again.stdout
    dismissed = run_cli(["tasks", "dismiss", str(missing_id)], None, engine_db)
    assert "1 task(s) dismissed" in dismissed.stdout
    assert json.loads(run_cli(["tasks", "list", "--json"], None, engine_db).stdout) == []
    # A later run that fails the same way keeps it dismissed.
    run_cli(["sync", str(users), str(groups), "--target", target.url], target.token, engine_db)
    assert get_task(open_engine(engine_db), missing_id).state == "dismissed"


def test_retry_api_without_a_token_changes_nothing(target, engine_db, tmp_path, monkeypatch):
    bad = user(1)
    bad["displayName"] = ""
    users = write_jsonl(tmp_path / "u.jsonl", [bad])
    run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    engine = open_engine(engine_db)
    (task,) = list_tasks(engine)
    monkeypatch.delenv("SCIMGUARD_TARGET_TOKEN", raising=False)
    (outcome,) = retry_tasks(engine, [task.id])
    assert outcome.state == "blocked" and "SCIMGUARD_TARGET_TOKEN" in outcome.message
    bad["displayName"] = "User One"
    write_jsonl(users, [bad])
    (outcome,) = retry_tasks(engine, [task.id], token=target.token)
    assert outcome.state == "succeeded"
    assert [u["displayName"] for u in target.users()] == ["User One"]


def test_a_task_whose_record_left_the_source_is_dismissed(target, engine_db, tmp_path):
    bad = user(1)
    del bad["externalId"]
    bad["displayName"] = ""
    users = write_jsonl(tmp_path / "u.jsonl", [bad, user(2)])
    run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    engine = open_engine(engine_db)
    (task,) = list_tasks(engine, state="blocked")
    # The admin fixes the record by giving it a new userName: the old key is gone.
    fixed = {**bad, "userName": "renamed@example.com", "displayName": "User One"}
    write_jsonl(users, [fixed, user(2)])
    result = run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    assert result.returncode == 0, result.stderr
    assert get_task(engine, task.id).state == "dismissed"
    assert {u["userName"] for u in target.users()} == {"renamed@example.com", "user2@example.com"}


def test_show_names_the_field_of_a_target_refusal_as_the_console_does(target, engine_db, tmp_path):
    """The target names only the rule; `tasks show` finds the attribute and value in the
    request sent (the console's own `located`), prints the fix, and keeps line breaks."""
    refused = user(1, displayName="Ops: Admin")
    users = write_jsonl(tmp_path / "u.jsonl", [refused])
    # allowed locally, still refused by the emulator: a real 400 from the target
    run = run_cli(
        ["sync", str(users), "--target", target.url, "--allow-legacy-characters"],
        target.token,
        engine_db,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    (task,) = list_tasks(open_engine(engine_db))
    assert task.response and task.response["status"] == 400

    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db)
    assert shown.returncode == 0, shown.stderr
    where_text = shown.stdout.split("Where, in the request sent:")[1]
    assert "forbidden-character: displayName = Ops: Admin" in where_text
    assert "fix: Remove : from displayName" in where_text
    assert "<U+000A" not in shown.stdout
    assert "Errors reported by remote server" in shown.stdout

    document = json.loads(
        run_cli(["tasks", "show", str(task.id), "--json"], None, engine_db).stdout
    )
    (where,) = [f for f in document["located"] if f["attribute"] == "displayName"]
    assert where["rule"] == "forbidden-character" and where["value"] == "Ops: Admin"
    assert where["fix"]


def test_show_spells_out_a_hidden_character_of_a_value_in_text_and_json(
    target, engine_db, tmp_path
):
    hidden = user(2)
    hidden["name"]["givenName"] = "Jane\u200b"
    users = write_jsonl(tmp_path / "u.jsonl", [hidden])
    run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    (task,) = list_tasks(open_engine(engine_db))
    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db).stdout
    assert "hidden-character: name.givenName = Jane<U+200B ZERO WIDTH SPACE>" in shown
    assert "suggested value: Jane\n" in shown
    document = json.loads(
        run_cli(["tasks", "show", str(task.id), "--json"], None, engine_db).stdout
    )
    (finding,) = [f for f in document["findings"] if f["attribute"] == "name.givenName"]
    assert finding["value"] == "Jane\u200b"  # raw, as stored
    assert finding["value_visible"] == "Jane<U+200B ZERO WIDTH SPACE>"
    assert document["located"] == []  # nothing was sent


def test_a_line_break_inside_a_value_is_spelled_out_in_value_and_message(
    target, engine_db, tmp_path
):
    """Layout line breaks of a message print as line breaks; one inside a value, never."""
    broken = user(2)
    broken["name"]["givenName"] = "Ann\nMarie"
    users = write_jsonl(tmp_path / "u.jsonl", [broken])
    run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    (task,) = list_tasks(open_engine(engine_db))
    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db).stdout
    assert "Ann\nMarie" not in shown
    assert "name.givenName = Ann<U+000A LINE FEED>Marie\n" in shown
    message = next(line for line in shown.splitlines() if line.startswith("    name.givenName"))
    assert "Ann<U+000A LINE FEED>Marie" in message  # the finding's message, on one line
