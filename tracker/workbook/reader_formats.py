"""What a number format makes a cell show, for the reader of returned workbooks.

A cell holds a value and a number format; a person sees the format applied to the value, and the
import must store what the person saw. For the formats a form's cells can carry in practice
(General, fixed decimals, thousands separators, percent, scientific notation, elapsed time) the
text shown is worked out here and is what the reader returns. A format that hides the value
(``;;;``, a white colour), puts other text around it or shows it in a way not worked out here
makes a ``Hidden`` value instead: the reader refuses it where its column is imported, naming the
cell, and leaves it alone elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from openpyxl.styles.numbers import is_date_format, is_timedelta_format

GENERAL = "General"
#: Excel's General format shows a number in at most this many characters, in scientific notation
#: when its whole part does not fit.
GENERAL_WIDTH = 11
#: What a number format may hold besides the digits' placeholders: colours, conditions, padding
#: (``_x``), repeated fill (``*x``), quoted and escaped literal text.
_TOKEN = re.compile(r'\[[^\]]*\]|_.|\*.|"[^"]*"|\\.|.', re.DOTALL)
_COLOUR = re.compile(r"\[(black|blue|cyan|green|magenta|red|white|yellow|color\s*[0-9]+)\]", re.IGNORECASE)
_HIDING_COLOURS = ("white", "color2", "color 2")
_FIXED = re.compile(r"(?P<group>#,##)?0(?:\.(?P<decimals>0+))?(?P<percent>%?)")
_SCIENTIFIC = re.compile(r"0(?:\.(?P<decimals>0+))?E\+00")
_ELAPSED = re.compile(r"\[(?P<first>h+|m+|s+)\](?P<rest>(?::(?:mm?|ss?))*)")


@cache
def format_kind(code: str) -> str:
    """How a format shows a number: "general", "date", "elapsed" (time as ``[h]:mm``) or "number"."""
    if code == GENERAL or code.lower() in ("general", "@"):
        return "general"
    if is_date_format(code):
        return "elapsed" if is_timedelta_format(code) else "date"
    return "number"


@dataclass(frozen=True)
class Hidden:
    """A value not shown as it is (by its number format, or as a formula recalculated on opening):
    refused where its column is imported, with ``advice`` on what to do."""

    value: object
    why: str
    advice: str = ("Set the cell's number format to General (Text for text), check what it shows, then save "
                   "and send the file again.")


def sections(code: str) -> list[str]:
    """The format's sections (positive; negative; zero; text), split where ``;`` is not quoted."""
    found, current = [], []
    for token in _TOKEN.findall(code):
        if token == ";":
            found.append("".join(current))
            current = []
        else:
            current.append(token)
    return found + ["".join(current)]


def _plain(section: str) -> tuple[str, bool]:
    """A section without colours, padding and fill, and whether its colour hides what it shows."""
    hiding = any(match.group(1).lower().replace(" ", "") in _HIDING_COLOURS for match in _COLOUR.finditer(section))
    kept = [token for token in _TOKEN.findall(_COLOUR.sub("", section)) if token[0] not in "_*"]
    return "".join(kept).strip(), hiding


@cache
def text_section(code: str) -> str | None:
    """The section that shows text, when the format has one (``None``: text shows as typed)."""
    parts = sections(code)
    if len(parts) >= 4:
        return parts[3]
    if len(parts) == 1 and "@" in [token for token in _TOKEN.findall(parts[0])]:
        return parts[0]
    return None


def text_as_shown(text: str, code: str) -> str | Hidden:
    """The text as the format shows it: as typed, or ``Hidden`` when the format hides or adds to it."""
    section = text_section(code)
    if section is None or not text.strip():
        return text
    shown, hiding = _plain(section)
    if hiding:
        return Hidden(text, f"its number format {code!r} shows it in white, so it cannot be seen")
    if shown == "@":
        return text
    if not shown:
        return Hidden(text, f"its number format {code!r} hides it, so it cannot be seen")
    return Hidden(text, f"its number format {code!r} shows other text than what it holds")


def general(number: int | float) -> int | str | Hidden:
    """The number as Excel's General format shows it: at most 15 significant digits and 11
    characters (0.30000000000000004 shows 0.3); whole numbers stay numbers."""
    if type(number) is int and -10 ** GENERAL_WIDTH < number < 10 ** GENERAL_WIDTH:
        return number
    value = float(number)
    if value == 0:
        return 0
    if not 1e-4 <= abs(value) < 10 ** GENERAL_WIDTH:
        shown = re.sub(r"\.?0*E", "E", f"{value:.5E}")
        return Hidden(number, f"it shows as {shown} (scientific notation), not the number it holds")
    text = format(Decimal(f"{value:.15g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if len(text) > GENERAL_WIDTH:
        decimals = max(GENERAL_WIDTH - len(text.split(".")[0]) - 1, 0)
        text = format(Decimal(text).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP), "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return int(text) if "." not in text else text


def number_as_shown(number: int | float, code: str) -> int | str | Hidden:
    """The number as a non-date format shows it, or ``Hidden`` when that is not the number.
    With a section for negative numbers, Excel shows them without their sign."""
    parts = sections(code)
    index = 1 if number < 0 and len(parts) > 1 else 2 if number == 0 and len(parts) > 2 else 0
    section, hiding = _plain(parts[index])
    if hiding:
        return Hidden(number, f"its number format {code!r} shows it in white, so it cannot be seen")
    value = abs(number) if index == 1 else number
    if section.lower() in ("general", "@"):
        return general(value)
    if not section:
        return Hidden(number, f"its number format {code!r} hides it, so it cannot be seen")
    if (fixed := _FIXED.fullmatch(section)) is not None:
        decimals = len(fixed.group("decimals") or "")
        shown = Decimal(f"{value:.15g}") * (100 if fixed.group("percent") else 1)
        rounded = shown.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
        return f"{rounded:{',' if fixed.group('group') else ''}.{decimals}f}" + fixed.group("percent")
    if (scientific := _SCIENTIFIC.fullmatch(section)) is not None:
        return f"{value:.{len(scientific.group('decimals') or '')}E}"
    return Hidden(number, f"its number format {code!r} shows it differently from the number it holds")


def elapsed_as_shown(days: float, code: str) -> str | Hidden:
    """A duration in days as an elapsed-time format (``[h]:mm:ss``) shows it."""
    section, hiding = _plain(sections(code)[0])
    found = _ELAPSED.fullmatch(section.lower())
    if hiding or found is None:
        return Hidden(days, f"its number format {code!r} shows it differently from the time it holds")
    seconds = round(days * 86400)
    first = found.group("first")
    units = {"h": 3600, "m": 60, "s": 1}
    whole, seconds = divmod(seconds, units[first[0]])
    shown = [f"{whole:0{len(first)}d}"]
    for part in found.group("rest").split(":")[1:]:
        unit = units[part[0]]
        amount, seconds = divmod(seconds, unit)
        shown.append(f"{amount:0{len(part)}d}")
    return ":".join(shown)
