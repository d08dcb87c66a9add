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

import multiprocessing
import os
from bisect import bisect_left
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import orjson

from scimguard.check import Report, Summary, mark
from scimguard.errors import UnusableInput
from scimguard.profile import DuplicateTracker, Profile, RecordRef, Severity, Switches, kind_of
from scimguard.profile.duplicates import primary_email
from scimguard.profile.omission import omit_incomplete_addresses
from scimguard.profile.screen import BlockScreen, make_block_screen
from scimguard.records import RecordStream
from scimguard.records.inputs import detect_format, open_input
from scimguard.records.json_reader import line_error
from scimguard.records.model import Record

MIN_BYTES = 32 << 20  # below this, starting processes costs more than it saves
CHUNK_BYTES = 1 << 20

_profiles: dict[Switches, Profile] = {}
_screens: dict[Switches, BlockScreen] = {}


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


def _check_lines(switches: Switches, path: str, start: int, stop: int) -> Any:
    """In a worker: read bytes [start, stop) of the file (whole lines), parse and check them.

    Line numbers are relative to the chunk (1 = its first line); the first value returned is
    the chunk's number of lines.

    Plain users come back as columns (line, userName, email, externalId, id: cheap to pickle);
    everything else as `others`, tagged tuples in line order: ("p", line, problem),
    ("x", line, object) for an unusual object, ("f", line, findings, userName) for a user with
    findings, ("g", line, group, findings).
    """
    profile = _profiles.get(switches)
    if profile is None:
        profile = _profiles[switches] = Profile(switches)
        _screens[switches] = make_block_screen(switches)
    screen = _screens[switches]
    loads = orjson.loads
    numbers: list[int] = []
    usernames: list[Any] = []
    emails: list[Any] = []
    external_ids: list[Any] = []
    user_ids: list[Any] = []
    others: list[Any] = []
    with open(path, "rb") as handle:
        handle.seek(start)
        blob = handle.read(stop - start)
    found = screen(blob)
    column = position = 0
    for at, closer in enumerate([*found.look_closer, found.lines]):
        if closer > position:  # plain users: keys from the screen (emails already lowered;
            # add_users_bulk lowers them again, which changes nothing: lower() is idempotent)
            after = column + closer - position
            numbers.extend(range(position + 1, closer + 1))
            usernames.extend(found.usernames[column:after])
            emails.extend(found.emails[column:after])
            external_ids.extend(found.external_ids[column:after])
            user_ids.extend(found.ids[column:after])
            column = after
        position = closer + 1
        if closer == found.lines:
            break
        number, line = closer + 1, blob[found.starts[at] : found.ends[at]]
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            if line.strip():
                others.append(("p", number, line_error(line, exc)))
            continue
        if type(obj) is not dict or "profile" in obj or "Resources" in obj:
            others.append(("x", number, obj))
            continue
        if kind_of(obj) == "group":
            others.append(("g", number, obj, profile.check_group(obj)))
            continue
        username = obj.get("userName")
        if type(username) is not str:
            username = None
        findings = profile.check_user(obj)
        if findings:
            obj, findings = omit_incomplete_addresses(profile, obj, findings)
        if findings:
            others.append(("f", number, findings, username))
        emails_value = obj.get("emails")
        if type(emails_value) is list and len(emails_value) == 1 and type(emails_value[0]) is dict:
            email = emails_value[0].get("value")
            if type(email) is not str:
                email = None
        else:
            email = primary_email(obj)
        user_id = obj.get("id")
        numbers.append(number)
        usernames.append(username)
        emails.append(email)
        external_ids.append(obj.get("externalId"))
        user_ids.append(user_id if type(user_id) is str else None)
    return found.lines, numbers, usernames, emails, external_ids, user_ids, others


def run_check_parallel(
    stream: RecordStream,
    profile: Profile,
    report: Report,
    *,
    workers: int | None = None,
    on_progress: Callable[[], None] | None = None,
) -> Summary:
    """What `run_check(stream, ...)` returns and writes, computed by worker processes."""
    switches = profile.switches  # frozen: the workers' cache key, pickled whole
    workers = workers or min(os.cpu_count() or 2, 8)
    tracker = DuplicateTracker()
    with_errors = bytearray()
    error = Severity.ERROR
    counts = {"users": 0, "groups": 0, "errors": 0, "warnings": 0}
    report.start()
    index = 0
    base = 0

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
            mark(with_errors, ref.record)

    def consume(name: str, results: Any) -> None:
        """Number the chunk's records in line order and feed the tracker and the report."""
        nonlocal base
        count, numbers, usernames, emails, external_ids, user_ids, others = results
        numbers = [base + number for number in numbers]
        others = [(item[0], base + item[1], *item[2:]) for item in others]
        base += count

        def add_run(start: int, stop: int) -> None:
            nonlocal index
            if stop <= start:
                return
            first = index + 1
            index += stop - start
            counts["users"] += stop - start
            tracker.add_users_bulk(
                name,
                list(range(first, index + 1)),
                numbers[start:stop],
                usernames[start:stop],
                emails[start:stop],
                external_ids[start:stop],
                user_ids[start:stop],
            )

        position = 0
        for item in others:  # in line order; plain users between them go in runs
            stop = bisect_left(numbers, item[1], position)
            add_run(position, stop)
            position = stop
            if item[0] == "f":  # the user at numbers[position] has findings
                add_run(position, position + 1)
                position += 1
                emit(RecordRef(index, name, item[1], "user", item[3]), item[2])
            else:
                handle_other(name, item)
        add_run(position, len(numbers))
        stream.records = index

    def handle_other(name: str, item: Any) -> None:
        nonlocal index
        tag = item[0]
        if tag == "g":
            index += 1
            counts["groups"] += 1
            record = Record(index, name, item[1], "group", item[2])
            tracker.add_group(record.ref, item[2])
            if item[3]:
                emit(record.ref, item[3])
        elif tag == "p":
            stream.add_problem(name, item[1], item[2])
        else:  # "x": an unusual line, converted and checked here as the serial path does
            obj = item[2]
            found = ((item[1], e) for e in obj) if isinstance(obj, list) else [(item[1], obj)]
            for line, resource in stream.resources(iter(found), name):
                index += 1
                record = Record(index, name, line, kind_of(resource), resource)
                if record.kind == "user":
                    counts["users"] += 1
                    tracker.add_user(record, resource)
                    findings = profile.check_user(resource)
                else:
                    counts["groups"] += 1
                    tracker.add_group(record.ref, resource)
                    findings = profile.check_group(resource)
                if findings:
                    emit(record.ref, findings)

    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for name in stream.files:
            try:
                source = open_input(name)
            except UnusableInput as exc:  # named as an input problem; the others are read
                stream.add_problem(name, None, str(exc).removeprefix(f"{name}: "))
                continue
            with stream.reading(source):
                for notice in source.notices:
                    stream.add_problem(source.name, 1, notice, skipped=False)
                pending: deque[Future[Any]] = deque()
                handle = source.handle
                size = source.size or 0
                base = 0  # lines before the chunk being consumed
                start = 0
                while handle is not None and start < size:
                    handle.seek(min(start + CHUNK_BYTES, size))
                    handle.readline()  # chunks end at the end of a line
                    stop = handle.tell()
                    pending.append(pool.submit(_check_lines, switches, name, start, stop))
                    start = stop
                    if len(pending) > 2 * workers:
                        consume(source.name, pending.popleft().result())
                        if on_progress is not None:
                            on_progress()
                while pending:
                    consume(source.name, pending.popleft().result())
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
