"""The shipped examples (realistic, with every kind of defect) go through twice: idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sync_helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    "files", [["okta-users.csv", "groups.json"], ["scim-users.jsonl"], ["okta-export.json"]]
)
def test_examples_sync_then_nothing_to_do(target, engine_db, files):
    paths = [str(EXAMPLES / f) for f in files]
    args = ["sync", *paths, "--target", target.url, "--json"]
    first = run_cli(args, target.token, engine_db)
    summary = json.loads(first.stdout)
    assert summary["failed"] == 0, first.stderr
    assert summary["created"] > 0
    second = run_cli(args, target.token, engine_db)
    again = json.loads(second.stdout)
    assert again["created"] == 0 and again["updated"] == 0 and again["failed"] == 0, second.stderr
    # A blocked record unchanged since its task is `still_blocked`. One that the target now
    # matches differently (a duplicate userName whose twin was created) is blocked anew, once.
    assert again["blocked"] + again["still_blocked"] == summary["blocked"]
    assert again["unchanged"] == summary["created"]
    third = json.loads(run_cli(args, target.token, engine_db).stdout)
    assert third["blocked"] == 0 and third["still_blocked"] == summary["blocked"]
    assert third["unchanged"] == summary["created"] and third["updated"] == 0
