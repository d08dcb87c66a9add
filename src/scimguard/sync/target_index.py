"""The target's resources as the planner looks them up, built page by page as they are read.

By id, externalId and lower-cased name (userName for users, displayName for groups), with each
resource's `diff.compared_form`. `run.read_target` adds each page's resources while the next
page is on its way (`ScimClient.list_all` asks for it first), so that matching a resync's
20,000 records is lookups and byte comparisons, not 20,000 serialisations after the last page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scimguard.sync.diff import compared_form, uses_forms


def lowered(value: Any) -> str | None:
    """The case-insensitive key of a name (None for no name)."""
    return value.lower() if isinstance(value, str) and value else None


class TargetIndex:
    """One kind's resources: `by_id` (the last one listed under an id), `by_ext` and `by_name`
    (the first one), and each listed resource's compared form (`form_of`).

    `parsed`: the resources are orjson's reading of the target's answer, whose compared form
    needs no check that it holds them exactly (diff.compared_form)."""

    def __init__(
        self,
        kind: str,
        items: Iterable[dict[str, Any]] = (),
        *,
        parsed: bool = False,
        on_add: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.kind = kind
        self.on_add = on_add  # told of each resource once indexed (sync/matching.EarlyMatches)
        self.name_attr = "userName" if kind == "user" else "displayName"
        self.parsed = parsed
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_ext: dict[str, dict[str, Any]] = {}
        self.by_name: dict[str, dict[str, Any]] = {}
        # by the resource object itself: a target that lists one id twice (paging while it
        # changes) has two resources under it, and a match is with one of them
        self._forms: dict[int, bytes | None] = {}
        self.forms = uses_forms(kind)
        for item in items:
            self.add(item)

    def form_of(self, item: dict[str, Any]) -> bytes | None:
        """The compared form of `item`, a resource of this index (None: compare in full)."""
        return self._forms.get(id(item))

    def name_of(self, rid: str) -> str:
        """The name (userName, displayName) of the resource listed under `rid`, else `rid`."""
        item = self.by_id.get(rid)
        name = item.get(self.name_attr) if item is not None else None
        return name if isinstance(name, str) and name else rid

    def add(self, item: dict[str, Any]) -> None:
        rid = item.get("id")
        if not isinstance(rid, str):
            return
        self.by_id[rid] = item
        if self.forms:
            self._forms[id(item)] = compared_form(item, self.kind, parsed=self.parsed)
        ext = item.get("externalId")
        if isinstance(ext, str) and ext:
            self.by_ext.setdefault(ext, item)
        name = lowered(item.get(self.name_attr))
        if name:
            self.by_name.setdefault(name, item)
        if self.on_add is not None:
            self.on_add(item)
