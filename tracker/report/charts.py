"""The report's charts and the working sheet of the figures they draw (so a reader can check
every point): each economy's rate against the region-wide rate, the statuses of each commitment,
and the region-wide rate per year, drawn apart wherever the basis changed.

``chart_layout`` says where the figures will stand, the chart builders draw from there, and
``write_chart_data`` writes them (last, as a working sheet).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.percentages import points_text
from tracker.report.book import NOT_REPORTED, Book, Sheet, brief, page_header, short_label
from tracker.status import LABELS, STATUS_COLOURS, STATUS_KEYS
from tracker.workbook.typesetting import FONT_NAME

SHEET = "Chart data"
NOT_REPORTED_COLOUR = "#FFFFFF"
REGION_COLOUR = "#000000"
LIKE_FOR_LIKE_COLOUR = "#7F7F7F"
RATE_COLOUR = STATUS_COLOURS["implemented"]
CHART_FONT = {"name": FONT_NAME, "size": 9}
RATES, STATUSES, TREND = 0, 4, 13  # first column of each block on the Chart data sheet
#: A commitment's label on the Statuses chart is cut to one line of this width: LibreOffice wraps
#: a longer one (over about 21 ems) and then, the labels no longer fitting, prints every other.
STATUS_LABEL_WIDTH = 41


@dataclass
class ChartData:
    """Where each chart's figures stand on the Chart data sheet."""

    returning: list  # the economies of the rates block, highest rate first
    statuses: list[str | None]  # status keys with a column in the statuses block (None: not reported)
    items: int
    years: list[int]
    segments: list[list[int]]  # the trend years of each stretch with one basis


def segments(book: Book) -> list[list[int]]:
    """The trend years cut wherever the basis changed from one year to the next."""
    data = book.data
    runs: list[list[int]] = []
    for year in data.trend_years:
        basis = data.trend_bases.get(year)
        if runs and basis is not None and not basis.changed:
            runs[-1].append(year)
        else:
            runs.append([year])
    return runs


def chart_layout(book: Book) -> ChartData:
    """What the Chart data sheet will hold, worked out before any chart sheet refers to it."""
    data = book.data
    totals = {key: sum(data.item_tallies[i.id].counts[key] for i in data.items) for key in STATUS_KEYS}
    statuses: list[str | None] = [key for key in STATUS_KEYS if totals[key]]
    if any(data.item_tallies[i.id].not_reported for i in data.items):
        statuses.append(None)
    return ChartData(sorted(data.returning(), key=lambda e: (-(data.rate(e.id) or 0), e.code)), statuses,
                     len(data.items), data.trend_years, segments(book))


def write_chart_data(book: Book, where: ChartData) -> None:
    """The three blocks side by side, one row at a time (the sheet is written row by row)."""
    data, comparison = book.data, book.data.comparison
    returning, statuses, runs, years = where.returning, where.statuses, where.segments, where.years
    region = data.region().rate
    s = Sheet(book, SHEET, [24, 12, 12, 2, 40, *[10] * 7, 2, 8, *[12] * (len(runs) + 1)], printed=False)
    header = [None] * (TREND + 2 + len(runs))
    header[RATES:RATES + 3] = ["Economy", "Implementation rate", "Region-wide rate"]
    header[STATUSES] = "Commitment"
    for offset, key in enumerate(statuses):
        header[STATUSES + 1 + offset] = LABELS[key] if key else NOT_REPORTED
    header[TREND] = "Year"
    for offset, run in enumerate(runs):
        header[TREND + 1 + offset] = f"Region-wide {run[0]}" + (f"–{run[-1]}" if len(run) > 1 else "")
    header[TREND + 1 + len(runs)] = "Like for like"
    s.put(header)
    for row in range(max(len(returning), len(data.items), len(years))):
        cells = [None] * len(header)
        if row < len(returning):
            economy = returning[row]
            cells[RATES:RATES + 3] = [economy.name, data.rate(economy.id), region]
        if row < len(data.items):
            item = data.items[row]
            tally = data.item_tallies[item.id]
            cells[STATUSES] = brief(f"{item.ref} {short_label(item, data.texts[item.id])}", STATUS_LABEL_WIDTH)
            for offset, key in enumerate(statuses):
                cells[STATUSES + 1 + offset] = tally.counts[key] if key else tally.not_reported
        if row < len(years):
            year = years[row]
            cells[TREND] = str(year)
            for offset, run in enumerate(runs):
                cells[TREND + 1 + offset] = data.region(year).rate if year in run else None
            if comparison:
                ends = {comparison.basis.previous: comparison.region.then.rate, data.year: comparison.region.now.rate}
                cells[TREND + 1 + len(runs)] = ends.get(year)
        s.put(cells)


def _chart(book: Book, kind: dict, title: str):
    chart = book.wb.add_chart(kind)
    chart.set_title({"name": title, "name_font": {**CHART_FONT, "size": 11, "bold": True}})
    chart.set_chartarea({"border": {"none": True}})
    return chart


def economy_rate_chart(book: Book, where: ChartData):
    """Bars in rate order, each economy that returned, with the region-wide rate as a line across."""
    data, rows = book.data, len(where.returning)
    missing = len(data.economies) - rows
    title = f"Implementation rate per economy, {data.year}, against the region-wide rate"
    if missing:
        title += f"\n({missing} with no return {'is' if missing == 1 else 'are'} not shown)"
    chart = _chart(book, {"type": "column"}, title)
    chart.add_series({
        "name": "Implementation rate", "categories": [SHEET, 1, RATES, rows, RATES],
        "values": [SHEET, 1, RATES + 1, rows, RATES + 1], "fill": {"color": RATE_COLOUR},
        "data_labels": {"value": True, "num_format": "0%", "font": CHART_FONT}, "gap": 50,
    })
    line = book.wb.add_chart({"type": "line"})
    line.add_series({
        "name": "Region-wide rate", "categories": [SHEET, 1, RATES, rows, RATES],
        "values": [SHEET, 1, RATES + 2, rows, RATES + 2], "line": {"color": REGION_COLOUR, "width": 2, "dash_type": "dash"},
        "marker": {"type": "none"},
    })
    chart.combine(line)
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "num_font": CHART_FONT, "major_gridlines": {"visible": True}})
    chart.set_x_axis({"num_font": {**CHART_FONT, "rotation": -45}, "interval_unit": 1})
    chart.set_legend({"position": "bottom", "font": CHART_FONT})
    return chart


def commitment_status_chart(book: Book, where: ChartData):
    """The statuses of each commitment across the economies that returned, stacked to 100 %, in the
    Matrix colours; only the statuses that occur have a series (and so a legend entry)."""
    rows = where.items
    chart = _chart(book, {"type": "bar", "subtype": "percent_stacked"}, f"Statuses per commitment, {book.data.year}")
    for offset, key in enumerate(where.statuses):
        column = STATUSES + 1 + offset
        colour = STATUS_COLOURS[key] if key else NOT_REPORTED_COLOUR
        chart.add_series({"name": [SHEET, 0, column], "categories": [SHEET, 1, STATUSES, rows, STATUSES],
                          "values": [SHEET, 1, column, rows, column], "fill": {"color": colour},
                          "border": {"color": "#7F7F7F" if key is None else "#FFFFFF"}, "gap": 40})
    chart.set_y_axis({"reverse": True, "num_font": CHART_FONT, "interval_unit": 1})
    chart.set_x_axis({"num_font": CHART_FONT, "num_format": "0%"})
    chart.set_legend({"position": "bottom", "font": CHART_FONT})
    return chart


def trend_chart(book: Book, where: ChartData):
    """The region-wide rate per year, one line per stretch of years with the same basis, so that no
    line crosses a break; the like-for-like change of the report's year drawn dashed beside it."""
    data, last = book.data, len(where.years)
    breaks = [str(run[0]) for run in where.segments[1:]]
    title = "Region-wide implementation rate per year"
    if breaks:
        title += f"\nnot joined where the basis changed ({', '.join(breaks)}): see the Trend sheet"
    chart = _chart(book, {"type": "line"}, title)
    categories = [SHEET, 1, TREND, last, TREND]
    for offset in range(len(where.segments)):
        column = TREND + 1 + offset
        # One legend entry for the region-wide rate, however many stretches draw it.
        name = ("Region-wide rate" + (", not joined where the basis changed" if breaks else "") if offset == 0
                else [SHEET, 0, column])
        chart.add_series({"name": name, "categories": categories, "values": [SHEET, 1, column, last, column],
                          "line": {"color": REGION_COLOUR, "width": 2.25},
                          "marker": {"type": "square", "size": 6, "fill": {"color": REGION_COLOUR},
                                     "border": {"color": REGION_COLOUR}},
                          "data_labels": {"value": True, "num_format": "0.0%", "font": CHART_FONT, "position": "below"}})
    if data.comparison:
        column = TREND + 1 + len(where.segments)
        name = f"Like for like {data.comparison.basis.previous}–{data.year}"
        if data.comparison.region.rate_change is not None:
            name += f": {points_text(data.comparison.region.rate_change)}, from the unrounded rates"
        chart.add_series({"name": name, "categories": categories,
                          "values": [SHEET, 1, column, last, column],
                          "line": {"color": LIKE_FOR_LIKE_COLOUR, "width": 1.5, "dash_type": "dash"},
                          "marker": {"type": "circle", "size": 5, "fill": {"color": LIKE_FOR_LIKE_COLOUR},
                                     "border": {"color": LIKE_FOR_LIKE_COLOUR}},
                          "data_labels": {"value": True, "num_format": "0.0%", "position": "above",
                                          "font": {**CHART_FONT, "color": "#404040"}}})
    chart.show_blanks_as("gap")
    chart.set_y_axis({"min": 0, "max": 1, "major_unit": 0.25, "num_format": "0%", "num_font": CHART_FONT,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_x_axis({"num_font": CHART_FONT, "interval_unit": 1})
    chart.set_legend({"position": "bottom", "font": CHART_FONT, "delete_series": list(range(1, len(where.segments)))})
    return chart


def add_chart_sheet(book: Book, name: str, chart) -> None:
    """A chart on a sheet of its own: one landscape page."""
    sheet = book.wb.add_chartsheet(name)
    sheet.set_paper(9)
    sheet.set_landscape()
    page_header(sheet, book, name)
    sheet.set_chart(chart)
