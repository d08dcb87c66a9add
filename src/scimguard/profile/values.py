"""Rules on one string value: empty, characters, whitespace, length, normalisation, scripts.

`check_string` is on the hot path of `check` (millions of values): plain ASCII values leave
after one compiled-regex search; everything else gets the full treatment.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from scimguard import text
from scimguard.profile.catalogue import E, W
from scimguard.profile.fast import plain
from scimguard.profile.findings import NO_SUGGESTION, Finding
from scimguard.profile.schema import DEFAULT_MAX_LENGTH, MAX_LENGTH
from scimguard.profile.screen import make_value_judge
from scimguard.profile.switches import Switches

_QUOTE = "\u201c{}\u201d"
_RUNS_OF_SPACES = re.compile(" {2,}")


def _quoted(value: str) -> str:
    return _QUOTE.format(text.visible(value))


def describe_position(value: str, position: int) -> str:
    """Where a character sits, in words: 'at position 5, after “Jane”'."""
    before = value[:position]
    if not before:
        return "at the very start"
    if position == len(value) - 1:
        return f"at the end, after {_quoted(before)}"
    return f"at position {position + 1}, after {_quoted(before[-20:])}"


def clean(
    value: str,
    *,
    identifier: bool,
    switches: Switches,
    multiline: bool = False,
    uri: bool = False,
) -> str:
    """The value with every character-level problem repaired (the basis of suggestions)."""
    out = text.strip_hidden(value, multiline=multiline)
    for space in text.UNUSUAL_SPACES:
        out = out.replace(space, " ")
    if not switches.allow_legacy_characters and not uri:
        for ch in text.FORBIDDEN_CHARACTERS:
            out = out.replace(ch, "")
    out = text.nfc_keeping(out)  # NFC, except where it would change a glyph
    if identifier:
        out = "".join(ch for ch in out if not text.is_whitespace(ch))
    return _RUNS_OF_SPACES.sub(" ", out).strip()


# A plain value this short passes `check_string` whatever its attribute's maximum.
SHORTEST_MAX = min(DEFAULT_MAX_LENGTH, *MAX_LENGTH.values())


def plainly_valid_string(value: str, *, identifier: bool) -> bool:
    """True only if `check_string` would find nothing in `value` (False: "look closer").

    The fast path's judgement of one value (`fast.plain`), for the full walk of a record that
    did not pass as a whole: most of its values are still plain.
    """
    return (
        0 < len(value) <= SHORTEST_MAX
        and not (identifier and " " in value)
        and (not text.needs_look(value) or ("\n" not in value and plain(value)))
    )


def check_string(
    path: str,
    value: str,
    out: list[Finding],
    *,
    identifier: bool,
    maxlen: int,
    required: bool,
    switches: Switches,
    multiline: bool = False,
    uri: bool = False,
) -> None:
    """Append the findings for one string value to `out`.

    `multiline`: TAB, LF and CR are allowed (addresses[].streetAddress, any `formatted`).
    `uri`: `profileUrl` and `$ref`, which get every rule but forbidden-character.
    """
    if len(value) <= maxlen and not text.needs_look(value) and not (identifier and " " in value):
        return
    key = (path, value, identifier, maxlen, required, switches, multiline, uri)
    found = _ANSWERS.get(key)
    if found is None:
        found = _answer(path, value, _Kinds(identifier, multiline, uri), maxlen, required, switches)
        if len(_ANSWERS) >= _MAX_ANSWERS:
            _ANSWERS.clear()
        _ANSWERS[key] = found
    out.extend(found)


# Unicode questions are answered once per distinct value: an export repeats names, titles and
# departments (and their warnings) thousands of times, and findings are immutable.
_ANSWERS: dict[tuple[Any, ...], tuple[Finding, ...]] = {}
_MAX_ANSWERS = 1 << 16


def _answer(
    path: str, value: str, kinds: _Kinds, maxlen: int, required: bool, switches: Switches
) -> tuple[Finding, ...]:
    out: list[Finding] = []
    _full_check(path, value, out, kinds=kinds, maxlen=maxlen, switches=switches)
    if not out:
        return ()
    suggestion = _suggest(
        path, value, kinds=kinds, maxlen=maxlen, required=required, switches=switches
    )
    for i, finding in enumerate(out):
        if finding.rule in ("too-long", "mixed-script", "stray-mark"):
            continue  # no safe automatic repair
        if finding.suggested_value is NO_SUGGESTION and suggestion is not NO_SUGGESTION:
            out[i] = _with_suggestion(finding, suggestion)
    return tuple(out)


def _with_suggestion(finding: Finding, suggestion: Any) -> Finding:
    return Finding(
        finding.rule,
        finding.severity,
        finding.attribute,
        finding.value,
        finding.message,
        finding.fix,
        suggestion,
        finding.related,
    )


# plainly_valid_string, compiled (profile/_screen.c; None when not built): the first judging
# of each distinct value of an international export asks it of every suggestion.
_judge = make_value_judge()


class _Kinds(NamedTuple):
    """What kind of attribute a value is in: the rules that apply differ."""

    identifier: bool
    multiline: bool
    uri: bool


def _suggest(
    path: str, value: str, *, kinds: _Kinds, maxlen: int, required: bool, switches: Switches
) -> Any:
    cleaned = clean(
        value,
        identifier=kinds.identifier,
        switches=switches,
        multiline=kinds.multiline,
        uri=kinds.uri,
    )
    if not cleaned:
        return NO_SUGGESTION if required else None
    if cleaned == value:
        return NO_SUGGESTION
    if (
        _judge(cleaned, kinds.identifier)
        if _judge is not None
        else plainly_valid_string(cleaned, identifier=kinds.identifier)
    ):
        return cleaned  # the common repair (a trimmed or respaced name): no second full check
    probe: list[Finding] = []
    _full_check(path, cleaned, probe, kinds=kinds, maxlen=maxlen, switches=switches)
    # A value NFC would change a glyph of keeps that glyph (clean), so it fails not-normalized
    # and gets no suggestion: a person decides.
    return NO_SUGGESTION if probe else cleaned


def _full_check(
    path: str,
    value: str,
    out: list[Finding],
    *,
    kinds: _Kinds,
    maxlen: int,
    switches: Switches,
) -> None:
    identifier = kinds.identifier
    if value == "":
        out.append(
            Finding(
                "empty-string",
                E,
                path,
                value,
                f"{path} is an empty string. AWS refuses empty strings: a field must be left "
                "out (null) or hold a real value.",
                f"Leave {path} empty (null) instead of sending an empty string, or fill it in.",
            )
        )
        return

    if len(value) > maxlen:
        out.append(
            Finding(
                "too-long",
                E,
                path,
                value,
                f"{path} is {len(value)} characters long; AWS stores at most {maxlen}.",
                f"Shorten {path} to {maxlen} characters or fewer.",
            )
        )

    if not switches.allow_legacy_characters and not kinds.uri:
        forbidden = text.has_forbidden(value)
        if forbidden:
            chars = " ".join(forbidden)
            out.append(
                Finding(
                    "forbidden-character",
                    E,
                    path,
                    value,
                    f"{path} contains {chars}. AWS refuses the characters < > ; : % in "
                    "provisioned attributes.",
                    f"Remove {chars} from {path} (or replace it, e.g. a colon with a dash).",
                )
            )

    hidden = text.hidden_chars(value, multiline=kinds.multiline)
    if hidden:
        parts = [
            f"{h.codepoint} {h.name} {describe_position(value, h.position)}" for h in hidden[:5]
        ]
        more = f" and {len(hidden) - 5} more" if len(hidden) > 5 else ""
        noun = (
            "an invisible character" if len(hidden) == 1 else f"{len(hidden)} invisible characters"
        )
        out.append(
            Finding(
                "hidden-character",
                E,
                path,
                value,
                f"{path} contains {noun} that AWS refuses: {'; '.join(parts)}{more}. It looks like "
                f"{_quoted(value)} but is not.",
                f"Retype {path} in the identity provider, or delete the character shown.",
            )
        )

    if identifier:
        spaces = [ch for ch in value if text.is_whitespace(ch)]
        if spaces:
            names = ", ".join(sorted({f"U+{ord(c):04X} {text.char_name(c)}" for c in spaces}))
            out.append(
                Finding(
                    "whitespace-in-identifier",
                    E,
                    path,
                    value,
                    f"{path} contains whitespace ({names}); AWS identifiers may not contain any.",
                    f"Remove the whitespace from {path}.",
                )
            )

    stripped = value.strip()
    if not stripped:
        out.append(
            Finding(
                "blank-value",
                W,
                path,
                value,
                f"{path} holds only whitespace. AWS accepts it, but it looks empty to people.",
                f"Give {path} a real value, or leave it out.",
            )
        )
    elif stripped != value:
        out.append(
            Finding(
                "blank-value",
                W,
                path,
                value,
                f"{path} has whitespace at its start or end: {_quoted(value)}.",
                f"Trim {path}.",
            )
        )

    unusual = sorted({ch for ch in value if ch in text.UNUSUAL_SPACES})
    if unusual:
        names = ", ".join(f"U+{ord(c):04X} {text.char_name(c)}" for c in unusual)
        out.append(
            Finding(
                "unusual-space",
                W,
                path,
                value,
                f"{path} contains {names}. AWS accepts it, but it breaks matching and sign-in.",
                f"Replace it with a plain space in {path}.",
            )
        )

    if not text.is_nfc(value):
        out.append(_not_normalized(path, value))

    for position, ch, why in text.stray_marks(value)[:1]:
        other_marks = len(text.stray_marks(value)) - 1
        out.append(
            Finding(
                "stray-mark",
                W,
                path,
                value,
                f"{path} has U+{ord(ch):04X} {text.char_name(ch)} "
                f"{describe_position(value, position)}: {why}"
                + (f" (and {other_marks} more)" if other_marks else "")
                + ". AWS accepts it, but it shows as a dotted circle or nothing at all.",
                f"Retype {path}; the mark was probably pasted by accident.",
            )
        )

    for word, _scripts in text.mixed_script_words(value):
        letters = ", ".join(
            f"{ch!r} ({text.char_name(ch)}) at position {i + 1}"
            for i, ch in text.foreign_letters(word)
        )
        out.append(
            Finding(
                "mixed-script",
                W,
                path,
                value,
                f"In {path}, the word {_quoted(word)} mixes Latin letters with look-alike letters "
                f"of another alphabet: {letters}.",
                f"Retype {_quoted(word)} in one alphabet.",
            )
        )


def _not_normalized(path: str, value: str) -> Finding:
    """not-normalized, saying what differs: a fix of decomposed accents changes no glyph, a
    fix of a character NFC replaces does (the person chose that glyph)."""
    replaced = text.nfc_replaced(value)
    parts = []
    if replaced:
        names = ", ".join(f"U+{ord(c):04X} {text.char_name(c)}" for c in replaced[:3])
        kind = (
            "a CJK compatibility ideograph"
            if any(text.char_name(c).startswith("CJK COMPATIBILITY") for c in replaced)
            else "a composition exclusion"
        )
        parts.append(
            f"holds {names} ({kind}), which NFC replaces by another character: normalising "
            "it changes a glyph that was chosen"
        )
    if text.nfc_keeping(value) != value:
        parts.append(
            "uses decomposed characters (a letter followed by a combining mark, or Hangul jamo)"
        )
    said = "; it also ".join(parts) if parts else "is not in NFC"
    fix = (
        f"Store {path} in its composed (NFC) form."
        if not replaced
        else f"Leave {path} as it is unless the person asks; compare it in NFC."
    )
    return Finding(
        "not-normalized",
        W,
        path,
        value,
        f"{path} {said}; it looks the same as its NFC form but compares unequal.",
        fix,
    )
