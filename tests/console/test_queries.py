"""The console's reads of the engine tables agree with the engine's own task API."""

from __future__ import annotations

import itertools

from scimguard.console.db import open_engine
from scimguard.console.queries import newest_tasks
from scimguard.sync import tasks as T

RULES = ["hidden-character", "missing-required", "target-rejected", None]


def _fill(engine, n: int) -> None:
    with engine.begin() as conn:
        for i in range(n):
            rule = RULES[i % len(RULES)]
            extra = RULES[(i // 3) % len(RULES)]
            T.file_task(
                conn,
                run_id=None,
                kind="user" if i % 5 else "group",
                record_key=f"k{i}",
                display=f"k{i}",
                operation="create",
                state=("failed", "blocked", "dismissed", "succeeded")[i % 4 if i % 7 else 0],
                rule=rule,
                request={"method": "POST", "path": "/Users", "body": {"userName": f"k{i}"}},
                response=None,
                findings=[{"rule": extra, "severity": "error"}] if extra else [],
                attempts=1,
                source=None,
                target_url="http://127.0.0.1:9",
            )


def test_newest_tasks_equals_list_tasks_cut_to_the_limit(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'engine.db'}")
    _fill(engine, 120)
    states = [None, T.OPEN_STATES, "failed", "dismissed"]
    kinds = [None, "user", "group"]
    rules = [None, "hidden-character", "missing-required", "no-such-rule"]
    compared = 0
    for state, kind, rule, limit in itertools.product(states, kinds, rules, [1, 7, 500]):
        expected = [t.id for t in T.list_tasks(engine, state=state, rule=rule, kind=kind)][:limit]
        got = [t.id for t in newest_tasks(engine, state, rule, kind, limit)]
        assert got == expected, (state, kind, rule, limit)
        compared += bool(expected)
    assert compared > 50  # most combinations select something


def test_tasks_page_pages_through_every_task(signed_in, console_db):
    import re

    engine = open_engine(console_db)
    with engine.begin() as conn:
        for i in range(450):
            T.file_task(
                conn,
                run_id=None,
                kind="user",
                record_key=f"k{i}",
                display=f"k{i}@example.com",
                operation="create",
                state="failed",
                rule="target-rejected",
                request={"method": "POST", "path": "/Users", "body": {"userName": f"k{i}"}},
                response=None,
                findings=[],
                attempts=1,
                source=None,
                target_url="http://127.0.0.1:9",
            )
    seen: list[int] = []
    sizes = []
    url = "/tasks"
    while url:
        html = signed_in.get(url).text
        ids = [int(i) for i in re.findall(r'<tr id="task-(\d+)"', html)]
        sizes.append(len(ids))
        seen += ids
        older = re.search(r'<a href="(/tasks\?[^"]+)" id="older">', html)
        url = older.group(1).replace("&amp;", "&") if older else None
    assert sizes == [200, 200, 50]
    assert seen == sorted(T.open_task_ids(engine), reverse=True)  # newest first, each once
