"""Properties over generated inputs: undo restores the input, and fixes stay inside findings."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from fix_samples import csv_bytes, jsonl_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scimguard.fix import run_fix, undo_document
from scimguard.fix.undo import restore
from scimguard.profile import DuplicateTracker, Profile
from scimguard.records import read_records

PIECES = [
    "a",
    "b",
    "Jo",
    "e\u0301",
    " ",
    "\u200b",
    "\u00a0",
    ":",
    ";",
    '"',
    ",",
    "\n",
    "\r",
    "\t",
    "x@y",
    "Z\u0430",
]
value = st.lists(st.sampled_from(PIECES), min_size=0, max_size=4).map("".join)
login = st.sampled_from(["a@x.com", "b@x.com", "A@x.com", "a@x.com\u200b", "c @x.com", ""])
row = st.tuples(login, value, value, value, value)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _fix(name: str, data: bytes):  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        result = run_fix(str(path), Profile())
        out = Path(tmp) / f"out-{name}"
        out.write_bytes(result.output_bytes)
        after = [r.resource for r in read_records([str(out)])]
    return result, after


def _remaining(resources: list[dict]) -> set[tuple[int, str, str]]:  # type: ignore[type-arg]
    profile = Profile()
    tracker = DuplicateTracker()
    from scimguard.profile import RecordRef

    found = set()
    for index, resource in enumerate(resources, 1):
        ref = RecordRef(index, "f", index, "user", None)
        found |= {(index, f.rule, f.attribute) for f in profile.check(resource, "user")}
        tracker.add_user(ref, resource)
    found |= {(ref.record, f.rule, f.attribute) for ref, f in tracker.finish()}
    return found


@SETTINGS
@given(st.lists(row, min_size=1, max_size=6), st.booleans(), st.sampled_from([",", ";", "\t"]))
def test_csv_fix_undo_and_leftovers(rows, quote_all, delimiter) -> None:  # type: ignore[no-untyped-def]
    header = ["login", "firstName", "lastName", "displayName", "title"]
    data = csv_bytes([header, *[list(r) for r in rows]], delimiter, "\r\n", quote_all)
    result, after = _fix("users.csv", data)
    document = undo_document(result, "in", "out")
    assert restore(document, result.output_bytes, "undo", "out") == data
    listed = {(i.ref.record, i.finding.rule, i.finding.attribute) for i in result.leftovers}
    assert listed == _remaining(after)
    before = list(csv.reader(io.StringIO(data.decode(), newline=""), delimiter=delimiter))
    fixed = list(
        csv.reader(io.StringIO(result.output_bytes.decode(), newline=""), delimiter=delimiter)
    )
    changed = {
        (r, header[c])
        for r in range(1, len(before))
        for c in range(len(header))
        if before[r][c] != fixed[r][c]
    }
    assert changed == {(c.record, e.field) for c in result.changes for e in c.edits}
    logins = [r[0].lower() for r in fixed[1:] if r[0]]
    old_logins = [r[0].lower() for r in before[1:] if r[0]]
    assert len(logins) - len(set(logins)) <= len(old_logins) - len(set(old_logins))


@SETTINGS
@given(st.lists(st.tuples(login, value, value, value), min_size=1, max_size=6))
def test_jsonl_fix_undo_and_leftovers(rows) -> None:  # type: ignore[no-untyped-def]
    users = [
        {"userName": u, "name": {"givenName": g, "familyName": f}, "title": t, "x": [1]}
        for u, g, f, t in rows
    ]
    data = jsonl_bytes(users)
    result, after = _fix("users.jsonl", data)
    document = undo_document(result, "in", "out")
    assert restore(document, result.output_bytes, "undo", "out") == data
    listed = {(i.ref.record, i.finding.rule, i.finding.attribute) for i in result.leftovers}
    assert listed == _remaining(after)
    for old, new in zip(users, after, strict=True):
        assert new["x"] == [1]
        assert [k for k in old if k in new] == [k for k in new if k in old]  # key order kept
    json.dumps(after)
