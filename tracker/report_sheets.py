"""The report's sheets, written with XlsxWriter in constant-memory mode, ready to print.

Every sheet is A4, fitted one page wide, with its header row repeated on every page, a page
header naming the report (and the economy on its own sheet) and "Page N of M" in the footer.
Tables start on a fixed header row; long text is wrapped in rows tall enough to show it.
XlsxWriter is used because it is tested against files made by Excel, so every program opens
what it writes cleanly, and it is faster than openpyxl; openpyxl stays for reading.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name

from tracker import __version__
from tracker.models import Economy
from tracker.rates import COVERAGE_FORMULA, RATE_FORMULA, REGION_FORMULA, pooled
from tracker.report_charts import CHART_SHEETS, STATUS_COLOURS, commitment_status_chart, economy_rate_chart, trend_panel
from tracker.status import LABELS, SCALE, STATUS_KEYS
from tracker.workbook.rows import RowWorksheet
from tracker.workbook.typesetting import FONT_NAME, FONT_SIZE, HEADER_COLOUR, RISKY_LEADING, close_workbook, fits_unmeasured, text_lines, wrapped

if TYPE_CHECKING:
    from tracker.report import ReportData

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


def _page_header(sheet, book: _Book, name: str, subject: str = "") -> None:
    """The printed page's header (the report, the economy, the sheet, the illustrative notice) and footer."""
    report = f"Progress report {book.data.year}" + (f": {subject}" if subject else "")
    notice = f'&R&"{FONT_NAME},Bold"ILLUSTRATIVE DATA' if book.data.illustrative else ""
    sheet.set_header(f'&L&"{FONT_NAME},Bold"&10{_escape_header(report)}&C&"{FONT_NAME},Regular"&9{_escape_header(name)}'
                     + notice)
    sheet.set_footer(f'&L&"{FONT_NAME},Regular"&8tracker {__version__}&R&"{FONT_NAME},Regular"&9Page &P of &N')


class _Book:
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


class _Sheet:
    """One printable sheet: page setup, a row cursor, and cell writing that keeps text as text."""

    def __init__(self, book: _Book, name: str, widths: list[float], landscape: bool = True, subject: str = ""):
        self.book, self.widths, self.row = book, widths, 0
        self.limits = [fits_unmeasured(width) for width in widths]
        self.ws = ws = book.wb.add_worksheet(name, worksheet_class=RowWorksheet)
        ws.set_paper(9)
        ws.set_landscape() if landscape else ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        _page_header(ws, book, name, subject)
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


class _Styled:
    """A value written with its own format (a percentage, a status code)."""

    __slots__ = ("value", "fmt")

    def __init__(self, value, fmt):
        self.value, self.fmt = value, fmt


def _pct(book: _Book, value: float | None, change: bool = False):
    """A rate as a percentage, or a change of rate as percentage points: the difference of two
    rates is not a percentage of anything, so it is written in points (x 100) and reads "+6.2 pp"."""
    if value is None:
        return None
    return _Styled(round(value * 100, 10), book.change) if change else _Styled(value, book.percent)


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def _label(key: str | None) -> str | None:
    return LABELS.get(key) if key else None


# ----------------------------------------------------------------------------- the sheets


def _summary(book: _Book) -> None:
    data = book.data
    s = _Sheet(book, "Summary", [52, 12, 14, 14], landscape=False)
    s.put([f"Progress report {data.year}"], book.title, height=20)
    if data.illustrative:
        s.sentence(ILLUSTRATIVE_NOTE, book.notice, columns=4)
    returning = data.returning()
    missing = [e for e in data.economies if not data.returned(e.id)]
    if not returning:
        s.sentence(f"No entries have been recorded for {data.year}: there is no return, so there is no rate to show.",
                   book.bold, columns=4)
    region, previous = data.region(), data.previous_year
    rate_change, coverage_change, both = data.region_change(previous) if previous else (None, None, 0)
    since = (f" since {previous} (percentage points, over the {both} "
             f"{'economy' if both == 1 else 'economies'} that returned in both years)" if previous
             else " (no earlier year on record)")
    covered = f"{len(returning)} economies that returned"
    s.blank()
    s.put(["Year", data.year])
    s.put(["Economies covered", len(data.economies)])
    s.put(["Economies that returned", len(returning)])
    s.put(["Economies with no return", len(missing)])
    if missing:
        s.sentence(f"No return for {data.year} from: " + ", ".join(f"{e.name} ({e.code})" for e in missing) + ".",
                   columns=4)
    s.put(["Items that apply", len(data.items)])
    s.put([f"Implementation rate, region-wide ({covered})", _pct(book, region.rate)], wrap=(0,))
    s.put([f"Coverage, region-wide ({covered})", _pct(book, region.coverage)], wrap=(0,))
    s.put([f"Change in implementation rate{since}", _pct(book, rate_change, True)], wrap=(0,))
    s.put([f"Change in coverage{since}", _pct(book, coverage_change, True)], wrap=(0,))

    ranked = data.commitments_by_rate()
    for heading, chosen in (("Most implemented commitments", ranked[:3]), ("Least implemented commitments", ranked[::-1][:3])):
        s.blank()
        s.header([heading, "Ref", "Implementation rate", ""])
        for item, rate in chosen:
            s.put([data.texts[item.id], item.ref, _pct(book, rate)], wrap=(0,))
    s.blank()
    s.header(["Commitments overdue in most economies", "Ref", "Deadline", "Economies overdue"])
    overdue = data.overdue_by_item()
    for item, count in overdue[:5]:
        s.put([data.texts[item.id], item.ref, item.deadline, count], wrap=(0,))
    if not overdue:
        s.sentence(f"Nothing is overdue at the end of {data.year}.")
    for heading, key in (("Instrument", lambda i: i.instrument.title), ("Category", lambda i: i.category)):
        s.blank()
        s.header([heading, "Items", "Implementation rate", "Coverage"])
        groups: dict[str, list] = {}
        for item in data.items:
            groups.setdefault(key(item), []).append(item)
        for name, members in groups.items():
            tally = pooled(data.item_tallies[i.id] for i in members)
            s.put([name, len(members), _pct(book, tally.rate), _pct(book, tally.coverage)], wrap=(0,))
    s.blank()
    s.put(["Definitions"], book.bold)
    for sentence in (RATE_FORMULA, COVERAGE_FORMULA, REGION_FORMULA,
                     f"An economy with no entry for {data.year} has no return: it is shown as \"No return\", "
                     "never as a rate of 0, and region-wide figures leave it out."):
        s.sentence(sentence, columns=4)


ECONOMY_COLUMNS = [
    "Economy code", "Economy", *LABELS.values(), NOT_REPORTED, "Coverage", "Implementation rate",
    "Change since previous year", "Last return", "Rate at last return", "Last updated",
]
ECONOMY_RATE_COLUMN = ECONOMY_COLUMNS.index("Implementation rate")


def _economy_order(data: ReportData) -> list[Economy]:
    def order(economy):
        rate = data.rate(economy.id)
        return (rate is None, -(rate or 0), economy.code)

    return sorted(data.economies, key=order)


def _economies(book: _Book) -> None:
    data = book.data
    previous = data.previous_year
    s = _Sheet(book, "Economies", [8, 20, *[5.5] * 7, *[8] * 5, 16])
    titles = list(ECONOMY_COLUMNS)
    if previous:
        titles[titles.index("Change since previous year")] = f"Change since {previous}"
    s.table(titles, 2, vertical=range(2, len(titles) - 1))
    for economy in _economy_order(data):
        tally = data.tally(economy.id)
        if data.returned(economy.id):
            before = data.rate(economy.id, previous) if previous else None
            s.put([economy.code, economy.name, *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported,
                   _pct(book, tally.coverage), _pct(book, tally.rate), _pct(book, _change(tally.rate, before), True),
                   None, None, data.last_updated.get(economy.id)], wrap=(1,))
        else:
            last = data.last_return(economy.id)
            s.put([economy.code, economy.name, *[None] * 8, _Styled(NO_RETURN, book.no_return), None,
                   *([last[0], _pct(book, last[1])] if last else [None, None]), data.last_updated.get(economy.id)],
                  wrap=(1,))
    s.blank()
    s.sentence(f"{NO_RETURN}: no entry was recorded for {data.year}; the last return and its rate are shown "
               "beside it, and the economy is left out of the region-wide figures.", columns=8)


COMMITMENT_COUNT_COLUMN = 4  # on the Commitments sheet, the first count per status (after Ref ... Deadline)


def _commitments(book: _Book) -> None:
    data = book.data
    s = _Sheet(book, "Commitments", [8, 24, 46, 11, *[5.5] * 7, 8])
    s.table(["Ref", "Instrument", "Commitment", "Deadline", *LABELS.values(), NOT_REPORTED, "Implementation rate"], 1,
                     vertical=range(4, 6 + len(STATUS_KEYS)))
    for item in data.items:
        tally = data.item_tallies[item.id]
        s.put([item.ref, item.instrument.title, data.texts[item.id], item.deadline,
               *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported, _pct(book, tally.rate)], wrap=(1, 2))
    s.blank()
    s.sentence(f"Counts are over the {len(data.returning())} economies that returned for {data.year}.", columns=3)


def _matrix(book: _Book) -> None:
    data = book.data
    codes = [item.ref for item in data.items]
    s = _Sheet(book, "Matrix", [8, 16, *[4] * len(codes)])
    s.table(["Economy code", "Economy", *codes], 2, vertical=range(2, 2 + len(codes)))
    for economy in data.economies:
        cells = [economy.code, economy.name]
        for item in data.items:
            status = data.entries.get((economy.id, item.id), (None,))[0]
            cells.append(_Styled(STATUS_CODES[status] if status else NOT_REPORTED_CODE, book.status[status]))
        s.put(cells)
    s.blank()
    s.put(["Legend"], book.bold)
    for key, lab in LABELS.items():
        s.put([_Styled(STATUS_CODES[key], book.status[key]), lab])
    s.put([_Styled(NOT_REPORTED_CODE, book.status[None]), f"{NOT_REPORTED} (or {NO_RETURN.lower()})"])


CHANGE_WORDS = {"new": "New this year", "changed": "Changed"}


def _changes(book: _Book) -> None:
    """The entries that are new this year or whose status changed: what the reader looks for.
    Those carried forward unchanged are counted in the title, not listed (the Data sheet has them)."""
    data = book.data
    every = data.change_rows()
    rows = [row for row in every if row.kind != "unchanged"]
    unchanged = len(every) - len(rows)
    s = _Sheet(book, "Changes", [8, 24, 9, 26, 22, 10, 22])
    header = s.table(["Economy code", "Economy", "Ref", f"Compared with the previous report ({unchanged} unchanged, "
                      "not listed)", "Previous status", "Previous year", f"Status {data.year}"], 3)
    for row in rows:
        s.put([row.economy.code, row.economy.name, row.item.ref, CHANGE_WORDS[row.kind], _label(row.previous_status),
               _Styled(row.previous_year, book.centre) if row.previous_year else None, _label(row.status)])
    if rows:
        s.ws.autofilter(header, 0, header + len(rows), 6)
    else:
        s.sentence(f"No entry has a status for {data.year}." if not every else
                   f"No entry is new or changed in {data.year}: all {unchanged} are as the economy last reported them.",
                   columns=4)
    s.blank()
    s.sentence("New this year: the economy's first report on the item. Changed: the status differs from its "
               f"previous report. Not listed: the {unchanged} entries with the same status as the economy's previous "
               "report on the item (unchanged, carried forward); the Data sheet has every entry.", columns=5)


def _overdue(book: _Book) -> None:
    data = book.data
    s = _Sheet(book, "Overdue", [8, 18, 8, 52, 11, 21, 9, 17])
    s.table(["Economy code", "Economy", "Ref", "Commitment", "Deadline", f"Status {data.year}", "Days overdue", "Overdue by"], 3)
    rows = data.overdue_rows()
    heights: dict[int, float | None] = {}
    for economy, item, status, days, months in rows:
        if item.id not in heights:
            lines = text_lines(data.texts[item.id], s.widths[3])
            heights[item.id] = LINE_HEIGHT * lines + 2 if lines > 1 else None
        s.put([economy.code, economy.name, item.ref, data.texts[item.id], item.deadline,
               _Styled(_label(status) or NOT_REPORTED, book.indented), days,
               _Styled(f"{months // 12} years {months % 12} months", book.indented)],
              wrap=(3,), height=heights[item.id] or 0)
    if not rows:
        s.sentence(f"Nothing is overdue at the end of {data.year}.", columns=4)
    missing = len(data.economies) - len(data.returning())
    if missing:
        s.blank()
        s.sentence(f"The {missing} economies with no return for {data.year} are not listed: see the Returns sheet.",
                   columns=4)


def _trend(book: _Book) -> None:
    data = book.data
    years = data.trend_years
    s = _Sheet(book, "Trend", [8, 24, *[8] * len(years)], landscape=len(years) > 8)
    s.table(["Economy code", "Economy", *(str(y) for y in years)], 2)
    for economy in data.economies:
        s.put([economy.code, economy.name, *(_pct(book, data.rate(economy.id, y)) for y in years)])
    s.put(["", "Region-wide", *(_Styled(r, book.percent_bold) if (r := data.region(y).rate) is not None else None
                                            for y in years)], book.bold)
    s.put(["", "Economies that returned", *(len(data.returning(y)) for y in years)])
    s.blank()
    s.sentence("A blank cell means no return that year: the Trend chart sheet shows a gap, not a fall to zero. "
               "Region-wide: pooled over the economies that returned that year.", columns=2 + len(years))
    s.sentence(RATE_FORMULA, columns=2 + len(years))


def _charts(book: _Book) -> None:
    """The rates and the statuses on a chart sheet each (one landscape page, never under a table's
    repeated header), then the trend's small multiples."""
    data = book.data
    if not (data.economies and data.items):
        return
    charts = {CHART_SHEETS[1]: commitment_status_chart(book, "Commitments", COMMITMENT_COUNT_COLUMN)}
    if data.returning():  # else no economy has a rate to draw
        charts = {CHART_SHEETS[0]: economy_rate_chart(book, "Economies", ECONOMY_RATE_COLUMN), **charts}
    for name, chart in charts.items():
        sheet = book.wb.add_chartsheet(name)
        sheet.set_paper(9)
        sheet.set_landscape()
        _page_header(sheet, book, name)
        sheet.set_chart(chart)
    _trend_panels(book, CHART_SHEETS[2])


PAGE_WIDTH = 96  # characters of column width across an A4 portrait page at full size
PANEL_HEIGHT = 138  # points: five rows of panels to a page under the key
YEARS_PER_PANEL_WIDTH = 12 / 32  # year labels (upright) that fit under a panel, per character of its width


def _trend_panels(book: _Book, name: str) -> None:
    """One small chart per economy, in the Trend sheet's order, in rows of cells as tall as a panel
    (so a page break never cuts one), under a key repeated on every page: three across, or fewer
    when there are too many years to label each one under a panel that narrow."""
    data = book.data
    across = next(n for n in (3, 2, 1) if n == 1 or len(data.trend_years) <= YEARS_PER_PANEL_WIDTH * PAGE_WIDTH / n)
    width = PAGE_WIDTH / across
    s = _Sheet(book, name, [width] * across, landscape=False)
    s.sentence("Implementation rate per year of each economy (blue, round markers) against the region-wide rate "
               "(black, square markers: pooled over the economies that returned that year), on the same scale "
               "in every panel. A gap is a year without a return. Figures: the Trend sheet.", columns=across)
    key_rows = s.row
    s.ws.repeat_rows(0, key_rows - 1)
    s.ws.freeze_panes(key_rows, 0)
    size = (int(width * 7 + 0.5) + 5 - 8, round(PANEL_HEIGHT * 4 / 3) - 8)  # the cell's pixels, less a margin
    for index, economy in enumerate(data.economies):
        row, column = key_rows + index // across, index % across
        if column == 0:  # a row with no cell is dropped in constant-memory mode: give it a blank one
            s.ws.set_row(row, PANEL_HEIGHT)
            s.ws.write_blank(row, 0, None, book.top)
        title = f"{economy.name} ({economy.code})"
        if not data.returned(economy.id):  # a gap at the end of a line does not show: say it
            title += f"\nno return for {data.year}"
        chart = trend_panel(book, "Trend", 1 + index, title, size)
        s.ws.insert_chart(row, column, chart, {"x_offset": 4, "y_offset": 4})
    s.ws.print_area(0, 0, key_rows + (len(data.economies) - 1) // across, across - 1)


#: Ref is wide enough for the header block's captions beside their values; Commitment wraps in few lines.
ECONOMY_SHEET_WIDTHS = [12, 36, 16, 22, 20, 10, 15, 15]


def _economy_figures(book: _Book, economy: Economy) -> list[tuple]:
    """The economy's return and its own figures, each beside the region-wide one a reader compares
    it with: (caption, value, note) for the header block, "No return" where it has no rate."""
    data, previous = book.data, book.data.previous_year
    returning, last = len(data.returning()), data.last_return(economy.id)
    no_return = _Styled(NO_RETURN, book.no_return)
    rows: list[tuple] = [(f"Return for {data.year}", "Yes", None) if data.returned(economy.id) else
                         (f"Return for {data.year}", no_return, f"last return {last[0]}" if last else None),
                         ("Last updated", data.last_updated.get(economy.id), None)]
    if data.returned(economy.id):
        tally = data.tally(economy.id)
        rows += [("Implementation rate", _pct(book, tally.rate), None), ("Coverage", _pct(book, tally.coverage), None)]
        if previous:
            before = data.rate(economy.id, previous)
            rows.append((f"Change since {previous}", _pct(book, _change(tally.rate, before), True),
                         None if before is not None else f"no return for {previous}"))
    else:
        rows += [("Implementation rate", no_return, None), ("Coverage", no_return, None)]
        if last:
            rows.append(("Rate at the last return", _pct(book, last[1]), f"in {last[0]}"))
    over = (f"over the {returning} {'economy' if returning == 1 else 'economies'} that returned" if returning
            else f"no economy returned for {data.year}")
    rows.append(("Region-wide rate", _pct(book, data.region().rate), over))
    return [(caption, value, _Styled(note, book.indented) if note else None) for caption, value, note in rows]


def _contact_name(contact, year: int) -> str | None:
    """The contact point's name, with the year it was given for when that is not the report's:
    an economy that sent nothing this year is chased through its latest known focal point."""
    if contact is None or not contact.name:
        return None
    return contact.name if contact.year == year else f"{contact.name} (given for {contact.year})"


def _economy_sheet(book: _Book, economy: Economy, name: str) -> None:
    data = book.data
    s = _Sheet(book, name, ECONOMY_SHEET_WIDTHS, subject=f"{economy.name} ({economy.code})")
    s.put([f"{economy.name} ({economy.code}): progress report {data.year}"], book.title, height=20)
    contact = data.contacts.get(economy.id)
    details = [(caption, getattr(contact, field_name) if contact else None) for caption, field_name in
               (("Title", "title"), ("E-mail", "email"), ("Phone", "phone"))]
    details.insert(0, ("Contact point", _contact_name(contact, data.year)))
    for left, right in zip_longest(details, _economy_figures(book, economy), fillvalue=(None, None)):
        s.put([*left, None, *right], wrap=(1, 3))  # contact point on the left, figures on the right
    s.table(["Ref", "Commitment", "Status", "Measures undertaken", "Further measures planned",
             "Timeframe", "Capacity-building needs", "Evidence"], 2)
    economy_id, empty = economy.id, (None,) * 7
    wrap = (1, 2, 3, 4, 5, 6, 7)
    for item_id, ref, text, _, _ in data.item_fields:
        status, *narrative, _ = data.entries.get((economy_id, item_id), empty)
        s.put([ref, text, LABELS.get(status, NOT_REPORTED), *narrative], wrap=wrap)


def _needs(book: _Book) -> None:
    data = book.data
    s = _Sheet(book, "Needs", [8, 32, 8, 18, 14, 50])
    header = s.table(["Ref", "Commitment", "Economy code", "Economy", f"Status {data.year}",
                      "Capacity-building needs or offers"], 1)
    rows = data.needs_rows()
    for item, economy, status, text in rows:
        s.put([item.ref, data.texts[item.id], economy.code, economy.name, _label(status) or NOT_REPORTED, text], wrap=(1, 5))
    if rows:
        s.ws.autofilter(header, 0, header + len(rows), 5)
    else:
        s.sentence(f"No economy wrote a capacity-building need or offer for {data.year}.", columns=4)


def _returns(book: _Book) -> None:
    data = book.data
    s = _Sheet(book, "Returns", [8, 17, 11, 6.5, 6.5, 16, 6.5, 6.5, 8, 6.5, 24, 26])
    s.table(["Economy code", "Economy", f"Return for {data.year}", "Forms issued", "Forms returned", "Last form imported",
             "Items answered", "Items that apply", "Complete", "Last return", "Contact point", "E-mail"], 2,
            vertical=(3, 4, 6, 7, 8, 9))
    for economy in data.economies:
        record = data.returns.get(economy.id)
        tally = data.tally(economy.id)
        contact = data.contacts.get(economy.id)
        returned = data.returned(economy.id)
        last = data.last_return(economy.id)
        s.put([economy.code, economy.name, "Returned" if returned else _Styled(NO_RETURN, book.no_return),
               record.forms_issued if record else 0, record.forms_returned if record else 0,
               record.last_returned if record else None, tally.reported, len(data.items),
               _pct(book, tally.coverage) if returned else None, None if returned or not last else last[0],
               _contact_name(contact, data.year), contact.email if contact else None], wrap=(1, 10, 11))
    s.blank()
    s.sentence("Forms issued and returned count the signed forms written and imported for the year; items answered "
               "are the entries with a status, however they came in.", columns=8)


def _data(book: _Book) -> None:
    """The tidy table, header in row 1, so any program reads it straight (a filter and a name on it).

    The largest sheet (economies x items rows), so its loop is written out rather than going
    through ``_Sheet.put``: what depends only on the economy or the item (its formats, how many
    lines its text takes) is worked out once, not once a row.
    """
    data = book.data
    # Status fits "Partially implemented" on one line (at 10, LibreOffice broke "Implemented" mid-word);
    # instrument and category, on every row, wrap into fewer lines (Instrument at 17, not 14: an economy's
    # 26 rows take 94 lines, not 106); the page still prints at about 8 pt.
    s = _Sheet(book, "Data", [9.5, 10, 8.5, 17, 11, 5.5, 19, 13, 10.7, 11.85, 11.85, 10.7, 16])
    s.table(DATA_COLUMNS, 1, vertical=(5,))
    write, set_row = s.ws.write_cells, s.ws.set_row
    widths, limits = s.widths, s.limits

    def fmt(value, wrap=True):
        """(format in a row of one line, format in a taller row) for a text written on many rows."""
        if value.startswith(RISKY_LEADING):
            return (book.wrap_quoted,) * 2 if wrap else (book.quoted,) * 2
        return (None, book.wrap if wrap else book.top)

    items = [(item_id, ref, fmt(ref, False), instrument, fmt(instrument), category, fmt(category),
              max(text_lines(instrument, widths[3]), text_lines(category, widths[4])))
             for item_id, ref, _, instrument, category in data.item_fields]
    status_lines = {key: text_lines(lab, widths[6]) for key, lab in LABELS.items()}
    narrative_widths, narrative_limits = widths[7:12], limits[7:12]
    entries, empty, year = data.entries, (None,) * 7, data.year
    risky, moment, centre = book.wrap_quoted, book.datetime, book.centre
    row = 1
    for economy in data.economies:
        economy_id, code, name = economy.id, economy.code, economy.name
        code_format, name_format, name_lines = fmt(code, False), fmt(name), text_lines(name, widths[1])
        for item_id, ref, ref_format, instrument, instrument_format, category, category_format, item_lines in items:
            status, *narrative, updated = entries.get((economy_id, item_id), empty)
            lines = max(name_lines, item_lines, status_lines.get(status, 1))
            for width, limit, value in zip(narrative_widths, narrative_limits, narrative):
                if value and (len(value) > limit or "\n" in value):
                    lines = max(lines, text_lines(value, width))
            tall = lines > 1  # a row of one line needs no formats (they cost a fifth more a cell)
            if tall:
                set_row(row, LINE_HEIGHT * lines + 2)
            wrap = book.wrap if tall else None
            write(row, [code, name, ref, instrument, category, year, LABELS[status] if status else None,
                        *[value or None for value in narrative], updated.replace(microsecond=0) if updated else None],
                  [code_format[tall], name_format[tall], ref_format[tall], instrument_format[tall],
                   category_format[tall], centre, wrap,
                   *[risky if value and value.startswith(RISKY_LEADING) else wrap for value in narrative], moment])
            row += 1
    last = row - 1
    s.ws.autofilter(0, 0, last, len(DATA_COLUMNS) - 1)
    book.wb.define_name("ProgressData", f"={quote_sheetname('Data')}!$A$1:${xl_col_to_name(len(DATA_COLUMNS) - 1)}${last + 1}")


def _about(book: _Book) -> None:
    data = book.data
    s = _Sheet(book, "About", [33, 16, 49], landscape=False)
    s.put([f"About this report ({data.year})"], book.title, height=20)
    if data.illustrative:
        s.sentence(ILLUSTRATIVE_NOTE, book.notice, columns=3)
    s.put(["Produced by", f"tracker {__version__}"])
    s.put(["Catalogue", data.catalogue_version])
    s.put(["Data as of (latest change included)", data.data_last_changed])
    s.blank()
    s.header(["Status", "Matrix code", "Meaning"])
    for key, (lab, meaning) in SCALE.items():
        s.put([lab, STATUS_CODES[key], meaning], wrap=(2,))
    s.put([NOT_REPORTED, NOT_REPORTED_CODE, "No entry with a status for that economy, item and year; counts as not implemented."], wrap=(2,))
    s.put([NO_RETURN, "", "No entry at all for the economy in the year: no rate is shown, and region-wide figures leave it out."], wrap=(2,))
    s.blank()
    s.header(["Figure", "", "Formula"])
    for figure, formula in (
        ("Implementation rate", RATE_FORMULA),
        ("Coverage", COVERAGE_FORMULA),
        ("Region-wide figures", REGION_FORMULA + " Only economies that returned for the year count."),
        ("Overdue", "An item whose deadline has passed by 31 December of the year and whose status is "
                    "neither Implemented nor Not applicable."),
        ("Changes", "Every entry of the year against the economy's most recent earlier report on that item: "
                    "new and changed entries are listed, unchanged ones (carried forward) counted."),
    ):
        s.put([figure, None, formula], wrap=(2,))


def render(data: ReportData, destination: Path) -> None:
    """Write the report for ``data`` to ``destination`` (an OSError if it cannot be written)."""
    book = _Book(destination, data)
    _summary(book)
    _economies(book)
    _commitments(book)
    _matrix(book)
    _changes(book)
    _overdue(book)
    _trend(book)
    _charts(book)
    _needs(book)
    _returns(book)
    names = data.sheet_names()
    for economy in data.economies:
        _economy_sheet(book, economy, names[economy.id])
    _data(book)
    _about(book)
    close_workbook(book.wb)
