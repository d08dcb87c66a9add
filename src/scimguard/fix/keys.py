"""The keys of a record: what no two records may share, and what sync matches records on.

`KeyIndex` keeps, across the whole input, which records hold each key (userName and primary
email compared case-insensitively, externalId, a group's displayName), so that no fix makes
two records one. `identifiers` are the values fix changes only when told (--identifiers).
"""

from __future__ import annotations

from typing import Any

from scimguard.profile import primary_email
from scimguard.records import Record, ScreenedUsers


def record_keys(resource: dict[str, Any], kind: str) -> set[tuple[str, str]]:
    """The values no two records may share (as the duplicate rules compare them)."""
    keys: set[tuple[str, str]] = set()
    external = resource.get("externalId")
    if kind == "user":
        name = resource.get("userName")
        if isinstance(name, str) and name:
            keys.add(("userName", name.lower()))
        email = primary_email(resource)
        if email:
            keys.add(("email", email.lower()))
        if isinstance(external, str) and external:
            keys.add(("user externalId", external))
    else:
        name = resource.get("displayName")
        if isinstance(name, str) and name:
            keys.add(("group displayName", name.lower()))
        if isinstance(external, str) and external:
            keys.add(("group externalId", external))
    return keys


class KeyIndex:
    """Which records hold each key, kept current as fixes change keys.

    A key is held by one record (an int) or, when the input already has a duplicate, by a
    list of them: no set per key, so the keys of a big clean export are cheap to hold.
    """

    def __init__(self) -> None:
        # one dict per kind of key ("userName", "email", ...), so a key needs no tuple
        self.holders: dict[str, dict[str, int | list[int]]] = {}
        self.sources: dict[int, str] = {}
        self.runs: list[ScreenedUsers] = []

    def _table(self, kind: str) -> dict[str, int | list[int]]:
        table = self.holders.get(kind)
        if table is None:
            table = self.holders[kind] = {}
        return table

    def _hold(self, key: tuple[str, str], index: int) -> None:
        table = self._table(key[0])
        held = table.setdefault(key[1], index)
        if held != index:
            _also(table, key[1], held, index)

    def _release(self, key: tuple[str, str], index: int) -> None:
        table = self._table(key[0])
        held = table.get(key[1])
        if held == index:
            del table[key[1]]
        elif type(held) is list and index in held:
            held.remove(index)
            if len(held) == 1:
                table[key[1]] = held[0]

    def add(self, record: Record, keys: set[tuple[str, str]]) -> None:
        self.sources[record.index] = record.source
        for key in keys:
            self._hold(key, record.index)

    def add_screened(self, run: ScreenedUsers) -> None:
        """Users the screen passed: their keys as the screen gives them (already lowered)."""
        self.runs.append(run)
        first = run.first_record
        for kind, column in (
            ("userName", run.keys),
            ("email", run.emails),
            ("user externalId", run.external_ids),
        ):
            table = self._table(kind)
            setdefault = table.setdefault
            for index, key in enumerate(column, first):
                if key:
                    held = setdefault(key, index)
                    if held != index:
                        _also(table, key, held, index)

    def move(self, index: int, old: set[tuple[str, str]], new: set[tuple[str, str]]) -> None:
        for key in old - new:
            self._release(key, index)
        for key in new - old:
            self._hold(key, index)

    def clash(self, index: int, old: set[tuple[str, str]], new: set[tuple[str, str]]) -> str | None:
        for key in sorted(new - old):
            held = self._table(key[0]).get(key[1])
            others = sorted(({held} if isinstance(held, int) else set(held or ())) - {index})
            if others:
                return (
                    f"the change would give it the same {key[0]} as record {others[0]} "
                    f"({self.source(others[0])}): a duplicate"
                )
        return None

    def source(self, index: int) -> str:
        if index in self.sources:
            return self.sources[index]
        for run in self.runs:
            if run.first_record <= index < run.first_record + len(run):
                at = index - run.first_record
                line = run.lines[at] if run.lines is not None else run.first_line + at
                return f"{run.file}:{line}"
        return "?"


def _also(table: dict[str, int | list[int]], key: str, held: int | list[int], index: int) -> None:
    """`index` holds `key` too (an input that already has a duplicate)."""
    if isinstance(held, int):
        table[key] = [held, index]
    elif index not in held:
        held.append(index)


def identifiers(resource: dict[str, Any], kind: str) -> dict[str, Any]:
    """The values `sync` matches records on: userName, externalId and the email values of a
    user; displayName and externalId of a group. fix changes none without --identifiers."""
    if kind == "group":
        return {
            "displayName": resource.get("displayName"),
            "externalId": resource.get("externalId"),
        }
    emails = resource.get("emails")
    if isinstance(emails, list):
        emails = [e.get("value") if isinstance(e, dict) else e for e in emails]
    return {
        "userName": resource.get("userName"),
        "externalId": resource.get("externalId"),
        "emails[].value": emails,
    }
