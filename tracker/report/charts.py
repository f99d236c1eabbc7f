"""The report's charts, drawn from the cells of its sheets (so a reader can check every point).

Each builder returns an XlsxWriter chart; ``place_charts`` places them. The builders are
told where their figures stand (sheet, rows, columns) rather than knowing the sheets' layout.
"""

from __future__ import annotations

from tracker.report.book import CHART_SHEETS, STATUS_COLOURS, Book, Sheet, page_header
from tracker.report.tables import COMMITMENT_COUNT_COLUMN, ECONOMY_RATE_COLUMN
from tracker.status import STATUS_KEYS
from tracker.workbook.typesetting import FONT_NAME

NOT_REPORTED_COLOUR = "#FFFFFF"
#: The trend's small multiples: each economy in blue, the region-wide rate in black, in every panel.
ECONOMY_COLOUR = "#1F77B4"
REGION_COLOUR = "#000000"
REGION_WIDE = "Region-wide"
CHART_FONT = {"name": FONT_NAME, "size": 9}


def _chart(book: Book, kind: dict, title: str):
    chart = book.wb.add_chart(kind)
    chart.set_title({"name": title, "name_font": {**CHART_FONT, "size": 11, "bold": True}})
    chart.set_chartarea({"border": {"none": True}})
    return chart


def _rate_axis(chart, axis: str) -> None:
    """A 0 to 100 % value axis: ``x`` is the horizontal one (the value axis of a bar chart)."""
    settings = {"min": 0, "max": 1, "num_format": "0%", "num_font": CHART_FONT, "major_gridlines": {"visible": True}}
    (chart.set_y_axis if axis == "y" else chart.set_x_axis)(settings)


def economy_rate_chart(book: Book, sheet: str, rate_column: int):
    """A bar chart of the rate column of the Economies sheet, whose rows start with the economies
    that returned (one a row under its header). An economy with no return has no rate, so it is
    left out rather than drawn as an empty bar, and the title says how many that is."""
    data = book.data
    rows, missing = len(data.returning()), len(data.economies) - len(data.returning())
    title = f"Implementation rate per economy, {data.year}: the {rows} {'economy' if rows == 1 else 'economies'} that returned"
    if missing:
        title += f"\n({missing} with no return {'is' if missing == 1 else 'are'} not shown: see the Returns sheet)"
    chart = _chart(book, {"type": "bar"}, title)
    chart.add_series({
        "name": "Implementation rate",
        "categories": [sheet, 1, 1, rows, 1],
        "values": [sheet, 1, rate_column, rows, rate_column],
        "fill": {"color": STATUS_COLOURS["implemented"]},
        "data_labels": {"value": True, "num_format": "0%", "font": CHART_FONT},
        "gap": 60,
    })
    _rate_axis(chart, "x")
    chart.set_y_axis({"reverse": True, "num_font": CHART_FONT, "interval_unit": 1})
    chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": max(320, 22 * rows + 80)})
    return chart


def commitment_status_chart(book: Book, sheet: str, first_count_column: int):
    """The statuses of each commitment across economies, stacked to 100 %, in the Matrix colours:
    ``sheet`` has a count per status (then not reported) from ``first_count_column``, one item a row."""
    rows = len(book.data.items)
    chart = _chart(book, {"type": "bar", "subtype": "percent_stacked"}, f"Statuses per commitment, {book.data.year}")
    colours = [*(STATUS_COLOURS[key] for key in STATUS_KEYS), NOT_REPORTED_COLOUR]
    for offset, colour in enumerate(colours):
        column = first_count_column + offset
        chart.add_series({"name": [sheet, 0, column], "categories": [sheet, 1, 0, rows, 0],
                          "values": [sheet, 1, column, rows, column], "fill": {"color": colour},
                          "border": {"color": "#7F7F7F" if colour == NOT_REPORTED_COLOUR else "#FFFFFF"}, "gap": 40})
    chart.set_y_axis({"reverse": True, "num_font": CHART_FONT, "interval_unit": 1})
    chart.set_x_axis({"num_font": CHART_FONT, "num_format": "0%"})
    chart.set_legend({"position": "bottom", "font": CHART_FONT})
    chart.set_size({"width": 960, "height": max(360, 16 * rows + 120)})
    return chart


def trend_panel(book: Book, sheet: str, row: int, title: str, size: tuple[int, int]):
    """One economy's small multiple: its rate (``row`` of ``sheet``) against the region-wide rate
    (the row under the economies), both straight, with a gap for a year without a return. Every
    panel has the same axes and draws the region-wide rate alike, so panels compare at a glance."""
    data = book.data
    last_column = 1 + len(data.trend_years)
    categories = [sheet, 0, 2, 0, last_column]
    chart = book.wb.add_chart({"type": "line"})
    chart.set_title({"name": title, "name_font": {**CHART_FONT, "size": 10, "bold": True}})
    chart.set_chartarea({"border": {"none": True}})
    chart.add_series({
        "name": REGION_WIDE, "categories": categories,
        "values": [sheet, len(data.economies) + 1, 2, len(data.economies) + 1, last_column],
        "line": {"color": REGION_COLOUR, "width": 2.5},
        "marker": {"type": "square", "size": 4, "fill": {"color": REGION_COLOUR}, "border": {"color": REGION_COLOUR}},
        "smooth": False,
    })
    chart.add_series({
        "name": [sheet, row, 0], "categories": categories, "values": [sheet, row, 2, row, last_column],
        "line": {"color": ECONOMY_COLOUR, "width": 1.5},
        "marker": {"type": "circle", "size": 5, "fill": {"color": ECONOMY_COLOUR}, "border": {"color": ECONOMY_COLOUR}},
        "smooth": False,
    })
    chart.show_blanks_as("gap")
    chart.set_y_axis({"min": 0, "max": 1, "major_unit": 0.25, "num_format": "0%", "num_font": CHART_FONT,
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_x_axis({"num_font": {**CHART_FONT, "rotation": -90} if len(data.trend_years) > 5 else CHART_FONT,
                      "interval_unit": 1})  # upright, more years fit under a panel, each labelled
    chart.set_legend({"none": True})
    chart.set_size({"width": size[0], "height": size[1]})
    return chart


def place_charts(book: Book) -> None:
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
        page_header(sheet, book, name)
        sheet.set_chart(chart)
    trend_panels(book, CHART_SHEETS[2])


PAGE_WIDTH = 96  # characters of column width across an A4 portrait page at full size
PANEL_HEIGHT = 138  # points: five rows of panels to a page under the key
YEARS_PER_PANEL_WIDTH = 12 / 32  # year labels (upright) that fit under a panel, per character of its width


def trend_panels(book: Book, name: str) -> None:
    """One small chart per economy, in the Trend sheet's order, in rows of cells as tall as a panel
    (so a page break never cuts one), under a key repeated on every page: three across, or fewer
    when there are too many years to label each one under a panel that narrow."""
    data = book.data
    across = next(n for n in (3, 2, 1) if n == 1 or len(data.trend_years) <= YEARS_PER_PANEL_WIDTH * PAGE_WIDTH / n)
    width = PAGE_WIDTH / across
    s = Sheet(book, name, [width] * across, landscape=False)
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
