"""Which parts of a suggested string may be applied: never more than the findings ask for.

The profile's suggestion for a string is the whole value cleaned (hidden characters out,
spaces made plain, NFC, trimmed...). Applied as it is, it would also change what no selected
finding asks to change: a joiner the profile accepts in a Persian name, U+3000 in a Japanese
name when only errors are fixed, a double space. So fix cuts the suggestion into its
smallest edits and keeps an edit only if it is justified by the profile itself:

- undo that edit alone (keep everything else of the suggestion) and check the value again:
  the edit is justified when a selected finding comes back (an error, or a warning with
  `--warnings`, of a rule `--rule` selects). A code point is thus removed only where the
  profile flags it *in that value, at that place* (ZWJ after a virama stays, a stray one
  goes), whatever the profile's rules are; fix knows none of them;
- an edit that changes a character NFC replaces by another (a composition exclusion such as
  U+0959, a CJK compatibility ideograph such as U+FA19) is never made: to Unicode the text is
  the same, to a person it is another glyph. Composing a decomposed accent (`e` + U+0301 to
  `é`) changes no glyph and is made when `not-normalized` is selected.

Edits are made on clusters (a character with the combining marks and composing characters
that follow it), so NFC's compositions are single edits, and found by a shortest edit script
(Levenshtein). Hand-written because the question ("which edits does the profile ask for?")
is ours; for the alignment, difflib's is not a shortest one, and a compiled library
(rapidfuzz's editops) is not worth a new dependency for values of at most 1024 characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scimguard import text
from scimguard.profile import Finding

MAX_EDITS = 256  # edits reviewed one by one in a value; more is refused, not guessed


@dataclass(slots=True)
class Review:
    """What may be applied of a suggestion (`value`), and why the rest was left out."""

    value: Any
    changed: bool
    dropped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int  # old clusters [start, end) become `new`
    end: int
    new: tuple[str, ...]


def clusters(value: str) -> list[str]:
    """The value cut where NFC cannot join two pieces: a character with the combining marks
    that follow it, and with any starter NFC composes with it (Hangul jamo, U+0DCF...)."""
    if value.isascii():
        return list(value)
    nfc = unicodedata.normalize
    out: list[str] = []
    for ch in value:
        if out and (
            unicodedata.combining(ch)
            or (ch >= "\u0300" and nfc("NFC", out[-1] + ch) != nfc("NFC", out[-1]) + ch)
        ):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _stable(cluster: str) -> bool:
    """No character of the cluster is one NFC replaces (singletons, exclusions)."""
    return all(unicodedata.is_normalized("NFC", ch) for ch in cluster)


def _key(cluster: str) -> str:
    return unicodedata.normalize("NFC", cluster) if _stable(cluster) else cluster


def _edits(old: list[str], new: list[str]) -> list[_Edit]:
    """The fewest edits from `old` to `new` clusters (a composition is one edit)."""
    a, b = [_key(c) for c in old], [_key(c) for c in new]
    edits: list[_Edit] = []
    for tag, i, j in _alignment(a, b):
        if tag == "match":
            if old[i] != new[j]:
                edits.append(_Edit(i, i + 1, (new[j],)))  # a composition
        elif tag == "change":
            edits.append(_Edit(i, i + 1, (new[j],)))
        elif tag == "delete":
            edits.append(_Edit(i, i + 1, ()))
        elif edits and edits[-1].start == edits[-1].end == i:  # inserts at one place: one edit
            edits[-1] = _Edit(i, i, (*edits[-1].new, new[j]))
        else:
            edits.append(_Edit(i, i, (new[j],)))
    return edits


def _alignment(a: list[str], b: list[str]) -> list[tuple[str, int, int]]:
    """A shortest edit script from `a` to `b` (Levenshtein, on clusters): (tag, i, j) steps in
    order. difflib finds long common blocks, not the fewest edits: around a folded double space
    it may delete a letter and insert it again, and each edit is judged on its own here."""
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    x, y = a[prefix : len(a) - suffix], b[prefix : len(b) - suffix]
    n, m = len(x), len(y)
    steps = [("match", k, k) for k in range(prefix)]
    if n * m > 1 << 20:  # too big to align cell by cell: replace the middle as a whole
        middle = [("delete", prefix + i, prefix) for i in range(n)]
        middle += [("insert", prefix + n, prefix + j) for j in range(m)]
    else:
        cost = [[i + j if not i or not j else 0 for j in range(m + 1)] for i in range(n + 1)]
        for i in range(1, n + 1):
            row, above = cost[i], cost[i - 1]
            for j in range(1, m + 1):
                row[j] = min(above[j - 1] + (x[i - 1] != y[j - 1]), above[j] + 1, row[j - 1] + 1)
        middle = []
        i, j = n, m
        while i or j:
            if i and j and cost[i][j] == cost[i - 1][j - 1] + (x[i - 1] != y[j - 1]):
                i, j = i - 1, j - 1
                tag = "match" if x[i] == y[j] else "change"
                middle.append((tag, prefix + i, prefix + j))
            elif i and cost[i][j] == cost[i - 1][j] + 1:
                i -= 1
                middle.append(("delete", prefix + i, prefix + j))
            else:
                j -= 1
                middle.append(("insert", prefix + i, prefix + j))
        middle.reverse()
    steps += middle
    steps += [("match", len(a) - suffix + k, len(b) - suffix + k) for k in range(suffix)]
    return steps


def _apply(old: list[str], edits: list[_Edit]) -> str:
    out: list[str] = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.extend(old[position : edit.start])
        out.extend(edit.new)
        position = max(position, edit.end)
    out.extend(old[position:])
    return "".join(out)


def _named(chars: str) -> str:
    shown = [f"U+{ord(ch):04X} {text.char_name(ch)}" for ch in dict.fromkeys(chars)]
    return ", ".join(shown[:3]) + (" ..." if len(shown) > 3 else "")


def review(
    old: str,
    suggestion: str | None,
    findings_at: Callable[[str | None], list[Finding]],
    selected: Callable[[Finding], bool],
) -> Review:
    """What of `suggestion` (for the string `old`; None: leave it out) may be applied.

    `findings_at(value)` is the profile's findings on this attribute with that value;
    `selected(finding)` says whether fix acts on that finding in this run.
    """
    before, after = clusters(old), clusters(suggestion or "")
    edits = _edits(before, after)
    if len(edits) > MAX_EDITS:
        return Review(old, False, [f"the suggestion makes {len(edits)} edits; fix it by hand"])
    base = {f.rule for f in findings_at(suggestion)}
    kept: list[_Edit] = []
    dropped: list[str] = []
    for edit in edits:
        was = "".join(before[edit.start : edit.end])
        now = "".join(edit.new)
        if was and now and not _stable(was):
            dropped.append(
                f"{_named(was)} would become {_named(now)}: the same text to Unicode, another "
                "glyph to a person; fix never makes that change"
            )
            continue
        back = [f for f in findings_at(_apply(before, [e for e in edits if e is not edit])) if (
            f.rule not in base
        )]  # fmt: skip
        if any(selected(f) for f in back):
            kept.append(edit)
            continue
        what = f"removing {_named(was)}" if was and not now else (
            f"changing {_named(was)}" if was else f"adding {_named(now)}"
        )  # fmt: skip
        if back:
            rules = ", ".join(sorted({f"{f.rule} ({f.severity.value})" for f in back}))
            dropped.append(f"{what} is asked only by {rules}, which this run does not fix")
        else:
            dropped.append(f"{what} is not needed: the profile accepts it there")
    if len(kept) == len(edits):
        return Review(suggestion, suggestion != old, dropped)
    value = _apply(before, kept)
    return Review(value, value != old, dropped)
