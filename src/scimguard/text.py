"""Code-point classification: the one place that decides what a character is.

The AWS endpoint validates strings against Java regexes built from Unicode general categories
(see docs/aws-deviations.md and rules.md). Python's `unicodedata` gives the categories; the
properties it lacks come from maintained packages, never from tables copied here: joining types
and the CONTEXTJ rule of RFC 5892 from `idna`, emoji and script properties from `regex`
(docs/check.md, "Unicode data"). The hot path (plain ASCII) never reaches any of them, and
they are imported when first asked (a joiner or a variation selector to judge): importing them
costs more at every start of `check` than most exports ever use them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# Categories that are never accepted, wherever the string is used.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})
# Control characters that multi-line attributes may hold (the AWS regex allows \t \n \r);
# in every other attribute they are hidden characters (rules.md, second edition).
MULTILINE_CONTROLS = frozenset({"\t", "\n", "\r"})
ZWNJ, ZWJ = "\u200c", "\u200d"
JOINERS = frozenset({ZWNJ, ZWJ})
# Space separators that AWS accepts; every other Zs is hidden.
ALLOWED_SPACES = frozenset({" ", "\u00a0", "\u3000"})
UNUSUAL_SPACES = frozenset({"\u00a0", "\u3000"})
FORBIDDEN_CHARACTERS = frozenset("<>;:%")

# A string matching none of this is plain printable ASCII without `<>;:%`, without leading or
# trailing blanks and not empty: nothing any rule could say about its characters.
# (A multi-branch regex costs microseconds a call here; `bytes.translate` a fraction of that.)
PLAIN_ASCII = bytes(b for b in range(0x20, 0x7F) if b not in b"<>;:%")

# Stand-ins for characters that cannot be shown as themselves.
_ASCII_CONTROL_NAMES = {
    0x00: "NULL",
    0x07: "BELL",
    0x08: "BACKSPACE",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x1B: "ESCAPE",
    0x7F: "DELETE",
}


def needs_look(value: str) -> bool:
    """True unless the value is plain, trimmed, non-empty printable ASCII without `<>;:%`."""
    if not value or value[0] == " " or value[-1] == " " or not value.isascii():
        return True
    return bool(value.encode().translate(None, PLAIN_ASCII))


def char_name(ch: str) -> str:
    """The Unicode name of a code point, with names for controls and unassigned points."""
    name = unicodedata.name(ch, "")
    if name:
        return name
    cp = ord(ch)
    if cp in _ASCII_CONTROL_NAMES:
        return _ASCII_CONTROL_NAMES[cp]
    category = unicodedata.category(ch)
    if category == "Cc":
        return f"CONTROL CHARACTER {cp:04X}"
    if category == "Cs":
        return "SURROGATE"
    if category == "Co":
        return "PRIVATE USE CHARACTER"
    return "UNASSIGNED CODE POINT"


def is_hidden(ch: str, *, multiline: bool = False) -> bool:
    """A code point that is hidden wherever it stands (ZWNJ/ZWJ included: `hidden_chars`
    exempts them where a script needs them).

    TAB, LF and CR are allowed in multi-line attributes (`addresses[].streetAddress`, any
    `formatted`) and nowhere else.
    """
    if " " <= ch <= "~":
        return False  # printable ASCII: the common case, without a Unicode lookup
    if multiline and ch in MULTILINE_CONTROLS:
        return False
    hidden = _HIDDEN.get(ch)
    if hidden is None:
        category = unicodedata.category(ch)
        hidden = category in HIDDEN_CATEGORIES or (category == "Zs" and ch not in ALLOWED_SPACES)
        _remember(_HIDDEN, ch, hidden)
    return hidden


# Answers per code point, asked once (bounded: a hostile input cannot grow them forever).
_HIDDEN: dict[str, bool] = {}
_SCRIPT: dict[str, str | None] = {}
_MARK: dict[str, bool] = {}


def _remember(cache: dict, ch: str, answer: object) -> None:
    if len(cache) < 1 << 16:
        cache[ch] = answer


# --- joiners: RFC 5892 CONTEXTJ and emoji ZWJ sequences ------------------------------------

# Properties from `regex` (name -> pattern, whether it needs regex.V1 for its set operation),
# compiled by `_property` when first used.
_PROPERTIES = {
    "pictographic": (r"\p{Extended_Pictographic}", False),
    # What may stand between a pictograph and its ZWJ: presentation selector, skin tone, tags.
    "emoji_trailer": (r"[\uFE0F\p{Emoji_Modifier}\U000E0020-\U000E007F]", False),
    "emoji": (r"\p{Emoji}", False),
    "ideograph": (r"\p{Ideographic}", False),
    "mongolian_letter": (r"[\p{Script=Mongolian}&&\p{L}]", True),
}
_COMPILED: dict[str, Any] = {}


def _property(name: str) -> Any:
    """The compiled `regex` pattern of one of `_PROPERTIES`."""
    pattern = _COMPILED.get(name)
    if pattern is None:
        # why: regex (10 ms to import) only for a joiner or a variation selector
        import regex

        source, version1 = _PROPERTIES[name]
        pattern = _COMPILED[name] = regex.compile(source, regex.V1 if version1 else 0)
    return pattern


_CONTEXT = 64  # code points on each side given to idna (it refuses labels past 1024)
_JOINING = ("L", "D", "R")


def joining_type(ch: str) -> str | None:
    """The Unicode Joining_Type of a code point (U, C, D, L, R, T), None when not joining."""
    # why: idna (Unicode's joining types) only for a joiner, not at every start
    import idna.idnadata
    import idna.intranges

    cp = ord(ch)
    for kind, ranges in idna.idnadata.joining_types.items():
        if idna.intranges.intranges_contain(cp, ranges):
            return kind
    return None


def _next_joining(value: str, position: int, step: int) -> str | None:
    """The joining type of the nearest non-transparent code point from `position` on."""
    i = position + step
    while 0 <= i < len(value):
        kind = joining_type(value[i])
        if kind != "T":
            return kind
        i += step
    return None


def joiner_allowed(value: str, position: int) -> bool:
    """True where the ZWNJ or ZWJ at `position` is part of how the text is spelled.

    RFC 5892 Appendix A (idna.core.valid_contextj): after a virama (Hindi, Sinhala, Bengali
    conjuncts), and ZWNJ between joining letters. The RFC wants a left- or dual-joining letter
    before a ZWNJ; Persian writers also type it after a right-joining one (`محمد‌رضا`), where
    it changes no glyph and hides nothing, so any joining letter on both sides is accepted
    (docs/check.md). A ZWJ between two pictographs is an emoji ZWJ sequence (`👩‍💻`).
    """
    # why: idna (RFC 5892's CONTEXTJ) only for a joiner, not at every start of `check`
    import idna.core

    start = max(0, position - _CONTEXT)
    window = value[start : position + _CONTEXT + 1]
    try:
        if idna.core.valid_contextj(window, position - start):
            return True
    except (ValueError, idna.IDNAError):
        pass  # an unnamed neighbour (unassigned in this Python's Unicode): not allowed here
    ch = value[position]
    if ch == ZWNJ:
        return (
            _next_joining(value, position, -1) in _JOINING
            and _next_joining(value, position, 1) in _JOINING
        )
    before = position - 1
    trailer, pictographic = _property("emoji_trailer"), _property("pictographic")
    while before >= 0 and trailer.match(value[before]):
        before -= 1
    return (
        before >= 0
        and position + 1 < len(value)
        and pictographic.match(value[before]) is not None
        and pictographic.match(value[position + 1]) is not None
    )


def is_whitespace(ch: str) -> bool:
    """Whitespace for identifier purposes: any space separator, TAB, LF, CR and friends."""
    return ch.isspace() or unicodedata.category(ch) == "Zs"


@dataclass(frozen=True, slots=True)
class HiddenChar:
    """One hidden code point found in a value, with its 0-based position."""

    position: int
    char: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    @property
    def name(self) -> str:
        return char_name(self.char)


def hidden_positions(value: str, *, multiline: bool = False) -> list[int]:
    """Positions of the hidden code points of `value` (joiners where a script needs them
    are not hidden)."""
    if not needs_look(value):
        return []
    return [
        match.start()
        for match in _MAYBE_HIDDEN.finditer(value)
        if is_hidden(match.group(), multiline=multiline)
        and not (match.group() in JOINERS and joiner_allowed(value, match.start()))
    ]


# A superset of the hidden code points, found by one regex: a letter or digit (`\w`), printable
# ASCII and the two accepted non-ASCII spaces are never hidden.
_MAYBE_HIDDEN = re.compile(r"[^\w -~\u00a0\u3000]")


def hidden_chars(value: str, *, multiline: bool = False) -> list[HiddenChar]:
    """Every hidden code point in `value`, in order."""
    return [HiddenChar(i, value[i]) for i in hidden_positions(value, multiline=multiline)]


def strip_hidden(value: str, *, multiline: bool = False) -> str:
    """The value without its hidden code points (spaces of odd widths become a plain space)."""
    positions = hidden_positions(value, multiline=multiline)
    if not positions:  # most values: no character loop
        return value
    hidden = set(positions)
    out = []
    for i, ch in enumerate(value):
        if i in hidden:
            if unicodedata.category(ch) in ("Zs", "Zl", "Zp"):
                out.append(" ")
            continue
        out.append(ch)
    return "".join(out)


def visible(value: str, *, with_names: bool = True) -> str:
    """The value with every hidden or unusual code point spelled out, e.g. `Jane<U+200B ...>`.

    Used wherever a value is shown to a person: reports, task details, the console.
    """
    if not needs_look(value):
        return value
    positions = hidden_positions(value)
    if not positions:  # only the unusual spaces to spell out: no character loop
        for ch in UNUSUAL_SPACES:
            if ch in value:
                label = f"U+{ord(ch):04X}"
                value = value.replace(
                    ch, f"<{label} {char_name(ch)}>" if with_names else f"<{label}>"
                )
        return value
    hidden = set(positions)
    out = []
    for i, ch in enumerate(value):
        if i in hidden or ch in UNUSUAL_SPACES:
            label = f"U+{ord(ch):04X}"
            out.append(f"<{label} {char_name(ch)}>" if with_names else f"<{label}>")
        else:
            out.append(ch)
    return "".join(out)


def visible_lines(message: str) -> str:
    """A message of several lines for a terminal: each line through `visible`.

    A line break between the lines of a message is layout, not a hidden character: it prints
    as a line break, never as `<U+000A LINE FEED>` (a value keeps `visible` as it is)."""
    return "\n".join(visible(line) for line in message.split("\n"))


def shown_value(value: object) -> str:
    """A finding's value as the console shows it: a string as itself, anything else as JSON,
    every hidden or unusual code point spelled out."""
    return visible(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def stand_in(ch: str) -> str:
    """A printable stand-in for one code point (for tables of code points)."""
    cp = ord(ch)
    if cp < 0x20:
        return chr(0x2400 + cp)  # the Control Pictures block: ␀ ␉ ␊ ...
    if cp == 0x7F:
        return "\u2421"
    if ch == " ":
        return "\u2423"  # ␣
    if is_hidden(ch) or ch in UNUSUAL_SPACES:
        return "\ufffd"
    return ch


def has_forbidden(value: str) -> list[str]:
    """The characters of `<>;:%` present in the value, in order of first appearance."""
    found = [ch for ch in "<>;:%" if ch in value]  # five C scans, not a loop per character
    return sorted(found, key=value.index) if len(found) > 1 else found


# --- scripts (for the mixed-script homoglyph warning) ---------------------------------------

_WORD = re.compile(r"\w+")
# The blocks holding every letter `script_of` calls Cyrillic or Greek (a superset, one regex
# instead of a name per character; tests/profile/test_profile_properties.py checks it).
MAYBE_FOREIGN = re.compile(
    "[\u0370-\u03ff\u0400-\u052f\u1c80-\u1c8f\u1d00-\u1dbf\u1f00-\u1fff\ua640-\ua69f\uab30-\uab6f]"
)


def script_of(ch: str) -> str | None:
    """Latin, Cyrillic or Greek for a letter of those scripts, else None.

    `unicodedata` has no Script property; the first word of the character name is the script
    for these three alphabets ("LATIN SMALL LETTER A", "CYRILLIC SMALL LETTER O").
    """
    if ch.isascii():
        return "Latin" if ch.isalpha() else None
    if ch in _SCRIPT:
        return _SCRIPT[ch]
    found = None
    if ch.isalpha():
        name = unicodedata.name(ch, "")
        for script in ("LATIN", "CYRILLIC", "GREEK"):
            if name.startswith(script):
                found = script.capitalize()
                break
    _remember(_SCRIPT, ch, found)
    return found


def mixed_script_words(value: str) -> list[tuple[str, set[str]]]:
    """Words mixing Latin letters with Cyrillic or Greek ones: `Jоhn` with a Cyrillic `о`."""
    if value.isascii() or not MAYBE_FOREIGN.search(value):
        return []
    found = []
    for match in _WORD.finditer(value):
        scripts = {s for s in map(script_of, match.group()) if s}
        if "Latin" in scripts and len(scripts) > 1:
            found.append((match.group(), scripts))
    return found


def foreign_letters(word: str) -> list[tuple[int, str]]:
    """Non-Latin letters of a mixed word, with their positions (to name them in a message)."""
    return [(i, ch) for i, ch in enumerate(word) if script_of(ch) not in (None, "Latin")]


def is_nfc(value: str) -> bool:
    return value.isascii() or unicodedata.is_normalized("NFC", value)


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def nfc_replaced(value: str) -> list[str]:
    """Characters that NFC replaces by another one even standing alone: composition
    exclusions (U+0959), singletons (U+212B), CJK compatibility ideographs (U+FA19).

    A fix of these changes a glyph a person chose; a fix of decomposed accents does not.
    """
    if is_nfc(value):  # a character NFC replaces is never in NFC itself
        return []
    return sorted({ch for ch in value if ch != unicodedata.normalize("NFC", ch)})


def nfc_keeping(value: str) -> str:
    """NFC, except for the characters `nfc_replaced` names, which stay as they are."""
    if is_nfc(value):
        return value
    replaced = nfc_replaced(value)
    if not replaced:
        return nfc(value)
    pattern = "(" + "|".join(map(re.escape, replaced)) + ")"
    return "".join(part if part in replaced else nfc(part) for part in re.split(pattern, value))


# --- stray marks -----------------------------------------------------------------------------

_MARKS = frozenset({"Mn", "Mc", "Me"})


def variation_selector_kind(ch: str) -> str | None:
    """Which family of variation selectors `ch` is in, or None."""
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F:
        return "standard"
    if 0xE0100 <= cp <= 0xE01EF:
        return "ideographic"
    if 0x180B <= cp <= 0x180D or cp == 0x180F:
        return "mongolian"
    return None


def _can_vary(kind: str, base: str, selector: str) -> bool:
    """Whether `base` is a character a selector of `kind` can vary.

    Ideographic selectors vary CJK ideographs and Mongolian ones Mongolian letters (the
    `regex` package's script and Ideographic properties). U+FE0E/U+FE0F vary emoji
    (emoji-variation-sequences.txt lists only Emoji characters). For U+FE00-FE0D, Unicode's
    StandardizedVariants.txt names letters, digits, symbols and punctuation of many scripts,
    and no maintained package ships that table: any such base is accepted (rules.md).
    """
    if kind == "ideographic":
        return _property("ideograph").match(base) is not None
    if kind == "mongolian":
        return _property("mongolian_letter").match(base) is not None
    if selector in "\ufe0e\ufe0f":
        return _property("emoji").match(base) is not None
    return unicodedata.category(base)[0] in "LNSP"


def _is_mark_or_selector(ch: str) -> bool:
    """A combining mark or a variation selector (they are marks too): what stray_marks looks at."""
    mark = _MARK.get(ch)
    if mark is None:
        mark = unicodedata.category(ch) in _MARKS
        _remember(_MARK, ch, mark)
    return mark


def is_mark(ch: str) -> bool:
    """A combining mark that is not a variation selector (it needs a base before it)."""
    return unicodedata.category(ch) in _MARKS and variation_selector_kind(ch) is None


def stray_marks(value: str) -> list[tuple[int, str, str]]:
    """(position, character, why) of each variation selector with nothing it can vary, and
    each combining mark with no base (at the start of the value or after a space)."""
    # A mark is no letter or digit (`\w`): values without a _MAYBE_HIDDEN candidate have none.
    if (
        value.isascii()
        or not _MAYBE_HIDDEN.search(value)
        or not any(map(_is_mark_or_selector, value))
    ):
        return []
    found = []
    for i, ch in enumerate(value):
        kind = variation_selector_kind(ch)
        before = value[i - 1] if i else ""
        if kind is not None:
            if not before or not _can_vary(kind, before, ch):
                what = f"after {char_name(before)}" if before else "at the very start"
                found.append((i, ch, f"a variation selector {what}, which it cannot vary"))
        elif unicodedata.category(ch) in _MARKS and (not before or before.isspace()):
            where = "at the very start" if not before else "after a space"
            found.append((i, ch, f"a combining mark {where}, with no letter to sit on"))
    return found


# --- confusable keys -------------------------------------------------------------------------

# Lower-case ASCII that the confusable skeleton changes (measured with disarm: `"`, `` ` ``,
# `|`), and the spaces it collapses: any other ASCII value is its own key once lowered.
_SKELETON_ASCII = re.compile(r'["`|]|^ | $|  ')


def confusable_keys(value: str) -> tuple[str, str]:
    """(NFKC case fold, confusable skeleton) of a value: two values that differ as AWS
    compares them but share a key look the same to a person (rules.md, confusable-duplicate).

    The skeleton is disarm's `skeleton_key` (UTS #39 confusables.txt, folded to a fixed point;
    docs/check.md says why disarm and what it leaves out). Pure ASCII is its own key when
    lowered: two ASCII values are never compared by skeleton (`rn` and `m`, `l` and `1` are
    different people's names, not spoofs).
    """
    if value.isascii():
        lowered = value.lower()
        if not _SKELETON_ASCII.search(lowered):
            return lowered, lowered
        return lowered, _skeleton(lowered)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())
    return folded, _skeleton(folded)


def _skeleton(value: str) -> str:
    # why: imported when first needed (45 ms): an export of plain ASCII keys never gets here.
    from disarm import skeleton_key

    return skeleton_key(value)
