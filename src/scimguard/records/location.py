"""Where a finding is, in the source's own terms: `users.csv:6 (lastName)`.

The one place that turns a record's file and line and a finding's SCIM path into the words of
the admin's export: the file, the row (CSV) or line (JSON), the column or Okta attribute the
value came from, and for an Okta export the Okta user id. The readers register what each file's
mapping read (`sources`: target SCIM path -> source fields); the reports call `locate`, `fix`'s
log `where` (it knows the field it edited), a task's page `describe` (sync/diagnosis.py: a record
read from Okta's API has no file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_INDEX = re.compile(r"\[\d+\]")
_LISTS = frozenset({"emails", "phoneNumbers", "addresses", "roles"})


@dataclass(slots=True)
class Locations:
    """Per file, the mapping's sources; per Okta record, its user id."""

    sources: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    okta_ids: dict[tuple[str, int], str] = field(default_factory=dict)
    okta_groups: set[tuple[str, int]] = field(default_factory=set)  # of okta_ids, the groups
    aliases: dict[str, str] = field(default_factory=dict)  # name shown -> name read
    _found: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def alias(self, shown: str, read: str) -> None:
        """Reports name `read` as `shown` (the console reads an upload from a temporary copy)."""
        self.aliases[shown] = read

    def columns(self, file: str, attribute: str) -> tuple[str, ...]:
        """The source fields (CSV columns, Okta attributes) behind `attribute` in `file`."""
        sources = self.sources.get(self.aliases.get(file, file))
        if not sources:
            return ()
        key = (file, attribute)
        found = self._found.get(key)  # a large export repeats a few attributes many times
        if found is None:
            found = self._found[key] = self._columns(sources, attribute)
        return found

    @staticmethod
    def _columns(sources: dict[str, tuple[str, ...]], attribute: str) -> tuple[str, ...]:
        # List indexes are left out: the mapping keeps one element of two columns
        # (`primaryPhone`, else `mobilePhone`), so `phoneNumbers[0]` may come from either.
        attribute = _INDEX.sub("", attribute)
        found: list[str] = []
        for target, fields in sources.items():
            target = _INDEX.sub("", target)
            # `addresses` or `name` name a whole element: every column under it;
            # `emails.primary` (a constant of the mapping) the column of its element
            if target == attribute or _under(target, attribute) or _under(attribute, _head(target)):
                found.extend(f for f in fields if f not in found)
        return tuple(found)

    def locate(self, file: str, line: int, attribute: str) -> tuple[str | None, str]:
        """(the column, or None; the location as an admin reads it)."""
        columns = self.columns(file, attribute)
        return (", ".join(columns) if columns else None), self.where(file, line, columns)

    def where(self, file: str, line: int, columns: tuple[str, ...] = ()) -> str:
        """The location of `columns` (known already: the fields `fix` edited) at file:line."""
        key = (self.aliases.get(file, file), line)
        kind = "group" if key in self.okta_groups else "user"
        return describe(f"{file}:{line}", columns, self.okta_ids.get(key), kind)


def describe(
    place: str | None, columns: tuple[str, ...] = (), okta_id: str | None = None, kind: str = "user"
) -> str:
    """The one spelling of a location: `users.csv:6 (lastName)`, `okta.json:2 (lastName), Okta
    user 00u1`; with no place (a record read from Okta's API) `Okta user 00u1 (lastName)`."""
    column = f" ({', '.join(columns)})" if columns else ""
    okta = f"Okta {kind} {okta_id}" if okta_id is not None else None
    if place is None:
        return f"{okta or 'the source'}{column}"
    return place + column + (f", {okta}" if okta is not None else "")


def _under(path: str, prefix: str) -> bool:
    return path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in (".", "[", ":")


def _head(target: str) -> str:
    """`emails.value` -> `emails` (a list's element); other paths as they are."""
    head = target.split(".", 1)[0]
    return head if head in _LISTS else target


NO_LOCATIONS = Locations()
