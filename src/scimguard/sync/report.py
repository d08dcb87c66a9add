"""A run as a scheduler reads it: one exit status, and the summary that `--format json` prints.

The statuses are a contract (docs/sync.md lists them; a test keeps the table equal to
`MEANINGS`). When several apply, the first of `PRECEDENCE` wins; the summary carries them all.
`sync` and `tasks retry` use the same statuses, and so will a scheduled mode (one status per run).

Whether a source problem is a *not found* (a misspelled `--okta-group`, an unknown `--okta-app`)
is the source's to say: it reports it as a `Problem` of kind `not-found` (sources/snapshot.py),
never read back from its wording.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from scimguard.sources.snapshot import NOT_FOUND


class Status(IntEnum):
    OK = 0
    TASKS = 1
    USAGE = 2
    STOPPED = 3
    SOURCE_PROBLEM = 4
    NOT_FOUND = 5
    HELD = 6
    BUSY = 75  # EX_TEMPFAIL of sysexits: "try again later"


MEANINGS = {
    Status.OK: "everything went through; no record of the run is a task",
    Status.TASKS: "the run finished; some records are tasks (failed or blocked, new or still)",
    Status.USAGE: "unusable invocation (an option, a missing token, a database that cannot open)",
    Status.STOPPED: "stopped: the token was refused (401/403) or the target could not be read",
    Status.SOURCE_PROBLEM: "a source read failed or looks partial: nothing was removed",
    Status.NOT_FOUND: "a group or app named on the command line was not found in the source",
    Status.HELD: "removals were held back by the safety fuse (--max-removals)",
    Status.BUSY: "another run holds the target's lease; nothing was sent: try again later",
}
PRECEDENCE = (
    Status.BUSY,
    Status.STOPPED,
    Status.NOT_FOUND,
    Status.SOURCE_PROBLEM,
    Status.HELD,
    Status.TASKS,
    Status.OK,
)
TASK_COUNTS = ("failed", "blocked", "still_failed", "still_blocked")


def not_found(problems: list[str]) -> list[str]:
    return [p for p in problems if getattr(p, "kind", None) == NOT_FOUND]


def worst(statuses: set[Status]) -> Status:
    for status in PRECEDENCE:
        if status in statuses:
            return status
    return Status.OK


def run_statuses(
    *,
    stopped: bool,
    problems: list[str],
    held: int,
    hold_reason: str | None,
    counts: dict[str, int],
) -> set[Status]:
    """Every status that applies to one run (or one retry)."""
    found: set[Status] = set()
    if stopped:
        found.add(Status.STOPPED)
    if not_found(problems):
        found.add(Status.NOT_FOUND)
    if problems:
        found.add(Status.SOURCE_PROBLEM)
    if held and (hold_reason or "").startswith("safety fuse"):
        found.add(Status.HELD)
    if any(counts.get(k) for k in TASK_COUNTS):
        found.add(Status.TASKS)
    return found


def summary(
    counts: dict[str, int],
    by_kind: dict[str, dict[str, int]],
    *,
    status: Status,
    problems: list[str],
    held: int,
    hold_reason: str | None,
    tasks_opened: int,
    tasks_open: int,
    stopped: str | None,
    run_id: int | None,
) -> dict[str, Any]:
    """The `--format json` document: the counts first (as before), then what a scheduler checks."""
    return {
        **counts,
        "by_kind": by_kind,
        "held": held,
        "held_reason": hold_reason,
        "source_problems": problems,
        "not_found": not_found(problems),
        "tasks": {"opened": tasks_opened, "open": tasks_open},
        "stopped": stopped,
        "status": status.name.lower().replace("_", "-"),
        "exit_status": int(status),
        "run_id": run_id,
    }
