"""Excel workbooks as the tool writes them: user text kept as text, one font, wrapped rows.

Text typed by economies is data: the writers (XlsxWriter) always write it as a text cell, never
a formula, with a quote prefix when it starts with one of ``RISKY_LEADING``; long text is wrapped
in rows as tall as ``text_lines`` says. Files sent back are read by ``tracker.reader``.
"""

from __future__ import annotations

from functools import lru_cache

from xlsxwriter.exceptions import FileCreateError

RISKY_LEADING = ("=", "+", "-", "@", "\t", "\r", "\n")

#: One font family for every workbook the tool writes, headings included (LibreOffice prints
#: it with the metric-compatible Liberation Sans).
FONT_NAME = "Arial"
FONT_SIZE = 10
HEADER_COLOUR = "#1F4E78"
#: Characters of 10 pt Arial text that fit in one unit of column width, on the safe side
#: (LibreOffice's print was measured at about 1.12).
CHARACTERS_PER_WIDTH = 1.15


def wrapped(value, width: float) -> list[str]:
    """``value`` broken into lines that fit a column ``width`` wide (word by word), as a
    spreadsheet wraps it."""
    per_line = max(1, int(width * CHARACTERS_PER_WIDTH))
    lines = []
    for paragraph in str(value).split("\n"):
        line = ""
        for word in paragraph.split():
            while len(word) > per_line:
                if line:
                    lines.append(line)
                line, word = word[:per_line], word[per_line:]
                lines.append(line)
                line = ""
            if line and len(line) + 1 + len(word) > per_line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


@lru_cache(maxsize=4096)
def _lines(text: str, width: float) -> int:
    return len(wrapped(text, width))


def text_lines(value, width: float) -> int:
    """How many lines ``value`` takes when wrapped in a column ``width`` wide."""
    if value is None:
        return 1
    text = str(value)
    if len(text) <= width * CHARACTERS_PER_WIDTH and "\n" not in text:
        return 1
    return _lines(text, width)


def close_workbook(wb) -> None:
    """Close (write) an XlsxWriter workbook, turning its file error back into the OSError behind it."""
    try:
        wb.close()
    except FileCreateError as exc:
        raise exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc)) from None
