"""Google Workspace into the real emulator: the same plan as a file of the same users, a partial
read that removes nothing, a record with a hidden character that becomes a task, `check`."""

from __future__ import annotations

import json

import pytest
from fake_google import FakeGoogle, google_group, many_users, member
from google_helpers import ADMIN, emulator_users, run_cli, small_directory, spec

from scimguard.server.testing import RunningEmulator, running_emulator
from scimguard.sources import file_spec
from scimguard.sync.backoff import RetryPolicy
from scimguard.sync.db import open_engine
from scimguard.sync.run import SyncConfig, run_sync


@pytest.fixture
def emulator(tmp_path):
    with running_emulator(f"sqlite:///{tmp_path / 'emulator.db'}", quotas=False) as emu:
        yield emu


@pytest.fixture
def tenant(emulator: RunningEmulator) -> tuple[str, str, str]:
    """(tenant, token, SCIM base URL) of a fresh tenant."""
    name, token = emulator.create_tenant()
    return name, token, emulator.base_url(name)


def config(url: str, token: str, sources: list[dict], dry_run: bool = False) -> SyncConfig:
    return SyncConfig(
        target_url=url,
        token=token,
        sources=sources,
        dry_run=dry_run,
        rate_writes=5000,
        rate_reads=5000,
        concurrency=8,
        retry=RetryPolicy(base=0.01),
    )


def ops(plan) -> list[tuple]:
    return sorted((o.kind, o.action, o.key, o.display) for o in plan.ops)


def members(plan) -> list[tuple]:
    return sorted((m.group_key, tuple(sorted(m.add_display))) for m in plan.members)


def scim_user(user: dict) -> dict:
    """The user as a record file gives it, written from AWS's Google mapping by hand."""
    email = user["primaryEmail"]
    given, family = user["name"]["givenName"], user["name"]["familyName"]
    return {
        "externalId": user["id"],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "displayName": f"{given} {family}",
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": not user["suspended"],
    }


@pytest.mark.slow
def test_5000_users_sync_with_the_plan_a_file_of_the_same_users_gives(
    tmp_path, monkeypatch, emulator, tenant
):
    name, token, url = tenant
    with FakeGoogle() as google:
        google.users = many_users(5000)
        google.users[7]["suspended"] = True
        google.groups = [google_group("g1", "aws-admins@acme.example", "AWS Admins")]
        google.members = {"g1": [member(u["id"], u["primaryEmail"]) for u in google.users[:250]]}
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(google.key_file(tmp_path)))
        records = [scim_user(u) for u in google.users]
        group = {
            "externalId": "g1",
            "displayName": "AWS Admins",
            "members": [{"value": u["id"]} for u in google.users[:250]],
        }
        path = tmp_path / "directory.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in [*records, group]))
        from_file = run_sync(config(url, token, [file_spec(str(path))], dry_run=True), None)
        from_google = run_sync(config(url, token, [spec(google)], dry_run=True), None)
        assert from_google.snapshot.complete, from_google.snapshot.problems
        assert len(from_google.snapshot.users) == 5000
        assert ops(from_google.plan) == ops(from_file.plan)
        assert members(from_google.plan) == members(from_file.plan)
        assert from_google.plan.by_kind()["user"]["created"] == 5000
        pages = [p for p in google.requests if p.startswith("/admin/directory/v1/users")]
        assert len(pages) == 10  # maxResults=500

        engine = open_engine(f"sqlite:///{tmp_path / 'engine.db'}")
        applied = run_sync(config(url, token, [spec(google)]), engine)
        assert applied.error is None and applied.outcome is not None
        assert applied.summary["created"] == 5001 and applied.summary["failed"] == 0
    users = emulator_users(emulator, name, token)
    assert len(users) == 5000
    assert next(u for u in users if u["externalId"] == google.users[7]["id"])["active"] is False
    again = run_sync(config(url, token, [file_spec(str(path))], dry_run=True), engine)
    assert [o for o in again.plan.ops if o.action not in ("unchanged",)] == []
    assert again.plan.members == []


@pytest.fixture
def google(tmp_path, monkeypatch):
    with FakeGoogle(page_size=2) as fake:
        small_directory(fake)
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake.key_file(tmp_path)))
        yield fake


def sync_args(google: FakeGoogle, url: str, *extra: str) -> list[str]:
    return [
        "sync",
        "--target",
        url,
        "--google-customer",
        "my_customer",
        "--google-subject",
        ADMIN,
        "--google-api",
        google.url,
        "--max-attempts",
        "2",
        *extra,
    ]


def test_cli_sync_shows_progress_and_the_flattening_then_a_failing_page_removes_nothing(
    google, emulator, tenant, tmp_path
):
    name, token, url = tenant
    env = {"SCIMGUARD_TARGET_TOKEN": token, "SCIMGUARD_STATE_DB": f"sqlite:///{tmp_path / 'e.db'}"}
    first = run_cli(sync_args(google, url), env)
    assert first.returncode == 0, first.stderr
    assert "Google Workspace: 7 users read (page 4)" in first.stderr  # progress on stderr
    assert (
        "~ group Engineering: members of nested group(s) backend@acme.example included as "
        "direct members (AWS IAM Identity Center has no nested groups)" in first.stdout
    )
    assert "+ create user user3@acme.example" in first.stdout

    google.users = google.users[:2]  # five users gone from Google ...
    google.fail_page = ("users", 1)  # ... but the read fails: nothing may be removed
    second = run_cli(sync_args(google, url), env)
    assert second.returncode == 4, second.stdout + second.stderr
    assert "source problem: Google Admin SDK failed on GET /admin/directory/v1/users" in (
        second.stderr
    )
    assert "- deactivate" not in second.stdout and "- delete" not in second.stdout
    assert all(
        u["active"] for u in emulator_users(emulator, name, token) if u["externalId"] != "103"
    )

    google.fail_page = None
    third = run_cli(sync_args(google, url, "--dry-run", "--max-removals", "100%"), env)
    assert third.returncode == 0, third.stderr
    assert "- deactivate user user6@acme.example" in third.stdout  # a whole read does remove


def test_a_hidden_character_becomes_a_task_not_an_abort(google, emulator, tenant, tmp_path):
    name, token, url = tenant
    google.users[2]["name"]["givenName"] = "First\u200b2"
    db = f"sqlite:///{tmp_path / 'e.db'}"
    result = run_sync(config(url, token, [spec(google)]), open_engine(db))
    assert result.error is None
    assert result.summary["created"] == 6 + 3 and result.summary["blocked"] == 1
    listed = run_cli(
        ["tasks", "list", "--state", "all", "--format", "json"], {"SCIMGUARD_STATE_DB": db}
    )
    tasks = json.loads(listed.stdout)
    task = next(t for t in tasks if t["record_key"] == "102")
    assert task["rule"] == "hidden-character"
    shown = run_cli(["tasks", "show", str(task["id"])], {"SCIMGUARD_STATE_DB": db})
    assert "U+200B ZERO WIDTH SPACE" in shown.stdout and "name.givenName" in shown.stdout

    google.users[2]["name"]["givenName"] = "First2"  # fixed in Google: Retry reads it again
    env = {"SCIMGUARD_STATE_DB": db, "SCIMGUARD_TARGET_TOKEN": token}
    retried = run_cli(["tasks", "retry", str(task["id"])], env)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    created = run_cli(["tasks", "list", "--state", "all", "--format", "json"], env)
    assert next(t for t in json.loads(created.stdout) if t["id"] == task["id"])["state"] == (
        "succeeded"
    )
    fixed = next(u for u in emulator_users(emulator, name, token) if u["externalId"] == "102")
    assert fixed["name"]["givenName"] == "First2"


def test_check_reads_the_live_directory_and_sends_nothing(google, tmp_path):
    google.users[2]["name"]["givenName"] = "First\u200b2"
    args = ["check", "--google-customer", "my_customer", "--google-subject", ADMIN]
    done = run_cli([*args, "--google-api", google.url, "--format", "json"], {})
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    rules = {(f["rule"], f["attribute"]) for f in report["findings"]}
    assert ("hidden-character", "name.givenName") in rules
    assert report["summary"]["users"] == 7 and report["summary"]["groups"] == 3

    text = run_cli([*args, "--google-api", google.url, "--format", "text"], {})
    assert text.returncode == 1
    assert "Google Workspace my_customer:3" in text.stdout and "hidden-character" in text.stdout

    google.fail_page = ("groups", 1)
    partial = run_cli([*args, "--google-api", google.url, "--format", "json"], {})
    assert partial.returncode == 1
    assert "source problem: Google Admin SDK failed on GET /admin/directory/v1/groups" in (
        partial.stderr
    )


def test_check_and_sync_refuse_half_given_google_options(google, tmp_path):
    done = run_cli(["check", "--google-customer", "my_customer"], {})
    assert done.returncode == 2 and "--google-subject EMAIL" in done.stderr
    done = run_cli(["check", "--google-user-query", "email:a*"], {})
    assert done.returncode == 2 and "--google-user-query need --google-customer" in done.stderr
    done = run_cli(
        ["check", "--google-customer", "C1", "--google-subject", ADMIN],
        {"GOOGLE_APPLICATION_CREDENTIALS": ""},
    )
    assert done.returncode == 2 and "GOOGLE_APPLICATION_CREDENTIALS" in done.stderr


def test_the_config_file_takes_the_google_options(google, tenant, tmp_path):
    _name, token, url = tenant
    config_file = tmp_path / "scimguard.toml"
    config_file.write_text(
        f'target = "{url}"\n'
        'google-customer = "my_customer"\n'
        f'google-subject = "{ADMIN}"\n'
        f'google-api = "{google.url}"\n'
        'google-group-query = "name:Sales"\n'
        "dry-run = true\n"
    )
    env = {"SCIMGUARD_TARGET_TOKEN": token, "SCIMGUARD_STATE_DB": f"sqlite:///{tmp_path / 'e.db'}"}
    done = run_cli(["sync", "--config", str(config_file)], env)
    assert done.returncode == 0, done.stderr
    assert "+ create group Sales" in done.stdout
    assert "+ create user user5@acme.example" in done.stdout
    assert "user0@acme.example" not in done.stdout  # outside the group query
    assert any("query=name%3ASales" in p for p in google.requests)
