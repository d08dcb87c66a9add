"""Plan and apply against the emulator: creates, memberships, idempotence, updates, removals."""

from __future__ import annotations

import json

from sync_helpers import group, run_cli, user, write_jsonl


def test_first_sync_creates_users_groups_and_members_then_nothing(target, engine_db, tmp_path):
    users = write_jsonl(tmp_path / "users.jsonl", [user(i) for i in range(5)])
    groups = write_jsonl(
        tmp_path / "groups.jsonl",
        [group("Engineering", ["user0@example.com", "ext-1"], "g-eng"), group("Empty", [])],
    )
    args = ["sync", str(users), str(groups), "--target", target.url]
    first = run_cli([*args, "--json"], target.token, engine_db)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "created": 7,
        "updated": 0,
        "deactivated": 0,
        "deleted": 0,
        "unchanged": 0,
        "failed": 0,
        "blocked": 0,
    }
    assert sorted(u["userName"] for u in target.users()) == [
        f"user{i}@example.com" for i in range(5)
    ]
    eng = next(g for g in target.groups() if g["displayName"] == "Engineering")
    assert target.members(eng["id"]) == {"user0@example.com", "user1@example.com"}
    again = run_cli([*args, "--json"], target.token, engine_db)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["unchanged"] == 7
    assert json.loads(again.stdout)["created"] == 0
