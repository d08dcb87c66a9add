"""`scimguard check --google-customer ...`: check a live directory, provisioning nothing.

The directory is read through the source registry (the same reader `sync` uses, so the same
mapping and scope), and its records go through the same `run_check` as a file's. A record's
place is the directory and its position in the read (`Google Workspace my_customer:12`), its
identity the userName the report names. A read that failed or stopped part-way is a *source
problem* on stderr, and the exit status is at least 1: a partial directory must not pass a
CI gate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import click

from scimguard.profile import Kind
from scimguard.records.location import Locations
from scimguard.records.model import InputProblem, Record
from scimguard.sources import ReadContext, SourceError, describe, read_spec


@dataclass
class DirectoryRead:
    """A directory's records with the attributes `check` asks of a record stream."""

    records: list[Record] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)  # source problems (partial)
    files: list[str] = field(default_factory=list)
    locations: Locations = field(default_factory=Locations)
    encodings: dict[str, str] = field(default_factory=dict)
    total_bytes: int | None = None

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    @property
    def problem_count(self) -> int:
        return len(self.problems)

    @property
    def skipped(self) -> int:
        """Records lost to a partial read: not known (the source says only that it stopped)."""
        return 0

    def exit_code(self, code: int) -> int:
        """The check's exit status, the source problems said: a partial read is at least 1."""
        for problem in self.problems:
            click.secho(f"source problem: {problem.message}", fg="yellow", err=True)
        if code == 2:
            names = ", ".join(self.files)
            click.echo(f"error: not a single record could be read from {names}", err=True)
            return 2
        return max(code, 1) if self.problems else code


def read_directories(specs: list[dict[str, Any]]) -> DirectoryRead:
    """Every spec's records as check records; a source that cannot be read is a problem."""
    out = DirectoryRead()
    context = ReadContext(progress=lambda line: click.echo(line, err=True))
    for spec in specs:
        name = describe(spec)
        out.files.append(name)
        try:
            records, problems = read_spec(spec, context)
        except SourceError as exc:
            out.problems.append(InputProblem(name, None, str(exc)))
            continue
        out.problems.extend(InputProblem(name, None, str(problem)) for problem in problems)
        for number, record in enumerate(records, 1):
            kind: Kind = "user" if record.kind == "user" else "group"
            out.records.append(Record(len(out.records) + 1, name, number, kind, record.resource))
    return out
