"""What the pages mark beyond hidden code points: spaces HTML would swallow, and repeats.

A browser drops leading and trailing spaces and collapses a run of spaces into one, so
`"  Tom"` would read as `Tom`; these positions are marked. On the task list, the Okta-style
message of a task that only differs from an earlier row's by the record's name is not
repeated: the row points at the first one instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup

from scimguard.sync.tasks import Task

SPACE_MARK = Markup('<mark class="sp" title="SPACE (U+0020)">\u2423</mark>')


def spaces_to_mark(value: str) -> set[int]:
    """Positions of the ASCII spaces HTML would hide: leading, trailing, and each space of an
    inner run of two or more."""
    marked: set[int] = set()
    i, n = 0, len(value)
    while i < n:
        if value[i] != " ":
            i += 1
            continue
        j = i
        while j < n and value[j] == " ":
            j += 1
        if i == 0 or j == n or j - i > 1:
            marked.update(range(i, j))
        i = j
    return marked


def same_message(tasks: Iterable[Task], head: Callable[[Task], str]) -> dict[int, int]:
    """{task id: id of the first task above it whose message is the same but for the record's
    name}; a task missing from the answer shows its message (the first of its group)."""
    first: dict[str, int] = {}
    same: dict[int, int] = {}
    for task in tasks:
        message = head(task)
        who = task.display or task.record_key
        generic = message.replace(who, "\0") if who else message
        if generic in first:
            same[task.id] = first[generic]
        else:
            first[generic] = task.id
    return same
