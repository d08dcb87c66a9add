"""`run_check` on several cores, for big JSON-lines files.

Parsing and the single-record rules are per line and independent, so worker processes take
chunks of lines and send back, per record, only what the main process needs: the keys for
duplicate detection and the (rare) findings. The main process keeps the order, numbers the
records, feeds the DuplicateTracker and writes the report exactly as `run_check` does; the
reports are identical (tests/check compares them). Chunks in flight are bounded, so memory stays
flat; anything unusual in a line (an Okta object, a ListResponse, an array) is sent back whole
and handled by the main process like the serial path does.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import orjson

from scimguard.check import Report, Summary, _mark
from scimguard.profile import DuplicateTracker, Profile, RecordRef, Severity, Switches, kind_of
from scimguard.profile.duplicates import primary_email
from scimguard.profile.fast import is_plainly_valid_user
from scimguard.records import RecordStream
from scimguard.records.json_reader import json_error
from scimguard.records.model import Record
from scimguard.records.sources import detect_format, open_input

MIN_BYTES = 32 << 20  # below this, starting processes costs more than it saves
CHUNK_BYTES = 1 << 20

_profiles: dict[tuple[bool, bool], Profile] = {}


def usable(stream: RecordStream) -> bool:
    """Worth it and possible: several cores, regular JSON-lines files, enough bytes."""
    if (os.cpu_count() or 1) < 2 or stream.input_format not in (None, "jsonl"):
        return False
    if stream.total_bytes is None or stream.total_bytes < MIN_BYTES:
        return False
    for name in stream.files:
        with open(name, "rb") as handle:
            if detect_format(handle.read(1 << 16)) != "jsonl":
                return False
    return True


def _check_lines(switches: tuple[bool, bool], first_line: int, lines: list[bytes]) -> list[Any]:
    """In a worker: parse and check a chunk; one compact tuple per line that is not blank."""
    profile = _profiles.get(switches)
    if profile is None:
        profile = _profiles[switches] = Profile(Switches(*switches))
    complete = switches[1]
    loads = orjson.loads
    out: list[Any] = []
    add = out.append
    for number, line in enumerate(lines, first_line):
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            if line.strip():
                add(("p", number, json_error(exc)))
            continue
        if type(obj) is not dict or "profile" in obj or "Resources" in obj:
            add(("x", number, obj))
            continue
        if kind_of(obj) == "group":
            add(("g", number, obj, profile.check_group(obj)))
            continue
        findings = None if is_plainly_valid_user(obj, complete) else profile.check_user(obj)
        username = obj.get("userName")
        emails = obj.get("emails")
        if type(emails) is list and len(emails) == 1 and type(emails[0]) is dict:
            email = emails[0].get("value")
            if type(email) is not str:
                email = None
        else:
            email = primary_email(obj)
        user_id = obj.get("id")
        add(
            (
                "u",
                number,
                username if type(username) is str else None,
                email,
                obj.get("externalId"),
                user_id if type(user_id) is str else None,
                findings or None,
                username if findings else None,
            )
        )
    return out


def run_check_parallel(
    stream: RecordStream,
    profile: Profile,
    report: Report,
    *,
    workers: int | None = None,
    on_progress: Callable[[], None] | None = None,
) -> Summary:
    """What `run_check(stream, ...)` returns and writes, computed by worker processes."""
    import multiprocessing

    switches = (profile.switches.allow_legacy_characters, profile.switches.require_complete_address)
    workers = workers or min(os.cpu_count() or 2, 8)
    tracker = DuplicateTracker()
    with_errors = bytearray()
    error = Severity.ERROR
    counts = {"users": 0, "groups": 0, "errors": 0, "warnings": 0}
    report.start()
    index = 0

    def emit(ref: RecordRef, findings: list[Any]) -> None:
        has_error = False
        for finding in findings:
            if finding.severity is error:
                counts["errors"] += 1
                has_error = True
            else:
                counts["warnings"] += 1
            report.finding(ref, finding)
        if has_error:
            _mark(with_errors, ref.record)

    def consume(name: str, results: list[Any]) -> None:
        nonlocal index
        add_user_keys = tracker.add_user_keys
        for item in results:
            tag = item[0]
            if tag == "u":
                index += 1
                counts["users"] += 1
                ref = Record(index, name, item[1], "user", {})  # record/file/line for the tracker
                add_user_keys(ref, item[2], item[3], item[4], item[5])  # type: ignore[arg-type]
                if item[6]:
                    emit(RecordRef(index, name, item[1], "user", item[7]), item[6])
            elif tag == "g":
                index += 1
                counts["groups"] += 1
                record = Record(index, name, item[1], "group", item[2])
                tracker.add_group(record.ref, item[2])
                if item[3]:
                    emit(record.ref, item[3])
            elif tag == "p":
                stream.add_problem(name, item[1], item[2])
            else:  # an unusual line: converted and checked here, as the serial path does
                obj = item[2]
                found = ((item[1], e) for e in obj) if isinstance(obj, list) else [(item[1], obj)]
                for line, resource in stream._resources(iter(found), name, False):
                    index += 1
                    record = Record(index, name, line, kind_of(resource), resource)
                    if record.kind == "user":
                        counts["users"] += 1
                        tracker.add_user(record, resource)  # type: ignore[arg-type]
                        findings = profile.check_user(resource)
                    else:
                        counts["groups"] += 1
                        tracker.add_group(record.ref, resource)
                        findings = profile.check_group(resource)
                    if findings:
                        emit(record.ref, findings)
        stream.records = index

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for name in stream.files:
            source = open_input(name)
            stream._current = source
            try:
                for notice in source.notices:
                    stream.add_problem(source.name, 1, notice, skipped=False)
                pending: deque[Future[list[Any]]] = deque()
                handle = source.handle
                line = 1
                while True:
                    lines = handle.readlines(CHUNK_BYTES) if handle is not None else []
                    if not lines:
                        break
                    pending.append(pool.submit(_check_lines, switches, line, lines))
                    line += len(lines)
                    if len(pending) > 2 * workers:
                        consume(source.name, pending.popleft().result())
                        if on_progress is not None:
                            on_progress()
                while pending:
                    consume(source.name, pending.popleft().result())
            finally:
                stream._done_bytes += source.size or 0
                stream._current = None
                source.close()
    for ref, finding in tracker.finish():
        emit(ref, [finding])
    summary = Summary(
        records=counts["users"] + counts["groups"],
        users=counts["users"],
        groups=counts["groups"],
        errors=counts["errors"],
        warnings=counts["warnings"],
        records_with_errors=sum(bin(b).count("1") for b in with_errors),
        input_problems=stream.problem_count,
        records_not_checked=stream.skipped,
    )
    report.finish(summary, stream.problems)
    return summary
