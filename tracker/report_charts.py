"""The report's charts, drawn from the cells of its sheets (so a reader can check every point).

Each builder returns an XlsxWriter chart; ``tracker.report_sheets`` places it. The builders are
told where their figures stand (sheet, rows, columns) rather than knowing the sheets' layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.status import STATUS_KEYS
from tracker.workbook.typesetting import FONT_NAME

if TYPE_CHECKING:
    from tracker.report_sheets import _Book

#: One colour per status, the same in the Matrix, its legend and every chart.
STATUS_COLOURS = {
    "not_started": "#E06666",
    "planned": "#F6B26B",
    "in_progress": "#FFD966",
    "partial": "#93C47D",
    "implemented": "#38761D",
    "not_applicable": "#B7B7B7",
}
NOT_REPORTED_COLOUR = "#FFFFFF"
#: The trend's small multiples: each economy in blue, the region-wide rate in black, in every panel.
ECONOMY_COLOUR = "#1F77B4"
REGION_COLOUR = "#000000"
REGION_WIDE = "Region-wide"
CHART_FONT = {"name": FONT_NAME, "size": 9}
#: The sheets of charts, in order, after the Trend sheet.
CHART_SHEETS = ("Rates chart", "Statuses chart", "Trend chart")


def _chart(book: _Book, kind: dict, title: str):
    chart = book.wb.add_chart(kind)
    chart.set_title({"name": title, "name_font": {**CHART_FONT, "size": 11, "bold": True}})
    chart.set_chartarea({"border": {"none": True}})
    return chart


def _rate_axis(chart, axis: str) -> None:
    """A 0 to 100 % value axis: ``x`` is the horizontal one (the value axis of a bar chart)."""
    settings = {"min": 0, "max": 1, "num_format": "0%", "num_font": CHART_FONT, "major_gridlines": {"visible": True}}
    (chart.set_y_axis if axis == "y" else chart.set_x_axis)(settings)


def economy_rate_chart(book: _Book, sheet: str, rate_column: int):
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


def commitment_status_chart(book: _Book, sheet: str, first_count_column: int):
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


def trend_panel(book: _Book, sheet: str, row: int, title: str, size: tuple[int, int]):
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
