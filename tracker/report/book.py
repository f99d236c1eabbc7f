"""The report's workbook and what every sheet shares: formats, page setup, cell writing.

The workbook is a publication and a working file at once. Printed sheets are A4, one page wide,
with the report's title in the page header, the publisher and "Page N of M" in the footer, tables
under horizontal wrapped headers that repeat on every page, every text cell indented so that
neighbouring columns never touch, and a source line under each table. Working sheets (the data
for analysts, the returns with their contact points, the changes, the charts' figures) stay in
the workbook but print nothing: their print area is one empty cell, which LibreOffice and Excel
leave out. XlsxWriter is used because it is tested against files made by Excel, so every program
opens what it writes cleanly, and it is faster than openpyxl; openpyxl stays for reading.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

from tracker.percentages import rounded_percent, rounded_points
from tracker.returns import NO_RETURN
from tracker.status import LABELS, STATUS_COLOURS, STATUS_INK
from tracker.workbook.rows import RowWorksheet
from tracker.workbook.typesetting import (EMS_PER_WIDTH, FONT_NAME, FONT_SIZE, HEADER_COLOUR, RISKY_LEADING, fits_unmeasured,
                                          text_lines, widest_line, wrapped)

if TYPE_CHECKING:
    from tracker.report.data import ReportData

ILLUSTRATIVE_NOTE = "ILLUSTRATIVE DATA: the entries in this workbook are made up for demonstration."
#: The sheets of the workbook that are not an economy's profile, in order.
PRINTED_BEFORE_PROFILES = ("Cover", "Contents", "Key findings", "Commitments", "Economies", "Matrix", "Rates chart",
                           "Statuses chart", "Trend", "Trend chart", "Overdue",
                           "Needs and offers")
PRINTED_AFTER_PROFILES = (NO_RETURN, "About")
WORKING_SHEETS = ("Data", "Returns", "Changes", "Chart data")
FIXED_SHEETS = (*PRINTED_BEFORE_PROFILES, *PRINTED_AFTER_PROFILES, *WORKING_SHEETS)
NOT_REPORTED = "Not reported"
PERCENT = "0.0%"
POINTS_CHANGE = '+0.0" pp";-0.0" pp";0.0" pp"'
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
#: Points of a table's header titles (bold).
HEADER_POINTS = 9
LINE_HEIGHT = 12.75  # points: a row of one line of 10 pt text (Excel's default row for Arial 10)
#: Points from one line of wrapped 10 pt text to the next as LibreOffice prints it (11.2): a row
#: of N lines is N of these and a little padding, so that it leaves no empty band under its text.
LINE_PITCH = 11.25
#: The sizes the cover's title may print at, in points, largest first: the one at which it takes
#: the fewest lines and, of those, leaves no word alone on its last line (the demo's title, 27.2 em
#: of bold, took two lines at 20 pt, "2010" alone on the second; it takes one at 18).
COVER_TITLE_POINTS = (20, 18, 16)
#: Column width an indented cell loses to its indent: LibreOffice prints an indent of 1 as about
#: 0.8 em (printed, a cell indented wraps 0.55 em a unit of width less 0.6 em, one not indented
#: 0.555 em a unit), so that text wraps before it reaches the next column.
INDENT_WIDTH = 1.3
#: Points inside the margins of an A4 page (width, height), landscape and portrait.
PRINTABLE = {True: (841.9 - 2 * 28.8, 595.3 - 50.4 - 43.2), False: (595.3 - 2 * 28.8, 841.9 - 50.4 - 43.2)}
#: Points LibreOffice prints a unit of column width as (with the 5/7 of padding every column has):
#: 5.52 to 5.59 measured; the most, so that a sheet printed at the scale worked out from it fits
#: the page's width.
POINTS_PER_WIDTH = 5.6
#: Points of a page's height left unused by the hand-made page breaks, for the rounding of row
#: heights in print (LibreOffice filled 502 to 508 of its 502 points).
PAGE_SLACK = 8
DATA_COLUMNS = [
    "Economy code", "Economy", "Returned", "Ref", "Instrument", "Category", "Commitment", "Deadline", "Year", "Status",
    "Measures undertaken", "Further measures planned", "Timeframe", "Capacity-building needs",
    "Capacity-building offers", "Evidence", "Last updated",
]


def rows_height(lines: int, size: float = 1.0) -> float:
    """The height of a row of ``lines`` lines of wrapped text, ``size`` times 10 pt."""
    return LINE_PITCH * size * lines + 2 * size


def _escape_header(text: str) -> str:
    return text.replace("&", "&&")


def page_header(sheet, book: Book, name: str) -> None:
    """The printed page's header (the report's title, the sheet or economy, the illustrative
    notice) and footer (the publisher, the page)."""
    publication = book.data.publication
    notice = " | ILLUSTRATIVE DATA" if book.data.illustrative else ""
    sheet.set_header(f'&L&"{FONT_NAME},Bold"&9{_escape_header(publication.title)}'
                     f'&R&"{FONT_NAME},Bold"&9{_escape_header(name)}{notice}')
    sheet.set_footer(f'&L&"{FONT_NAME},Regular"&7{_escape_header(publication.publisher)}'
                     f'&R&"{FONT_NAME},Regular"&9Page &P of &N')


class Book:
    """The workbook and its shared formats."""

    def __init__(self, path: Path, data: ReportData):
        self.data = data
        self.wb = xlsxwriter.Workbook(str(path), {
            "constant_memory": True,
            "tmpdir": str(path.parent),  # its temporary files in the run folder, removed with it
            "default_date_format": DATE,
            "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE, "valign": "top"},
            "default_row_height": round(LINE_HEIGHT * 4 / 3),  # pixels: rows of one line, not Calibri's 15 pt
        })
        publication = data.publication
        self.wb.set_properties({"title": publication.title, "subject": publication.subject,
                                "author": publication.publisher, "company": publication.publisher, "comments": ""})
        add = self.wb.add_format
        self.cover_titles = {points: add({"bold": True, "font_size": points, "text_wrap": True, "valign": "top"})
                             for points in COVER_TITLE_POINTS}
        self.cover_text = add({"font_size": 12, "text_wrap": True, "valign": "top"})
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        header = {"bold": True, "font_size": HEADER_POINTS, "font_color": "#FFFFFF", "bg_color": HEADER_COLOUR, "text_wrap": True,
                  "valign": "bottom", "border": 1, "border_color": "#FFFFFF"}
        self.header = add(header | {"align": "left", "indent": 1})
        self.header_number = add(header | {"align": "right"})
        self.header_centred = add(header | {"align": "center"})
        self.group = add({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top", "align": "left",
                          "indent": 1})
        self.group_percent = add({"bold": True, "bg_color": "#DDEBF7", "num_format": PERCENT, "valign": "top"})
        self.group_change = add({"bold": True, "bg_color": "#DDEBF7", "num_format": POINTS_CHANGE, "valign": "top"})
        self.group_blank = add({"bg_color": "#DDEBF7"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.top = add({"valign": "top"})
        self.centre = add({"valign": "top", "align": "center"})
        # Excel and LibreOffice indent only left-aligned text: the indent is the gap between columns.
        self.text = add({"valign": "top", "align": "left", "indent": 1, "text_wrap": True})
        self.text_quoted = add({"quote_prefix": True, "valign": "top", "align": "left", "indent": 1, "text_wrap": True})
        self.source = add({"italic": True, "font_color": "#404040", "valign": "top"})
        self.quoted = add({"quote_prefix": True, "valign": "top"})
        self.wrap_quoted = add({"quote_prefix": True, "text_wrap": True, "valign": "top"})
        self.percent = add({"num_format": PERCENT, "valign": "top"})
        self.change = add({"num_format": POINTS_CHANGE, "valign": "top"})
        self.date = add({"num_format": DATE, "valign": "top"})
        self.datetime = add({"num_format": DATETIME, "valign": "top"})
        self.datetime_text = add({"num_format": DATETIME, "valign": "top", "align": "left", "indent": 1})
        self.no_return = add({"italic": True, "font_color": "#595959", "valign": "top", "align": "left", "indent": 1})
        self.notice = add({"bold": True, "bg_color": "#F4CCCC", "valign": "top"})
        self.indented_formats = (self.text, self.text_quoted, self.group, self.no_return)
        self.status = {
            key: add({"bg_color": colour, "align": "center", "border": 1, "border_color": "#FFFFFF",
                      "font_color": STATUS_INK[key]})
            for key, colour in STATUS_COLOURS.items()
        }
        self.status[None] = add({"align": "center", "border": 1, "border_color": "#D9D9D9"})


class Sheet:
    """One sheet: page setup, a row cursor, and cell writing that keeps text as text.

    A printed sheet indents and wraps every text cell (the gap between columns); a working
    sheet (``printed=False``) writes plain cells, prints nothing, and is the fast path of a
    large report.
    """

    def __init__(self, book: Book, name: str, widths: list[float], landscape: bool = True, header: str | None = None,
                 printed: bool = True, paginated: bool = False):
        self.book, self.widths, self.row, self.printed, self.landscape = book, widths, 0, printed, landscape
        self.paginated = paginated
        self.limits = [fits_unmeasured(width) for width in widths]
        self.heights: dict[int, float] = {}  # rows not of one line, kept for ``paginate``
        self.kept_with_next: set[int] = set()
        self.table_header: int | None = None
        self.ws = ws = book.wb.add_worksheet(name, worksheet_class=RowWorksheet)
        ws.set_paper(9)
        ws.set_landscape() if landscape else ws.set_portrait()
        if not paginated:  # fitted to the page's width, its pages broken by the program printing it
            ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        page_header(ws, book, header or name)
        for column, width in enumerate(widths):
            ws.set_column(column, column, width)
        if not printed:
            ws.print_area(0, len(widths) + 1, 0, len(widths) + 1)  # one empty cell: nothing to print

    def _room(self, column: int) -> float:
        return self.widths[column] - INDENT_WIDTH if self.printed else self.widths[column]

    def put(self, values, fmt=None, wrap: tuple[int, ...] = (), height: float | None = None,
            keep_with_next: bool = False) -> int:
        """Write a row; ``wrap`` lists the columns whose text wraps (the row grows to show it). On a
        printed sheet every text cell wraps, indented.

        This is the hot path of a large report: it works out each cell's format and hands the
        row to ``RowWorksheet.write_cells`` whole, and measures only text that may not fit on
        one line.
        """
        row, book = self.row, self.book
        if self.printed:
            values = list(values)
            wrap = tuple(c for c, v in enumerate(values) if type(v) is str or type(v) is Styled and type(v.value) is str)
        if wrap and height is None:
            lines, limits = 1, self.limits
            for column in wrap:
                value, room = values[column], self._room(column)
                bold = False
                if type(value) is Styled:  # a code centred in its cell has the whole width
                    bold = value.fmt is book.group
                    value, room = value.value, room if value.fmt in book.indented_formats else self.widths[column]
                if type(value) is str and (self.printed or len(value) > limits[column] or "\n" in value):
                    lines = max(lines, text_lines(value, room, bold))
            height = rows_height(lines) if lines > 1 else None
        if height:
            self.ws.set_row(row, height)
            if self.paginated:
                self.heights[row] = height
        if keep_with_next:
            self.kept_with_next.add(row)
        # A format costs a fifth more per cell: a row of one line needs none, a taller one aligns
        # its cells to the top and wraps its long text.
        plain = fmt or (book.top if height else None)
        wrapping = wrap if height else ()
        printed = self.printed
        cells, formats = [], []
        for column, value in enumerate(values):
            kind = type(value)
            if kind is str:
                if not value:
                    value = style = None
                elif printed:
                    style = book.text_quoted if value.startswith(RISKY_LEADING) else fmt or book.text
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

    def header(self, titles, numbers=(), centred=()) -> int:
        """A header row, horizontal and wrapped; the titles of ``numbers`` columns are aligned right,
        over their figures, those of ``centred`` columns centred over their codes. Every column
        widens to fit its title's longest word, and a column aligned right until no line of its
        title can print against the column on its left ("Not reported" and "Implementation rate"
        read as one header)."""
        row, book = self.row, self.book
        for column, title in enumerate(titles):
            indent = 0 if column in numbers or column in centred else INDENT_WIDTH  # only text aligned left is indented
            need = max((len(word) for word in re.split(r"(?<=-)|\s+", title)), default=0) + indent + 1
            if column in numbers:  # aligned right, against the column beside it: kept a gap clear of it
                need = max(need, self.widths[column])
                while widest_line(title, need, HEADER_POINTS, bold=True) > (need - INDENT_WIDTH) * EMS_PER_WIDTH:
                    need += 0.5
            if self.widths[column] < need:
                self.widths[column], self.limits[column] = need, fits_unmeasured(need)
                self.ws.set_column(column, column, need)
        lines = max(text_lines(t, self.widths[c] - INDENT_WIDTH) for c, t in enumerate(titles))  # 9 pt bold: as 10 pt
        self.heights[row] = rows_height(lines) + 1
        self.ws.set_row(row, self.heights[row])
        for column, title in enumerate(titles):
            self.ws.write_string(row, column, title, book.header_number if column in numbers else
                                 book.header_centred if column in centred else book.header)
        self.row += 1
        return row

    def table(self, titles, first_column_kept: int = 0, numbers=(), centred=()) -> int:
        """The header row of the sheet's table: frozen below (and beside the key columns), repeated in print."""
        row = self.header(titles, numbers, centred)
        self.ws.freeze_panes(row + 1, first_column_kept)
        self.ws.repeat_rows(row)
        self.table_header = row
        return row

    def paginate(self) -> None:
        """Break a ``paginated`` sheet's pages by hand, so that a row kept with the next (a group's
        heading) never ends a page, away from what it heads: the sheet printed at a scale worked
        out here (a sheet fitted to the page's width has its breaks ignored by Excel), each page
        as full as it can be. Called once every row is written."""
        width, height = PRINTABLE[self.landscape]
        scale = min(100, int(100 * width / sum((w + 5 / 7) * POINTS_PER_WIDTH for w in self.widths)))
        self.ws.set_print_scale(scale)
        room = (height - PAGE_SLACK) * 100 / scale
        repeated = self.heights.get(self.table_header, LINE_HEIGHT) if self.table_header is not None else 0.0
        breaks, used = [], 0.0
        for row in range(self.row):
            need = self.heights.get(row, LINE_HEIGHT)
            if used + need > room and row > (breaks[-1] if breaks else 0) + 1:
                start = row - 1 if row - 1 in self.kept_with_next else row
                breaks.append(start)
                used = repeated + sum(self.heights.get(r, LINE_HEIGHT) for r in range(start, row))
            used += need
        self.ws.set_h_pagebreaks(breaks)

    def blank(self) -> None:
        self.row += 1

    def sentence(self, text: str, fmt=None, columns: int = 1) -> None:
        """Prose, broken into lines as wide as the first ``columns`` columns, one row per line (so it
        reads the same on screen and on paper, whatever the column widths). A ``fmt`` (the
        illustrative notice's shading) is given to every cell a line runs over, not only to the
        first, which would leave most of the sentence bare."""
        for line in wrapped(text, sum(self.widths[:columns]) - 1):
            self.ws.write_string(self.row, 0, line, fmt or self.book.top)
            for column in range(1, columns if fmt else 1):
                self.ws.write_blank(self.row, column, None, fmt)
            self.row += 1

    def source(self, text: str, columns: int) -> None:
        """The source line under a table, one row below it (never inside its range)."""
        self.blank()
        for line in wrapped(f"Source: {text}", sum(self.widths[:columns]) - 1):
            self.ws.write_string(self.row, 0, line, self.book.source)
            self.row += 1


class Styled:
    """A value written with its own format (a percentage, a status code)."""

    __slots__ = ("value", "fmt")

    def __init__(self, value, fmt):
        self.value, self.fmt = value, fmt


def pct(book: Book, value: float | None, change: bool = False, fmt=None):
    """A rate as a percentage, or a change of rate as percentage points: the difference of two
    rates is not a percentage of anything, so it is written in points (x 100) and reads "+6.2 pp".
    Both are rounded once, as every other output rounds them (``tracker.percentages``). With
    ``fmt`` (a total row's), an empty cell in that format where there is no figure."""
    if value is None:
        return None if fmt is None else Styled(None, fmt)
    return Styled(rounded_points(value) if change else rounded_percent(value),
                  fmt or (book.change if change else book.percent))


def status_label(key: str | None) -> str | None:
    return LABELS.get(key) if key else None


def contact_name(contact, year: int) -> str | None:
    """The contact point's name, with the year it was given for when that is not the report's:
    an economy that sent nothing this year is chased through its latest known focal point."""
    if contact is None or not contact.name:
        return None
    return contact.name if contact.year == year else f"{contact.name} (given for {contact.year})"


def short_label(item, text: str, width: float = 30) -> str:
    """A commitment's label where its wording would not fit: its short title, else the start of
    its wording as far as one line of ``width`` holds."""
    if item.short_title:
        return item.short_title
    return brief(text, width)


#: A word of a date or a quantity: a number, or a month's name.
_DATE_WORD = re.compile(r"\(?(\d[\d,./:-]*|(January|February|March|April|May|June|July|August|September|October|"
                        r"November|December)\b)\W*$")
#: Words that lead into what follows them, left dangling where a cut drops that.
_LEADING_WORDS = frozenset("a an and at by for from in of on or since the to until with".split())


def _cut_within_a_date(last: str, following: str) -> bool:
    """Whether a cut after ``last``, before ``following``, goes through a date or a number: ``last``
    is a number or a month with no punctuation after it, and either the date goes on ("23" /
    "November") or ``last`` is not a year, which is whole on its own ("by October 2003" is kept)."""
    return bool(_DATE_WORD.match(last)) and last[-1].isalnum() and (
        bool(_DATE_WORD.match(following)) or not re.fullmatch(r"\d{4}", last))


def brief(text: str | None, width: float) -> str | None:
    """``text`` cut to one printed line of a column ``width`` wide, at a word, with an ellipsis.

    The cut never strands part of a date or a number ("on 23 November…", "in force since 1…"):
    a date cut through is dropped whole, and the cut does not end on a word that leads into what
    it drops ("on…", "and…")."""
    if not text:
        return text
    words = text.split()
    lines = wrapped(" ".join(words), width - INDENT_WIDTH - 1)
    if len(lines) == 1:
        return lines[0]
    end = kept = len(lines[0].split())
    last = words[kept - 1]
    if not lines[0].endswith(last):  # a word too long for a line, broken within
        return lines[0] + "…"
    if _cut_within_a_date(last, words[kept]):
        while end > 1 and _DATE_WORD.match(words[end - 1]):
            end -= 1
    while end > 1 and words[end - 1].casefold() in _LEADING_WORDS:
        end -= 1
    return " ".join(words[:end]).rstrip(" ,;:.") + "…"


def profile_names(data: ReportData) -> dict[int, str]:
    """Per economy that returned, its profile sheet's name: its code, unless that clashes with a
    fixed sheet."""
    taken = {name.casefold() for name in FIXED_SHEETS}
    return {e.id: f"{e.code} (economy)" if e.code.casefold() in taken else e.code for e in data.returning()}
