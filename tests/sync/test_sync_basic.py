"""Plan and apply against the emulator: creates, memberships, idempotence, updates, removals."""

from __future__ import annotations

import json

from sync_helpers import group, run_cli, user, write_jsonl

from scimguard.sync.planner import COUNTS


def test_first_sync_creates_users_groups_and_members_then_nothing(target, engine_db, tmp_path):
    users = write_jsonl(tmp_path / "users.jsonl", [user(i) for i in range(5)])
    groups = write_jsonl(
        tmp_path / "groups.jsonl",
        [group("Engineering", ["user0@example.com", "ext-1"], "g-eng"), group("Empty", [])],
    )
    args = ["sync", str(users), str(groups), "--target", target.url]
    first = run_cli([*args, "--json"], target.token, engine_db)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {k: summary[k] for k in COUNTS} == {**dict.fromkeys(COUNTS, 0), "created": 7}
    assert summary["by_kind"]["user"]["created"] == 5
    assert summary["by_kind"]["group"]["created"] == 2
    assert sorted(u["userName"] for u in target.users()) == [
        f"user{i}@example.com" for i in range(5)
    ]
    eng = next(g for g in target.groups() if g["displayName"] == "Engineering")
    assert target.members(eng["id"]) == {"user0@example.com", "user1@example.com"}
    again = run_cli([*args, "--json"], target.token, engine_db)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["unchanged"] == 7
    assert json.loads(again.stdout)["created"] == 0
