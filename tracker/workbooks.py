"""Excel workbooks: writing user text safely.

Text typed by economies is data: it is always written as a text cell (never a formula), with a
quote prefix when it starts with a character a spreadsheet would interpret. Files sent back are
read by ``tracker.reader``.
"""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill

RISKY_LEADING = ("=", "+", "-", "@", "\t", "\r", "\n")

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
WRAP = Alignment(wrap_text=True, vertical="top")


def set_text(cell: Cell, value) -> Cell:
    """Put ``value`` in ``cell`` as plain text that no spreadsheet will evaluate."""
    if value is None or value == "":
        cell.value = None
        return cell
    text = str(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(RISKY_LEADING):
        cell.quotePrefix = True
    return cell


def style_header(cells) -> None:
    for cell in cells:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
