"""What keeps a resync's cost near its reads (issue 18): the next cursor page is asked for
while this one is taken in, the source's side is worked out between pages, and nothing of a
run is formatted in full when asyncio looks at its result."""

from __future__ import annotations

import asyncio
import gc
import json
import time

import pytest
from sync_helpers import user

from scimguard.profile import Profile
from scimguard.sources import Snapshot, SourceRecord, file_spec
from scimguard.sync.client import ScimClient
from scimguard.sync.db import open_engine
from scimguard.sync.run import (
    RunResult,
    SyncConfig,
    collection_paused,
    run_sync,
    thaw,
    together,
)
from scimguard.sync.source_side import SourceSide


def fill(target, count: int) -> None:
    for n in range(count):
        target.emu.store.create_user(target.tenant, user(n))


def test_the_next_page_is_asked_for_while_this_one_is_taken_in(target):
    fill(target, 250)

    async def read() -> tuple[list[dict], int, int]:
        async with ScimClient(target.url, target.token) as client:
            items: list[dict] = []
            reads_while_first_page_taken = 0
            async for item in client.list_all("/Users"):
                if not items:
                    await asyncio.sleep(0.3)  # the caller is busy with the first item
                    reads_while_first_page_taken = client.counts["reads"]
                items.append(item)
            return items, reads_while_first_page_taken, client.counts["reads"]

    items, reads_during_first, reads = asyncio.run(read())
    assert reads_during_first == 2  # the second page was asked for before the first was used
    assert reads == 3  # and no page twice, none more
    assert [u["userName"] for u in items] == [f"user{n}@example.com" for n in range(250)]


def test_a_reader_that_stops_early_leaves_no_request_behind(target):
    fill(target, 150)

    async def read() -> tuple[int, set[asyncio.Task]]:
        async with ScimClient(target.url, target.token) as client:
            pages = client.list_all("/Users")
            async for _item in pages:
                break
            await pages.aclose()
            await asyncio.sleep(0.05)
            left = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
            return client.counts["reads"], left

    reads, left = asyncio.run(read())
    assert left == set()  # the page asked for ahead was cancelled or finished, not orphaned
    assert reads <= 2


def records(people: list[dict]) -> Snapshot:
    snapshot = Snapshot()
    snapshot.add(
        SourceRecord("user", p, {"type": "file", "path": "u.jsonl"}, i + 1)
        for i, p in enumerate(people)
    )
    return snapshot


def test_the_source_side_pauses_between_slices_and_ends_with_the_same_answers():
    people = [user(n) for n in range(35)]
    people.append(user(99, userName="user3@example.com"))  # the userName of record 4 again
    people.append({**user(100), "displayName": ""})  # an error of its own
    stepped = SourceSide(records(people), Profile())
    pauses = sum(1 for _ in stepped.steps(size=10))
    assert pauses == 5  # after records 10, 20 and 30, then after each index of the users
    whole = SourceSide(records(people), Profile()).complete()
    assert stepped.bodies == whole.bodies and stepped.forms == whole.forms
    assert [f.rule for f in stepped.errors("user", 35)] == ["duplicate-username"]
    assert [f.rule for f in stepped.errors("user", 3)] == ["duplicate-username"]
    assert [f.rule for f in stepped.errors("user", 36)] == ["empty-string"]
    assert stepped.errors("user", 0) == []


def test_a_source_side_started_again_starts_over():
    people = [user(n) for n in range(25)]
    side = SourceSide(records(people), Profile())
    steps = side.steps(size=10)
    next(steps)  # stopped after 10 records, as a cancelled run stops it
    side.complete()
    assert len(side.bodies["user"]) == 25
    assert [b["externalId"] for b in side.bodies["user"]] == [f"ext-{n}" for n in range(25)]


def test_together_stops_the_others_at_the_first_failure():
    """The failure of one listing stops the other at once (gather would let it read on)."""

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise ValueError("the groups failed")

    async def runs_long(seen: list[str]) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("stopped")
            raise

    async def go() -> tuple[float, list[str]]:
        seen: list[str] = []
        started = time.monotonic()
        with pytest.raises(ValueError, match="the groups failed"):
            await together(runs_long(seen), fails())
        await asyncio.sleep(0)  # let the cancellation land
        return time.monotonic() - started, seen

    took, seen = asyncio.run(go())
    assert took < 5 and seen == ["stopped"]

    async def both() -> list[int]:
        async def value(n: int) -> int:
            await asyncio.sleep(0)
            return n

        return await together(value(1), value(2))

    assert asyncio.run(both()) == [1, 2]


def test_a_run_result_is_short_to_print():
    """asyncio.run formats its main task's result when it restores the SIGINT handler: a run
    result must not print its snapshot (20,000 users took over a second)."""
    big = records([user(n) for n in range(2000)])
    text = repr(RunResult(7, big, counts={"reads": 3}))
    assert "RunResult(run_id=7" in text and "'reads': 3" in text
    assert len(text) < 200


def test_collection_is_paused_while_planning_and_restored_after():
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        plan_like = [{"n": n} for n in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(plan_like)  # later collections skip what planning made
    thaw()
    assert gc.get_freeze_count() == 0
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        thaw()
        gc.enable()


def test_a_run_thaws_what_its_planning_froze(target, tmp_path):
    path = tmp_path / "users.jsonl"
    path.write_text("\n".join(json.dumps(user(n)) for n in range(20)) + "\n")
    cfg = SyncConfig(target.url, target.token, [file_spec(str(path))])
    result = run_sync(cfg, open_engine(f"sqlite:///{tmp_path / 'engine.db'}"))
    assert result.summary["created"] == 20
    assert gc.get_freeze_count() == 0 and gc.isenabled()
