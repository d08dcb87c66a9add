"""confusable-duplicate: values that AWS keeps apart but a person reads as the same.

Two keys per value (text.confusable_keys): its NFKC case fold and its confusable skeleton.
Only values that may look like another are remembered (`look_alike`: non-ASCII, or ASCII the
skeleton changes), so a plain export costs a few C scans per key. A plain value joins a
group at the end when its lowered AWS key is one of the group's keys (its own keys are that
key): the duplicate tracker, which holds those keys anyway, answers `plain_holder`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

from scimguard import text
from scimguard.profile.catalogue import W
from scimguard.profile.findings import Finding
from scimguard.profile.record_refs import RecordRef

Field = Literal["userName", "email", "group"]
# Where (a packed record or a group index) and value of another record, and how they match.
Others = dict[int, tuple[str, str]]


def look_alike(value: str) -> bool:
    """Non-ASCII, or ASCII that the skeleton changes (`"`, `` ` ``, `|`): a value that may look
    like another. Plain `in` tests and isascii, each a C scan: faster than one regex."""
    return not value.isascii() or '"' in value or "`" in value or "|" in value


_TEXT: dict[str, tuple[str, str]] = {
    "userName": ("userName", "The username"),
    "email": ("emails[0].value", "The primary email"),
    "group": ("displayName", "The group name"),
}


def is_plain_key(key: str) -> bool:
    """A lowered value that is its own NFKC fold and its own skeleton."""
    return not look_alike(key)


class LookAlikes:
    """The look-alike values of one run, by field, with their two keys."""

    def __init__(self) -> None:
        # field -> (where, AWS key, value as given, NFKC fold, skeleton)
        self.entries: dict[str, list[tuple[int, str, str, str, str]]] = {
            "userName": [],
            "email": [],
            "group": [],
        }

    def remember(self, field: Field, where: int, value: str, aws_key: str) -> None:
        if look_alike(value):
            folded, skeleton = text.confusable_keys(value)
            self.entries[field].append((where, aws_key, value, folded, skeleton))

    def related(
        self, plain_holder: Callable[[str, str], tuple[int, str] | None]
    ) -> Iterator[tuple[str, int, str, Others]]:
        """(field, where, value, the others it looks like) for every record involved."""
        for field, entries in self.entries.items():
            if not entries:
                continue
            # (how, key) -> AWS key -> where -> value
            shared: dict[tuple[str, str], dict[str, dict[int, str]]] = {}
            for where, aws_key, value, folded, skeleton in entries:
                for how, key in (("fold", folded), ("skeleton", skeleton)):
                    shared.setdefault((how, key), {}).setdefault(aws_key, {})[where] = value
            related: dict[int, Others] = {}
            values: dict[int, str] = {}
            for (how, key), by_aws in shared.items():
                plain = plain_holder(field, key) if is_plain_key(key) else None
                if plain is not None and key not in by_aws:
                    by_aws[key] = {plain[0]: plain[1]}
                if len(by_aws) < 2:
                    continue
                for aws_key, holders in by_aws.items():
                    for where, value in holders.items():
                        values[where] = value
                        mine = related.setdefault(where, {})
                        for other_key, others in by_aws.items():
                            if other_key == aws_key:
                                continue
                            for other, other_value in others.items():
                                if how == "fold" or other not in mine:  # fold says more
                                    mine[other] = (other_value, how)
            for where, looks_like in related.items():
                yield field, where, values[where], looks_like


def confusable_finding(field: str, value: str, others: list[tuple[RecordRef, str, str]]) -> Finding:
    """The finding of one record, naming the others (sorted by record) and how they match."""
    attribute, what = _TEXT[field]
    names = "; ".join(
        f"{text.visible(v)!r} in {r.describe()} ("
        + ("equal after NFKC case folding" if how == "fold" else "same confusable skeleton")
        + ")"
        for r, v, how in others
    )
    return Finding(
        "confusable-duplicate",
        W,
        attribute,
        value,
        f"{what} {text.visible(value)!r} looks the same as {names}, but AWS compares code "
        "point by code point and keeps them apart: two accounts for one person, or one that "
        "passes for another.",
        "Keep one of the records; retype the other value in the usual form.",
        related=tuple(r.record for r, _v, _h in others),
    )
