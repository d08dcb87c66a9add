"""`tasks list` and `tasks show` name where the record is, in the source's terms (issue 15):
file and row with the column behind the SCIM path for a CSV (as `check` does), file and line
for JSON lines, the Okta user id and profile attribute for Okta; the SCIM path stays beside."""

from __future__ import annotations

import json

import pytest
from fake_okta import FakeOkta, okta_user
from sync_helpers import run_cli, user, write_jsonl

from scimguard.sync.db import open_engine
from scimguard.sync.tasks import list_tasks

CSV = (
    "Username,First name,Last name,Display name,Primary email\n"
    "ada@example.com,Ada,Lovelace,Ada Lovelace,ada@example.com\n"
    "bob@example.com,Bob,Smith\u200b,Bob Smith,bob@example.com\n"
)


def test_a_csv_task_names_row_and_column(target, engine_db, tmp_path):
    users = tmp_path / "people.csv"  # an Okta People export's headers
    users.write_text(CSV, encoding="utf-8")
    run = run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    assert run.returncode == 1, run.stdout + run.stderr
    (task,) = list_tasks(open_engine(engine_db))
    place = f"{users.resolve()}:3"

    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    at = lines.index("  hidden-character: name.familyName = Smith<U+200B ZERO WIDTH SPACE>")
    assert lines[at + 1] == f"    at {place} (Last name)"
    assert f"Source: {place}" in lines

    document = json.loads(
        run_cli(["tasks", "show", str(task.id), "--format", "json"], None, engine_db).stdout
    )
    assert document["location"] == place
    (finding,) = [f for f in document["findings"] if f["attribute"] == "name.familyName"]
    assert (finding["location"], finding["column"]) == (f"{place} (Last name)", "Last name")
    assert finding["value"] == "Smith\u200b"  # raw, with its visible spelling beside

    rows = json.loads(run_cli(["tasks", "list", "--format", "json"], None, engine_db).stdout)
    assert [r["location"] for r in rows] == [f"{place} (Last name)"]
    table = run_cli(["tasks", "list"], None, engine_db).stdout
    assert f"{place} (Last name)" in table.replace("\n", "")  # a long path may fold


def test_a_json_lines_task_names_file_and_line(target, engine_db, tmp_path):
    bad = user(2)
    bad["name"]["givenName"] = "Gi\u200bven"
    users = write_jsonl(tmp_path / "u.jsonl", [user(1), bad])
    run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    (task,) = list_tasks(open_engine(engine_db))
    document = json.loads(
        run_cli(["tasks", "show", str(task.id), "--format", "json"], None, engine_db).stdout
    )
    (finding,) = [f for f in document["findings"] if f["attribute"] == "name.givenName"]
    assert (finding["location"], finding["column"]) == (f"{users.resolve()}:2", None)
    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db).stdout
    assert f"    at {users.resolve()}:2\n" in shown


def test_a_source_file_gone_since_keeps_file_and_line(target, engine_db, tmp_path):
    users = tmp_path / "people.csv"
    users.write_text(CSV, encoding="utf-8")
    run_cli(["sync", str(users), "--target", target.url], target.token, engine_db)
    (task,) = list_tasks(open_engine(engine_db))
    users.unlink()
    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db)
    assert shown.returncode == 0, shown.stderr
    assert f"    at {users.resolve()}:3\n" in shown.stdout


@pytest.fixture
def okta(monkeypatch):
    with FakeOkta(page_size=5) as fake:
        fake.users = [
            okta_user("00uA", "ann@example.com", "Ann", "Lee"),
            okta_user("00uB", "ben@example.com", "Ben", "Hid\u200bden"),
        ]
        monkeypatch.setenv("OKTA_API_TOKEN", fake.token)
        yield fake


def test_an_okta_task_names_the_user_id_and_profile_attribute(okta, target, engine_db):
    run = run_cli(["sync", "--okta-org", okta.url, "--target", target.url], target.token, engine_db)
    assert run.returncode == 1, run.stdout + run.stderr
    (task,) = list_tasks(open_engine(engine_db))
    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db).stdout
    assert "    at Okta user 00uB (lastName)\n" in shown
    assert f"Source: Okta user 00uB ({okta.url})\n" in shown
    document = json.loads(
        run_cli(["tasks", "show", str(task.id), "--format", "json"], None, engine_db).stdout
    )
    (finding,) = [f for f in document["findings"] if f["attribute"] == "name.familyName"]
    assert (finding["location"], finding["column"]) == ("Okta user 00uB (lastName)", "lastName")
    assert document["location"] == "Okta user 00uB"


def test_an_okta_export_file_task_names_line_attribute_and_user_id(target, engine_db, tmp_path):
    export = tmp_path / "okta-users.json"
    export.write_text(
        json.dumps(
            [
                okta_user("00uA", "ann@example.com", "Ann", "Lee"),
                okta_user("00uB", "ben@example.com", "Ben", "Hid\u200bden"),
            ],
            indent=2,
        ),
        encoding="utf-8",
    )
    line = (
        next(n for n, text in enumerate(export.read_text().splitlines(), 1) if '"00uB"' in text) - 1
    )  # the object opens on the line before its id
    run = run_cli(["sync", str(export), "--target", target.url], target.token, engine_db)
    assert run.returncode == 1, run.stdout + run.stderr
    (task,) = list_tasks(open_engine(engine_db))
    assert task.source["okta_id"] == "00uB"
    place = f"{export.resolve()}:{line}"
    shown = run_cli(["tasks", "show", str(task.id)], None, engine_db).stdout
    assert f"    at {place} (lastName), Okta user 00uB\n" in shown
    assert f"Source: {place}, Okta user 00uB\n" in shown
