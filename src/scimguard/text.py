"""Code-point classification: the one place that decides what a character is.

The AWS endpoint validates strings against Java regexes built from Unicode general categories
(see docs/aws-deviations.md and rules.md). Python's `unicodedata` gives the same categories, so
we classify with it directly; no third-party library adds anything here. The hot path (plain
ASCII) never reaches `unicodedata`: a compiled regex says "nothing to look at" first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Categories that are never accepted, wherever the string is used.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"})
# Control characters that free-text attributes may hold (the AWS regex allows \t \n \r).
FREE_TEXT_CONTROLS = frozenset({"\t", "\n", "\r"})
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


def is_hidden(ch: str, *, free_text: bool = True) -> bool:
    """A code point the AWS regex refuses that a person cannot see.

    TAB, LF and CR are allowed in free-text attributes (names, titles) but not in
    identifiers (`userName`, `externalId`), whose regex has no whitespace at all.
    """
    if " " <= ch <= "~":
        return False  # printable ASCII: the common case, without a Unicode lookup
    category = unicodedata.category(ch)
    if category in HIDDEN_CATEGORIES:
        return not (free_text and ch in FREE_TEXT_CONTROLS)
    return category == "Zs" and ch not in ALLOWED_SPACES


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


def hidden_chars(value: str, *, free_text: bool = True) -> list[HiddenChar]:
    """Every hidden code point in `value`, in order."""
    if not needs_look(value):
        return []
    return [HiddenChar(i, ch) for i, ch in enumerate(value) if is_hidden(ch, free_text=free_text)]


def strip_hidden(value: str, *, free_text: bool = True) -> str:
    """The value without its hidden code points (spaces of odd widths become a plain space)."""
    out = []
    for ch in value:
        if is_hidden(ch, free_text=free_text):
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
    out = []
    for ch in value:
        if is_hidden(ch, free_text=False) or ch in UNUSUAL_SPACES:
            label = f"U+{ord(ch):04X}"
            out.append(f"<{label} {char_name(ch)}>" if with_names else f"<{label}>")
        else:
            out.append(ch)
    return "".join(out)


def stand_in(ch: str) -> str:
    """A printable stand-in for one code point (for tables of code points)."""
    cp = ord(ch)
    if cp < 0x20:
        return chr(0x2400 + cp)  # the Control Pictures block: ␀ ␉ ␊ ...
    if cp == 0x7F:
        return "\u2421"
    if ch == " ":
        return "\u2423"  # ␣
    if is_hidden(ch, free_text=False) or ch in UNUSUAL_SPACES:
        return "\ufffd"
    return ch


def has_forbidden(value: str) -> list[str]:
    """The characters of `<>;:%` present in the value, in order of first appearance."""
    seen: list[str] = []
    for ch in value:
        if ch in FORBIDDEN_CHARACTERS and ch not in seen:
            seen.append(ch)
    return seen


# --- scripts (for the mixed-script homoglyph warning) ---------------------------------------

_WORD = re.compile(r"\w+")


def script_of(ch: str) -> str | None:
    """Latin, Cyrillic or Greek for a letter of those scripts, else None.

    `unicodedata` has no Script property; the first word of the character name is the script
    for these three alphabets ("LATIN SMALL LETTER A", "CYRILLIC SMALL LETTER O").
    """
    if not ch.isalpha():
        return None
    if ch.isascii():
        return "Latin"
    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script.capitalize()
    return None


def mixed_script_words(value: str) -> list[tuple[str, set[str]]]:
    """Words mixing Latin letters with Cyrillic or Greek ones: `Jоhn` with a Cyrillic `о`."""
    if value.isascii():
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
