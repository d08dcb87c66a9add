"""`--incomplete-address omit|block`: a partial address is left out (with a warning) or blocks."""

from __future__ import annotations

import json

from sync_helpers import run_cli, user, write_jsonl

PARTIAL = {"streetAddress": "Rua Augusta 1", "locality": "Lisboa", "country": "PT", "type": "work"}
COMPLETE = {
    "streetAddress": "1 Main St",
    "locality": "Springfield",
    "region": "IL",
    "postalCode": "62701",
    "country": "US",
    "type": "work",
}


def _tasks(engine_db: str, *args: str) -> list[dict]:
    listed = run_cli(["tasks", "list", "--json", *args], None, engine_db)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


def test_omit_provisions_without_the_address_and_says_so(target, engine_db, tmp_path):
    records = [user(1, addresses=[PARTIAL]), user(2, addresses=[COMPLETE]), user(3)]
    path = write_jsonl(tmp_path / "users.jsonl", records)
    args = ["sync", str(path), "--target", target.url]
    first = run_cli(args, target.token, engine_db)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "! address omitted user user1@example.com: addresses[0]" in first.stdout
    by_name = {u["userName"]: u for u in target.users()}
    assert set(by_name) == {f"user{i}@example.com" for i in (1, 2, 3)}
    assert "addresses" not in by_name["user1@example.com"]
    assert by_name["user2@example.com"]["addresses"][0]["region"] == "IL"
    assert _tasks(engine_db) == []  # nothing open: everyone is provisioned
    [note] = _tasks(engine_db, "--state", "all", "--rule", "address-omitted")
    assert note["state"] == "succeeded" and note["record_key"] == "ext-1"
    [finding] = note["findings"]
    assert finding["rule"] == "address-omitted" and finding["value"] == PARTIAL
    assert "Provisioned user user1@example.com" in note["message"]
    # run after run, the same note is kept, not repeated
    again = run_cli([*args, "--json"], target.token, engine_db)
    assert again.returncode == 0 and json.loads(again.stdout)["unchanged"] == 3
    assert "1 user(s) sent without a partial address" in again.stderr
    assert len(_tasks(engine_db, "--state", "all", "--rule", "address-omitted")) == 1


def test_a_record_that_is_a_task_anyway_carries_the_note_and_retry_omits(
    target, engine_db, tmp_path
):
    broken = user(4, addresses=[PARTIAL], name={"givenName": "Jo\u200bao", "familyName": "Silva"})
    path = write_jsonl(tmp_path / "users.jsonl", [broken])
    result = run_cli(["sync", str(path), "--target", target.url], target.token, engine_db)
    assert result.returncode == 1, result.stderr
    [task] = _tasks(engine_db)
    assert task["state"] == "blocked" and task["rule"] == "hidden-character"
    assert [f["rule"] for f in task["findings"]] == ["hidden-character", "address-omitted"]
    write_jsonl(path, [user(4, addresses=[PARTIAL])])  # the admin fixed the name at the source
    retried = run_cli(["tasks", "retry", "--all", "--json"], target.token, engine_db)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    [sent] = target.users()
    assert "addresses" not in sent and sent["name"]["givenName"] == "Given4"
    done = _tasks(engine_db, "--state", "succeeded", "--rule", "address-omitted")
    # the task of the hidden character, closed, and the note of the address left out
    assert sorted(t["rule"] for t in done) == ["address-omitted", "hidden-character"]
    assert {t["record_key"] for t in done} == {"ext-4"}


def test_block_makes_the_user_a_task(target, engine_db, tmp_path):
    path = write_jsonl(tmp_path / "users.jsonl", [user(1, addresses=[PARTIAL]), user(2)])
    args = ["sync", str(path), "--target", target.url, "--incomplete-address", "block", "--json"]
    result = run_cli(args, target.token, engine_db)
    assert result.returncode == 1
    assert json.loads(result.stdout)["blocked"] == 1
    assert [u["userName"] for u in target.users()] == ["user2@example.com"]
    [task] = _tasks(engine_db)
    assert task["state"] == "blocked" and task["rule"] == "incomplete-address"
    # Retry uses the switch the run recorded
    retried = run_cli(["tasks", "retry", "--all", "--json"], target.token, engine_db)
    assert retried.returncode == 1, retried.stderr
    assert [t["state"] for t in json.loads(retried.stdout)["results"]] == ["blocked"]
    assert [u["userName"] for u in target.users()] == ["user2@example.com"]
    # switching to omit provisions the user; the blocked task is closed
    result = run_cli([*args[:-3], "--json"], target.token, engine_db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["created"] == 1
    assert _tasks(engine_db) == []
    assert len(_tasks(engine_db, "--state", "all", "--rule", "address-omitted")) == 1


def test_a_dismissed_record_gets_no_provisioned_note(target, engine_db, tmp_path):
    broken = user(5, addresses=[PARTIAL], title="Sales: EMEA")
    path = write_jsonl(tmp_path / "users.jsonl", [broken])
    args = ["sync", str(path), "--target", target.url]
    assert run_cli(args, target.token, engine_db).returncode == 1
    [task] = _tasks(engine_db)
    assert run_cli(["tasks", "dismiss", str(task["id"])], None, engine_db).returncode == 0
    # unchanged and dismissed: remembered, not sent again (issue 22), so not a task either
    again = run_cli([*args, "--json"], target.token, engine_db)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["dismissed"] == 1
    assert target.users() == []
    everything = _tasks(engine_db, "--state", "all")
    assert [(t["state"], t["rule"]) for t in everything] == [("dismissed", "forbidden-character")]
