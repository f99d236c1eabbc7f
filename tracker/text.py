"""Text as it may be stored: what a person can see and a terminal or spreadsheet shows as typed.

Every value written to the database (entries, contact points, economy names; from the command
line or from a workbook) passes through ``normalise``: anything a reader could not see or that
would change how the text around it looks is refused, naming the character and where it is:
control characters (C0 other than tab and line breaks, C1), bidirectional embeddings, overrides
and isolates, zero-width characters and byte-order marks, line and paragraph separators,
private-use characters, and the stand-ins Python uses for bytes that are not UTF-8.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.errors import Refused

_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_INVISIBLE = frozenset(
    "\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
#: Every character ``_problem`` refuses, as one character class, so that a text is checked at the
#: regular-expression engine's speed (an import checks a million cells): controls (Cc) but tab and
#: line breaks, the invisible ones, surrogates (Cs, which hold the stand-ins for bytes that are
#: not UTF-8) and the private-use planes (Co). ``tests/test_text.py`` compares it with
#: ``_problem`` over every code point.
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(_INVISIBLE))
    + "\ud800-\udfff\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)


def decode_excel_escapes(text: str) -> str:
    """``_x0001_`` as the character it stands for (``_x005F_`` is the underscore itself), in one
    pass, so ``_x005F_x0041_`` is the literal ``_x0041_`` a person typed. Only text read from a
    workbook is written this way: the reader decodes it, once; text typed anywhere else is never
    decoded."""
    if "_x" not in text:
        return text
    return _EXCEL_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _problem(char: str) -> str | None:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return "a byte that is not valid UTF-8 text"
    category = unicodedata.category(char)
    if category == "Cc" and char not in _ALLOWED_CONTROLS:
        return "a control character"
    if char in _INVISIBLE:
        return "an invisible formatting character"
    if category == "Co":
        return "a private-use character (it shows differently, or not at all, on other computers)"
    if category == "Cs":
        return "half of a character (a lone surrogate)"
    return None


def describe(char: str) -> str:
    """A character as U+XXXX with its Unicode name, safe to print anywhere."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def check_text(text: str, what: str) -> None:
    """Refuse text holding a character a reader could not see; ``what`` names the cell or option."""
    found = _REFUSED.search(text)
    if found is not None:
        char = found.group()
        raise Refused(
            f"{what} contains {_problem(char)}, {describe(char)}, at character {found.start() + 1}; "
            "remove it (retype the text, or paste it as plain text) and try again."
        )


def normalise(value, what: str) -> str:
    """``value`` as text that may be stored, exactly as given (``check_text``)."""
    text = str(value)
    check_text(text, what)
    return text

