"""What the readers produce: records with their position, and input problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, final

from scimguard.profile import Kind, RecordRef


@final  # as ScreenedUsers: `type(item) is Record` narrows
@dataclass(slots=True)
class Record:
    """One user or group as a SCIM resource, and where it came from.

    `index` is the 1-based position across all inputs, in order; `line` is the line where the
    record starts in `file` (`-` for standard input). `screened_out`: the profile's screen
    looked at the line and did not pass it (`RecordStream.screened`).
    """

    index: int
    file: str
    line: int
    kind: Kind
    resource: dict[str, Any]
    screened_out: bool = False

    @property
    def record(self) -> int:
        """The same as `index`, under RecordRef's name (DuplicateTracker takes either)."""
        return self.index

    @property
    def key(self) -> str | None:
        """userName (user) or displayName (group), as given; None when it is not a string."""
        value = self.resource.get("userName" if self.kind == "user" else "displayName")
        return value if isinstance(value, str) else None

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def ref(self) -> RecordRef:
        return RecordRef(self.index, self.file, self.line, self.kind, self.key)


@final  # `type(item) is ScreenedUsers` (fast, in hot loops) narrows for mypy only when final
@dataclass(slots=True)
class ScreenedUsers:
    """Consecutive users of a JSON input that the profile's screen passed as clean users.

    Only their keys are kept (for the duplicate rules): the columns of `profile.screen.Screened`
    for these users. The users are records `first_record`, `first_record + 1`, ... on lines
    `first_line`, `first_line + 1`, ... of `file` (JSON lines), or on `lines` when given (the
    elements of a JSON array). `warned`: (offset in the run, ((path, value), ...)) of the users
    the screen passed with warned values (`make_screens(pass_warned=True)`), whose findings
    are those of these values alone (`Profile.check_values`).
    """

    file: str
    first_record: int
    first_line: int
    usernames: list[str]
    keys: list[str]
    emails: list[str | None]
    external_ids: list[str | None]
    ids: list[str | None]
    lines: list[int] | None = None
    warned: list[tuple[int, tuple[tuple[str, str], ...]]] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        """The line of the user at `offset` in the run."""
        return self.first_line + offset if self.lines is None else self.lines[offset]

    def __len__(self) -> int:
        return len(self.usernames)


@dataclass(frozen=True, slots=True)
class InputProblem:
    """Something in the input that is not a record: a bad line, a wrong field count, a BOM.

    `skipped` is true when a record was lost because of it (it could not be checked); false for
    a notice such as a byte order mark, after which reading went on normally.
    """

    file: str
    line: int | None
    message: str
    skipped: bool = True

    @property
    def source(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "message": self.message, "skipped": self.skipped}
