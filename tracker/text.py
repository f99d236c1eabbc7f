"""Text as it may be stored: what a person can see and a terminal or spreadsheet shows as typed.

Every value written to the database (entries, contact points, economy names; from the command
line, a browser or a workbook) passes through ``normalise``: a character a reader could not see,
or that would change how the text around it looks, is refused, naming it and where it is. Which
characters those are follows Unicode's own properties: the default-ignorable code points (format
characters such as zero-width spaces, soft hyphens, tag characters, variation selectors, Hangul
fillers), bidirectional formatting, control characters (but tab and line breaks), line and
paragraph separators, interlinear annotations, private-use characters, the blank braille
pattern, and the stand-ins Python uses for bytes that are not UTF-8.

Some of them are part of visible text in their place, and are accepted there: U+200D (ZERO
WIDTH JOINER) between the emoji of one emoji sequence; U+200C and U+200D between the letters of
a script that needs them to join or not (Persian, Arabic, the Indic scripts); a variation
selector after a character it has a variant of (an emoji, a CJK ideograph, a Mongolian letter).

Excel's ``_xHHHH_`` escapes belong to workbooks: ``decode_excel_escapes`` is for the reader alone.
"""

from __future__ import annotations

import re
import unicodedata

from tracker.errors import Refused

_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), as ranges.
_DEFAULT_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff"
)
#: Characters that show nothing, or change how other text shows, beyond the default-ignorable
#: ones: controls (but tab and line breaks), line and paragraph separators, interlinear
#: annotations, Egyptian hieroglyph format controls, the blank braille pattern, surrogates (which
#: hold the stand-ins for bytes that are not UTF-8) and the private-use planes.
_ALSO_REFUSED = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufff9-\ufffb\U00013430-\U0001343f\u2800"
    "\ud800-\udfff\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
#: Every character that may be refused, as one character class, so that a text is checked at
#: the regular-expression engine's speed (an import checks a million cells); those that can be
#: part of visible text are then looked at in their place.
_REFUSED = re.compile(f"[{_DEFAULT_IGNORABLE}{_ALSO_REFUSED}]")
_JOINERS = frozenset("\u200c\u200d")
_EMOJI_VARIATION = frozenset("\ufe0e\ufe0f")
_BIDI_FORMATTING = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Scripts whose letters join, or whose conjuncts form, by U+200C/U+200D (first word of a
#: character's Unicode name).
_JOINING_SCRIPTS = frozenset((
    "ARABIC", "SYRIAC", "NKO", "MONGOLIAN", "MANDAIC", "DEVANAGARI", "BENGALI", "GURMUKHI",
    "GUJARATI", "ORIYA", "TAMIL", "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "MYANMAR", "KHMER",
    "TIBETAN", "LAO", "THAI",
))


def decode_excel_escapes(text: str) -> str:
    """``_x0001_`` as the character it stands for (``_x005F_`` is the underscore itself), in one
    pass, so ``_x005F_x0041_`` is the literal ``_x0041_`` a person typed. Only text read from a
    workbook is written this way: the reader decodes it, once; text typed anywhere else is never
    decoded."""
    if "_x" not in text:
        return text
    return _EXCEL_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _problem(char: str) -> str | None:
    """What is wrong with a character, wherever it stands (``None``: nothing)."""
    if _REFUSED.fullmatch(char) is None:
        return None
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:
        return "a byte that is not valid UTF-8 text"
    category = unicodedata.category(char)
    if category == "Cc":
        return "a control character"
    if category == "Co":
        return "a private-use character (it shows differently, or not at all, on other computers)"
    if category == "Cs":
        return "half of a character (a lone surrogate)"
    if char in _BIDI_FORMATTING:
        return "a bidirectional formatting character (it reorders the text around it)"
    return "an invisible character"


def _script(char: str) -> str:
    return unicodedata.name(char, "").split(" ", 1)[0]


def _is_emoji(char: str) -> bool:
    """An emoji, or what modifies one (skin tones), as far as an emoji sequence goes."""
    code = ord(char)
    return (unicodedata.category(char) == "So" or 0x1F3FB <= code <= 0x1F3FF
            or 0x1F000 <= code <= 0x1FAFF or char in "\u20e3")


def _base_before(text: str, index: int) -> str:
    """The character a joiner or selector at ``index`` follows, past emoji variation selectors."""
    while index > 0 and text[index - 1] in _EMOJI_VARIATION:
        index -= 1
    return text[index - 1] if index > 0 else ""


def _in_place(text: str, index: int) -> bool:
    """Whether the character at ``index``, refused elsewhere, is part of visible text here."""
    char = text[index]
    before = _base_before(text, index)
    after = text[index + 1] if index + 1 < len(text) else ""
    if not before:
        return False
    if char in _JOINERS:
        if char == "\u200d" and after and _is_emoji(before) and _is_emoji(after):
            return True
        return (bool(after) and _script(before) in _JOINING_SCRIPTS and _script(before) == _script(after)
                and unicodedata.category(after)[0] in "LM")
    code = ord(char)
    if char in _EMOJI_VARIATION:
        return text[index - 1] not in _EMOJI_VARIATION and (_is_emoji(before) or before in "#*0123456789")
    if 0xFE00 <= code <= 0xFE0D or 0xE0100 <= code <= 0xE01EF:
        return text[index - 1] == before and _script(before) == "CJK"
    if 0x180B <= code <= 0x180F and code != 0x180E:
        return text[index - 1] == before and _script(before) == "MONGOLIAN"
    if 0xE0020 <= code <= 0xE007F:  # tags of an emoji flag (England's, Scotland's)
        return before == "\U0001f3f4" or 0xE0020 <= ord(text[index - 1]) <= 0xE007E
    return False


def describe(char: str) -> str:
    """A character as U+XXXX with its Unicode name, safe to print anywhere."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def check_text(text: str, what: str) -> None:
    """Refuse text holding a character a reader could not see; ``what`` names the cell or option."""
    for found in _REFUSED.finditer(text):
        if _in_place(text, found.start()):
            continue
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


_ESCAPED = re.compile(f"{_REFUSED.pattern}|[\t\n\r]")


def escaped(text: str) -> str:
    """``text`` from outside (a file name, a path) as it may be shown on one line: every character
    ``check_text`` refuses, and tabs and line breaks, written as its escape (``\\x1b``, ``\\u202e``,
    ``\\udcff`` for a byte that is not UTF-8), so a terminal or a page shows the name and obeys none
    of it."""
    return _ESCAPED.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), str(text))


def check_email(address: str) -> str:
    """``address`` if it is an e-mail address a message can be sent to (name@example.org); refused
    otherwise, so that a contact point, a sender or a test address never fails later, when sending."""
    from email.headerregistry import Address

    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        try:
            Address(addr_spec=address)
            return address
        except (ValueError, IndexError):
            pass
    raise Refused(f"{address!r} is not an e-mail address such as name@example.org.")
