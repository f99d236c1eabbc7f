"""The report's workbook and what every sheet shares: formats, page setup, cell writing.

Every sheet is A4, fitted one page wide, with its header row repeated on every page, a page
header naming the report (and the economy on its own sheet) and "Page N of M" in the footer.
Tables start on a fixed header row; long text is wrapped in rows tall enough to show it.
XlsxWriter is used because it is tested against files made by Excel, so every program opens
what it writes cleanly, and it is faster than openpyxl; openpyxl stays for reading.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

from tracker import __version__
from tracker.percentages import rounded_percent, rounded_points
from tracker.status import LABELS
from tracker.workbook.rows import RowWorksheet
from tracker.workbook.typesetting import FONT_NAME, FONT_SIZE, HEADER_COLOUR, RISKY_LEADING, fits_unmeasured, text_lines, wrapped

if TYPE_CHECKING:
    from tracker.report.data import ReportData

ILLUSTRATIVE_NOTE = "ILLUSTRATIVE DATA: the entries in this workbook are made up for demonstration."
#: The Matrix shows each status as a short code, readable in print without colour.
STATUS_CODES = {
    "not_started": "NS",
    "planned": "PL",
    "in_progress": "IP",
    "partial": "PI",
    "implemented": "IM",
    "not_applicable": "NA",
}
#: One colour per status, the same in the Matrix, its legend and every chart.
STATUS_COLOURS = {
    "not_started": "#E06666",
    "planned": "#F6B26B",
    "in_progress": "#FFD966",
    "partial": "#93C47D",
    "implemented": "#38761D",
    "not_applicable": "#B7B7B7",
}
#: The sheets of charts, in order, after the Trend sheet.
CHART_SHEETS = ("Rates chart", "Statuses chart", "Trend chart")
FIXED_SHEETS = (
    "Summary", "Economies", "Commitments", "Matrix", "Changes", "Overdue", "Trend", *CHART_SHEETS, "Needs", "Returns",
    "Data", "About",
)
NOT_REPORTED = "Not reported"
NO_RETURN = "No return"
NOT_REPORTED_CODE = "-"
PERCENT = "0.0%"
POINTS_CHANGE = '+0.0" pp";-0.0" pp";0.0" pp"'
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
LINE_HEIGHT = 12.75  # points per line of 10 pt text
BOLD = 0.9  # bold text is about a tenth wider
DATA_COLUMNS = [
    "Economy code", "Economy", "Ref", "Instrument", "Category", "Year", "Status",
    "Measures undertaken", "Further measures planned", "Timeframe", "Capacity-building needs",
    "Evidence", "Last updated",
]
def _escape_header(text: str) -> str:
    return text.replace("&", "&&")


def page_header(sheet, book: Book, name: str, subject: str = "") -> None:
    """The printed page's header (the report, the economy, the sheet, the illustrative notice) and footer."""
    report = f"Progress report {book.data.year}" + (f": {subject}" if subject else "")
    notice = f'&R&"{FONT_NAME},Bold"ILLUSTRATIVE DATA' if book.data.illustrative else ""
    sheet.set_header(f'&L&"{FONT_NAME},Bold"&10{_escape_header(report)}&C&"{FONT_NAME},Regular"&9{_escape_header(name)}'
                     + notice)
    sheet.set_footer(f'&L&"{FONT_NAME},Regular"&8tracker {__version__}&R&"{FONT_NAME},Regular"&9Page &P of &N')


class Book:
    """The workbook and its shared formats."""

    def __init__(self, path: Path, data: ReportData):
        self.data = data
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": True,
            "default_date_format": DATE,
            "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE, "valign": "top"},
            "default_row_height": round(LINE_HEIGHT * 4 / 3),  # pixels: rows of one line, not Calibri's 15 pt
        })
        self.wb.set_properties({"title": f"Progress report {data.year}", "author": "tracker", "comments": ""})
        add = self.wb.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.header = add({"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_COLOUR, "text_wrap": True,
                           "valign": "top", "border": 1, "border_color": "#FFFFFF"})
        self.header_vertical = add({"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_COLOUR,
                                    "rotation": 90, "align": "center", "border": 1, "border_color": "#FFFFFF"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.top = add({"valign": "top"})
        self.centre = add({"valign": "top", "align": "center"})
        self.indented = add({"valign": "top", "align": "left", "indent": 1})  # Excel and LibreOffice indent only left-aligned text
        self.quoted = add({"quote_prefix": True, "valign": "top"})
        self.wrap_quoted = add({"quote_prefix": True, "text_wrap": True, "valign": "top"})
        self.percent = add({"num_format": PERCENT, "valign": "top"})
        self.percent_bold = add({"num_format": PERCENT, "bold": True})
        self.change = add({"num_format": POINTS_CHANGE, "valign": "top"})
        self.date = add({"num_format": DATE, "valign": "top"})
        self.datetime = add({"num_format": DATETIME, "valign": "top"})
        self.no_return = add({"italic": True, "font_color": "#595959", "valign": "top"})
        self.notice = add({"bold": True, "bg_color": "#F4CCCC", "valign": "top"})
        self.status = {
            key: add({"bg_color": colour, "align": "center", "border": 1, "border_color": "#FFFFFF",
                      "font_color": "#FFFFFF" if key == "implemented" else "#000000"})
            for key, colour in STATUS_COLOURS.items()
        }
        self.status[None] = add({"align": "center", "border": 1, "border_color": "#D9D9D9"})


class Sheet:
    """One printable sheet: page setup, a row cursor, and cell writing that keeps text as text."""

    def __init__(self, book: Book, name: str, widths: list[float], landscape: bool = True, subject: str = ""):
        self.book, self.widths, self.row = book, widths, 0
        self.limits = [fits_unmeasured(width) for width in widths]
        self.ws = ws = book.wb.add_worksheet(name, worksheet_class=RowWorksheet)
        ws.set_paper(9)
        ws.set_landscape() if landscape else ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        page_header(ws, book, name, subject)
        for column, width in enumerate(widths):
            ws.set_column(column, column, width)

    def put(self, values, fmt=None, wrap: tuple[int, ...] = (), height: float | None = None) -> int:
        """Write a row; ``wrap`` lists the columns whose text wraps (the row grows to show it).

        This is the hot path of a large report: it works out each cell's format and hands the
        row to ``RowWorksheet.write_cells`` whole, and measures only text that may not fit on
        one line.
        """
        row, book = self.row, self.book
        if wrap and height is None:
            lines, limits = 1, self.limits
            for column in wrap:
                value = values[column]
                if type(value) is str and (len(value) > limits[column] or "\n" in value):
                    lines = max(lines, text_lines(value, self.widths[column]))
            height = LINE_HEIGHT * lines + 2 if lines > 1 else None
        if height:
            self.ws.set_row(row, height)
        # A format costs a fifth more per cell: a row of one line needs none, a taller one aligns
        # its cells to the top and wraps its long text.
        plain = fmt or (book.top if height else None)
        wrapping = wrap if height else ()
        cells, formats = [], []
        for column, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if not value:
                    value = style = None
                elif value.startswith(RISKY_LEADING):
                    style = book.wrap_quoted if column in wrapping else book.quoted
                else:
                    style = book.wrap if wrapping and column in wrapping else plain
            elif value is None or kind is int or kind is float:
                style = plain
            elif kind is datetime:
                value, style = value.replace(microsecond=0), book.datetime
            elif kind is date:
                value, style = datetime(value.year, value.month, value.day), book.date
            else:
                value, style = value.value, value.fmt
            cells.append(value)
            formats.append(style)
        self.ws.write_cells(row, cells, formats)
        self.row += 1
        return row

    def header(self, titles, vertical=()) -> int:
        """A header row; ``vertical`` columns (narrow counts, item refs) have their title turned
        upright. Other columns widen to fit their title's longest word."""
        row, book = self.row, self.book
        for column, title in enumerate(titles):
            need = 1.15 * max((len(word) for word in re.split(r"(?<=-)|\s+", title)), default=0) + 1.5
            if column not in vertical and self.widths[column] < need:
                self.widths[column], self.limits[column] = need, fits_unmeasured(need)
                self.ws.set_column(column, column, need)
        lines = max(text_lines(t, BOLD * self.widths[c]) for c, t in enumerate(titles) if c not in vertical)
        height = LINE_HEIGHT * lines + 3
        if vertical:
            height = max(height, 6.5 * max(len(titles[c]) for c in vertical) + 8)
        self.ws.set_row(row, height)
        for column, title in enumerate(titles):
            self.ws.write_string(row, column, title, book.header_vertical if column in vertical else book.header)
        self.row += 1
        return row

    def table(self, titles, first_column_kept: int = 0, vertical=()) -> int:
        """The header row of the sheet's table: frozen below (and beside the key columns), repeated in print."""
        row = self.header(titles, vertical)
        self.ws.freeze_panes(row + 1, first_column_kept)
        self.ws.repeat_rows(row)
        return row

    def blank(self) -> None:
        self.row += 1

    def sentence(self, text: str, fmt=None, columns: int = 1) -> None:
        """Prose under a table, broken into lines as wide as the first ``columns`` columns, one row
        per line (so it reads the same on screen and on paper, whatever the column widths). A
        ``fmt`` (the illustrative notice's shading) is given to every cell a line runs over, not
        only to the first, which would leave most of the sentence bare."""
        for line in wrapped(text, sum(self.widths[:columns])):
            self.ws.write_string(self.row, 0, line, fmt or self.book.top)
            for column in range(1, columns if fmt else 1):
                self.ws.write_blank(self.row, column, None, fmt)
            self.row += 1


class Styled:
    """A value written with its own format (a percentage, a status code)."""

    __slots__ = ("value", "fmt")

    def __init__(self, value, fmt):
        self.value, self.fmt = value, fmt


def pct(book: Book, value: float | None, change: bool = False):
    """A rate as a percentage, or a change of rate as percentage points: the difference of two
    rates is not a percentage of anything, so it is written in points (x 100) and reads "+6.2 pp".
    Both are rounded once, as every other output rounds them (``tracker.percentages``)."""
    if value is None:
        return None
    return Styled(rounded_points(value), book.change) if change else Styled(rounded_percent(value), book.percent)


def status_label(key: str | None) -> str | None:
    return LABELS.get(key) if key else None


def contact_name(contact, year: int) -> str | None:
    """The contact point's name, with the year it was given for when that is not the report's:
    an economy that sent nothing this year is chased through its latest known focal point."""
    if contact is None or not contact.name:
        return None
    return contact.name if contact.year == year else f"{contact.name} (given for {contact.year})"


def sheet_names(data: ReportData) -> dict[int, str]:
    """Per economy, its sheet's name: its code, unless that clashes with a fixed sheet."""
    taken = {name.casefold() for name in FIXED_SHEETS}
    return {e.id: f"{e.code} (economy)" if e.code.casefold() in taken else e.code for e in data.economies}
