"""Excel workbooks as the tool writes them: user text kept as text, one font, wrapped rows.

Text typed by economies is data: the writers (XlsxWriter) always write it as a text cell, never
a formula, with a quote prefix when it starts with one of ``RISKY_LEADING``; long text is wrapped
in rows as tall as ``text_lines`` says. Files sent back are read by ``tracker.workbook.reader``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

RISKY_LEADING = ("=", "+", "-", "@", "\t", "\r", "\n")

#: One font family for every workbook the tool writes, headings included (LibreOffice prints
#: it with the metric-compatible Liberation Sans).
FONT_NAME = "Arial"
FONT_SIZE = 10
HEADER_COLOUR = "#1F4E78"
#: Advance widths of Arial (and of Liberation Sans, which LibreOffice prints in its place: the
#: same metrics), in thousandths of an em, of the printable ASCII characters from the space on.
_ASCII_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # p to ~
)
#: The same for Arial Bold (and Liberation Sans Bold): headings, group rows, the cover's title.
_ASCII_BOLD_WIDTHS = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,  # space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,  # 0 to ?
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,  # @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,  # P to _
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,  # ` to o
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,  # p to ~
)
_WIDTHS = {chr(32 + index): width / 1000 for index, width in enumerate(_ASCII_WIDTHS)}
_BOLD_WIDTHS = {chr(32 + index): width / 1000 for index, width in enumerate(_ASCII_BOLD_WIDTHS)}
#: Ems of 10 pt text that one unit of column width holds, less the cell's padding, a little on
#: the safe side of LibreOffice's print: there "Promoting Growth" (8.06 em) wrapped in a column
#: 14 wide (so under 0.576 a unit) and "APEC Cyber Security" (9.55 em) fitted in one 17 wide
#: (over 0.562).
EMS_PER_WIDTH = 0.55
#: The widest character counted (@); text of fewer characters than a width's ems / this fits on
#: one line without being measured.
WIDEST_EM = 1.015


def _em(character: str, widths: dict[str, float] = _WIDTHS) -> float:
    width = widths.get(character)
    if width is None:
        width = 1.0 if unicodedata.east_asian_width(character) in "WF" else 0.6
    return width


def _bold_em(character: str) -> float:
    return _em(character, _BOLD_WIDTHS)


def text_width(text: str, bold: bool = False) -> float:
    """How wide ``text`` prints in 10 pt Arial (or Arial Bold), in ems."""
    return sum(map(_bold_em if bold else _em, text))


#: A word's width, each word measured once: words recur (a report's text took 28 us a text
#: measured afresh, 7.6 us so). Only short words are kept, so that text of long unbroken runs
#: cannot fill memory.
_word_width = lru_cache(maxsize=1 << 14)(text_width)


def fits_unmeasured(width: float) -> float:
    """How many characters of any kind surely fit on one line of a column ``width`` wide."""
    return width * EMS_PER_WIDTH / WIDEST_EM


def wrapped(value, width: float, bold: bool = False) -> list[str]:
    """``value`` broken into lines that fit a column ``width`` wide (word by word, a word too long
    for a line broken where it reaches the edge), as a spreadsheet wraps it in print."""
    room = width * EMS_PER_WIDTH
    em = _bold_em if bold else _em
    space = em(" ")
    lines = []
    for paragraph in str(value).split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            size = _word_width(word, bold) if len(word) <= 40 else text_width(word, bold)
            if line and used + space + size <= room:
                line, used = f"{line} {word}", used + space + size
                continue
            if line:
                lines.append(line)
            if size <= room:
                line, used = word, size
                continue
            line, used = "", 0.0
            for character in word:
                if line and used + em(character) > room:
                    lines.append(line)
                    line, used = "", 0.0
                line, used = line + character, used + em(character)
        lines.append(line)
    return lines


def _most_ems(width: float) -> float:
    """The most ems of 10 pt text a column ``width`` wide may hold on a line in LibreOffice's print:
    its width and the 5/7 of padding every column has, in units of Arial's digit (0.556 em), less
    0.1 em ("In progress", 4.90 em of 9 pt bold, printed on one line in a column 8.5 wide;
    "Promoting Growth", 8.06 em, wrapped in one 14 wide)."""
    return (width + 5 / 7) * 0.556 - 0.1


def widest_line(value, width: float, points: float = FONT_SIZE, bold: bool = False) -> float:
    """The widest line, in ems of 10 pt, that ``value`` at ``points`` may print in a column ``width``
    wide: wrapped as loosely as a printer may wrap it, so its lines are the longest they can be."""
    scale = points / FONT_SIZE
    loosest = _most_ems(width) / EMS_PER_WIDTH / scale
    return max(text_width(line, bold) for line in wrapped(value, loosest, bold)) * scale


@lru_cache(maxsize=4096)
def _lines(text: str, width: float, bold: bool) -> int:
    return len(wrapped(text, width, bold))


def text_lines(value, width: float, bold: bool = False) -> int:
    """How many lines ``value`` takes when wrapped in a column ``width`` wide."""
    if value is None:
        return 1
    text = str(value)
    if len(text) <= fits_unmeasured(width) and "\n" not in text:
        return 1
    return _lines(text, width, bold)


def write_text(ws: Worksheet, row: int, column: int, text: str, fmt: Format | None = None) -> int:
    """Write ``text`` as a text cell through XlsxWriter's public writers: never a formula, and
    never markup.

    XlsxWriter copies a string shaped like rich-text markup (``<r>...</r>``) into the workbook
    unescaped, so such a text typed by an economy would break the workbook (every later string
    shifted, or cells of the attacker's making); it goes in as a rich string of two plain runs
    instead, which every reader gives back as the same text."""
    if text.startswith("<r>") and text.endswith("</r>"):
        run = fmt or Format()
        return ws.write_rich_string(row, column, run, text[:3], run, text[3:], *([fmt] if fmt else []))
    return Worksheet.write_string(ws, row, column, text, fmt)


def close_workbook(wb) -> None:
    """Close (write) an XlsxWriter workbook, turning its file error back into the OSError behind it."""
    try:
        wb.close()
    except FileCreateError as exc:
        raise exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc)) from None
