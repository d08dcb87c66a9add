"""A resync reads a group's members only when it must (issue 18), against the real emulator.

The emulator moves a group's `meta.lastModified` on every SCIM change of its members. A change
"by hand" that does not move it (AWS does not document whether one does) is made here by
writing the emulator's membership table directly: only the rotating verification finds it.
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import delete
from sync_helpers import group, run_cli, user, write_jsonl

from scimguard.server.tables import memberships
from scimguard.sources import file_spec
from scimguard.sources.snapshot import SourceRecord
from scimguard.sync import membership
from scimguard.sync.db import open_engine
from scimguard.sync.planner import Options, Wanted
from scimguard.sync.render import plan_lines
from scimguard.sync.run import SyncConfig, run_sync
from scimguard.sync.tables import group_members

USERS, GROUPS = 8, 4


def sources(tmp_path, extra: dict[int, list[int]] | None = None) -> list[dict]:
    """Users 0..7; group i holds users i and i+1, plus `extra[i]`."""
    extra = extra or {}
    users = write_jsonl(tmp_path / "u.jsonl", [user(i) for i in range(USERS)])
    groups = [
        group(f"Team {g}", [f"ext-{m}" for m in (g, g + 1, *extra.get(g, []))], f"g-{g}")
        for g in range(GROUPS)
    ]
    return [file_spec(str(users)), file_spec(str(write_jsonl(tmp_path / "g.jsonl", groups)))]


def config(target, specs, **options) -> SyncConfig:
    return SyncConfig(target.url, target.token, specs, Options(**options))


def group_id(target, name: str) -> str:
    return next(g["id"] for g in target.groups() if g["displayName"] == name)


def user_id(target, user_name: str) -> str:
    return next(u["id"] for u in target.users() if u["userName"] == user_name)


def base_reads() -> int:
    """The cursor pages of `/Users` and `/Groups`."""
    return math.ceil(USERS / 100) + math.ceil(GROUPS / 100)


def settled(target, engine, specs, **options):
    """The first run (creates), then a run that reads every group and records it."""
    first = run_sync(config(target, specs, **options), engine)
    assert first.summary["created"] == USERS + GROUPS
    second = run_sync(config(target, specs, **options), engine)
    assert second.plan.member_reads == {"no record": GROUPS}
    assert second.counts["writes"] == 0
    return second


def test_a_no_change_resync_reads_only_the_rotating_slice(target, engine_db, tmp_path):
    engine = open_engine(engine_db)
    specs = sources(tmp_path)
    settled(target, engine, specs)
    third = run_sync(config(target, specs), engine)
    assert third.plan.member_reads == {"rotation": 1, "skipped": GROUPS - 1}
    assert third.counts["reads"] == base_reads() + 1
    assert third.counts["writes"] == 0 and not third.plan.members
    line = next(x for x in plan_lines(third.plan) if x.startswith("= member reads"))
    assert line.startswith(f"= member reads: 1 of {GROUPS} groups (1 rotation); 3 not read")
    # --verify-members reads them all, and finds nothing to do either.
    full = run_sync(config(target, specs, verify_members=True), engine)
    assert full.plan.member_reads == {"verify-members": GROUPS}
    assert full.counts["reads"] == base_reads() + GROUPS
    assert full.counts["writes"] == 0 and not full.plan.members and not full.plan.drift


def test_a_membership_change_in_the_source_is_applied_without_a_full_read(
    target, engine_db, tmp_path
):
    engine = open_engine(engine_db)
    settled(target, engine, sources(tmp_path))
    changed = sources(tmp_path, {2: [6]})
    third = run_sync(config(target, changed), engine)
    assert third.plan.member_reads == {"source changed": 1, "rotation": 1, "skipped": 2}
    assert third.counts["reads"] == base_reads() + 2
    (op,) = third.plan.members
    assert op.group_display == "Team 2" and op.add_display == ["user6@example.com"]
    assert third.counts["writes"] == 1
    assert target.members(group_id(target, "Team 2")) == {
        "user2@example.com",
        "user3@example.com",
        "user6@example.com",
    }
    # Its members were written: its record is gone, so the next run reads it (and is done).
    fourth = run_sync(config(target, changed), engine)
    assert fourth.plan.member_reads["no record"] == 1
    assert fourth.counts["writes"] == 0 and not fourth.plan.members


def test_a_member_added_by_hand_is_found_by_the_rotation_within_its_period(
    target, engine_db, tmp_path
):
    period = 6.0
    engine = open_engine(engine_db)
    specs = sources(tmp_path)
    settled(target, engine, specs, verify_period=period)
    team, intruder = group_id(target, "Team 1"), user_id(target, "user7@example.com")
    before = next(g for g in target.groups() if g["id"] == team)["meta"]["lastModified"]
    with target.emu.emulator.db.write() as conn:  # by hand, lastModified not moved
        conn.execute(memberships.insert().values(group_id=team, user_id=intruder))
    assert next(g for g in target.groups() if g["id"] == team)["meta"]["lastModified"] == before
    changed_at = time.monotonic()
    found = None
    runs = 0
    while found is None and time.monotonic() - changed_at < 3 * period:
        time.sleep(0.5)
        result = run_sync(config(target, specs, verify_period=period), engine)
        runs += 1
        if result.plan.drift:
            found = result
        else:
            assert sum(v for k, v in result.plan.member_reads.items() if k != "skipped") < GROUPS
            assert not result.plan.members
    assert found is not None, "the rotation never read the group"
    # Within its period (plus the run that read it).
    assert time.monotonic() - changed_at <= period + found.seconds + 0.5
    (drift,) = found.plan.drift.values()
    assert drift.startswith("members of group Team 1 changed in the target since ")
    assert drift.endswith(": + user7@example.com")
    assert "(found by rotation)" in drift or "(found by verification due)" in drift
    assert f"! drift: {drift}" in plan_lines(found.plan)
    (op,) = found.plan.members
    assert op.group_display == "Team 1" and op.remove_display == ["user7@example.com"]
    assert target.members(team) == {"user1@example.com", "user2@example.com"}


def test_a_member_added_through_scim_is_seen_by_last_modified(target, engine_db, tmp_path):
    engine = open_engine(engine_db)
    specs = sources(tmp_path)
    settled(target, engine, specs)
    team, intruder = group_id(target, "Team 3"), user_id(target, "user0@example.com")
    time.sleep(1.1)  # the emulator's lastModified counts seconds
    body = {"Operations": [{"op": "add", "path": "members", "value": [{"value": intruder}]}]}
    reply = httpx.patch(
        f"{target.url}/Groups/{team}",
        json=body,
        headers={"Authorization": f"Bearer {target.token}"},
    )
    assert reply.status_code in (200, 204), reply.text
    result = run_sync(config(target, specs), engine)
    assert result.plan.member_reads["target changed"] == 1
    (drift,) = result.plan.drift.values()
    assert "Team 3" in drift and "(found by target changed)" in drift
    (op,) = result.plan.members
    assert op.remove_display == ["user0@example.com"]


def test_without_the_engine_state_every_group_is_read_and_the_plan_is_right(
    target, engine_db, tmp_path
):
    engine = open_engine(engine_db)
    specs = sources(tmp_path)
    settled(target, engine, specs)
    team, intruder = group_id(target, "Team 0"), user_id(target, "user5@example.com")
    with target.emu.emulator.db.write() as conn:
        conn.execute(memberships.insert().values(group_id=team, user_id=intruder))
    # The records alone gone: every group read, the hand-made member found.
    with engine.begin() as conn:
        conn.execute(delete(group_members))
    result = run_sync(config(target, specs), engine)
    assert result.plan.member_reads == {"no record": GROUPS}
    (op,) = result.plan.members
    assert op.group_display == "Team 0" and op.remove_display == ["user5@example.com"]
    # The whole state gone (a new database): every group read, nothing to do, nothing wrong.
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    again = run_sync(config(target, specs), fresh)
    assert again.plan.member_reads == {"no record": GROUPS}
    assert again.counts["writes"] == 0 and not again.plan.members
    assert again.summary["unchanged"] == USERS + GROUPS


def test_a_dry_run_records_nothing(target, engine_db, tmp_path):
    engine = open_engine(engine_db)
    specs = sources(tmp_path)
    run_sync(config(target, specs), engine)
    cfg = config(target, specs)
    cfg.dry_run = True
    for _ in range(2):
        dry = run_sync(cfg, engine)
        assert dry.plan.member_reads == {"no record": GROUPS}


def test_the_rotation_reads_every_group_within_the_period():
    """Runs every 10 s, a period of 100 s, 25 groups: 3 reads a run, none older than 100 s."""
    wanted = [_wanted(f"g{i}") for i in range(25)]
    listed = {w.group_id: {"meta": {"lastModified": "L"}} for w in wanted if w.group_id}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    known = membership.Known(
        {w.group_id: membership.Record(membership.digest(w.ids), "L", start) for w in wanted},
        start,
        start,
    )
    last_read = {w.group_id: start for w in wanted}
    for run in range(1, 40):
        now = start + timedelta(seconds=10 * run)
        known.now, known.previous_run = now, now - timedelta(seconds=10)
        choice = membership.choose(wanted, listed, known, Options(verify_period=100))
        assert len(choice.read) == math.ceil(25 * 10 / 100)
        assert set(choice.read.values()) == {"rotation"}
        for gid in choice.read:
            last_read[gid] = now
            known.records[gid] = membership.Record(known.records[gid].digest, "L", now)
        assert all((now - t).total_seconds() <= 100 for t in last_read.values())


def _wanted(gid: str) -> Wanted:
    record = SourceRecord("group", {"displayName": gid}, {"type": "test"}, None)
    return Wanted(record, gid, {"k": "user"}, {"u-" + gid: "user"}, True)


def test_the_options_work_from_a_config_file_and_drift_is_an_event(target, engine_db, tmp_path):
    """`verify-period` in a `--config` file; an unattended run (`--log-format json`) reports
    the reads in `run_finished` and each drifted group as a `member_drift` event (by id)."""
    specs = sources(tmp_path)
    files = [s["path"] for s in specs]
    engine = open_engine(engine_db)
    settled(target, engine, specs)
    team, intruder = group_id(target, "Team 2"), user_id(target, "user6@example.com")
    with target.emu.emulator.db.write() as conn:
        conn.execute(memberships.insert().values(group_id=team, user_id=intruder))
    conf = tmp_path / "sync.toml"
    conf.write_text(f'target = "{target.url}"\nverify-period = "0s"\n', encoding="utf-8")
    args = ["sync", *files, "--config", str(conf), "--log-format", "json"]
    result = run_cli(args, target.token, engine_db)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines()]
    (drift,) = [e for e in events if e["event"] == "member_drift"]
    assert drift["group_id"] == team and drift["level"] == "warning"
    assert "user6@example.com" not in result.stderr  # events carry no attributes
    (finished,) = [e for e in events if e["event"] == "run_finished"]
    assert finished["member_reads"] == {"verification due": GROUPS}
    assert target.members(team) == {"user2@example.com", "user3@example.com"}
    # The text plan of an interactive run says what it read and what it did not.
    text = run_cli(["sync", *files, "--target", target.url, "--dry-run"], target.token, engine_db)
    assert text.returncode == 0, text.stderr
    assert f"= member reads: 2 of {GROUPS} groups (1 no record, 1 rotation); 2 not read" in (
        text.stdout
    )
    # And `--format json` counts them.
    args = ["sync", *files, "--target", target.url, "--dry-run", "--json"]
    document = json.loads(run_cli(args, target.token, engine_db).stdout)
    assert document["member_reads"] == {"no record": 1, "rotation": 1, "skipped": 2}
    assert document["member_drift"] == 0


def test_each_reason_to_read_and_a_target_without_last_modified_is_always_read():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    fresh = now - timedelta(hours=1)
    wanted = [_wanted(f"g{i}") for i in range(7)]
    wanted[2].ids = {"someone-else": "user"}  # the source wants another member now
    wanted[3].resolved = False  # a wanted user is still to be created
    records = {
        w.group_id: membership.Record(membership.digest(_wanted(w.group_id).ids), "L", fresh)
        for w in wanted[1:]
        if w.group_id
    }
    records["g5"] = membership.Record(records["g5"].digest, "L", now - timedelta(days=2))
    listed = {w.group_id: {"meta": {"lastModified": "L"}} for w in wanted if w.group_id}
    listed["g4"] = {"meta": {}}  # the target gives no lastModified: maybe changed
    known = membership.Known(records, now, now)  # the previous run just now: no rotation
    choice = membership.choose(wanted, listed, known, Options())
    assert choice.read == {
        "g0": "no record",
        "g2": "source changed",
        "g3": "source changed",
        "g4": "target changed",
        "g5": "verification due",
    }
    assert choice.skipped == 2  # g1 and g6
    everything = membership.choose(wanted, listed, known, Options(verify_members=True))
    assert set(everything.read.values()) == {"verify-members"} and len(everything.read) == 7
    assert membership.choose(wanted, listed, None, Options()).counts() == {"no record": 7}
