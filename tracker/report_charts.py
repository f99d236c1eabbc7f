"""The report's charts, drawn from the cells of its sheets (so a reader can check every point).

Each builder returns an XlsxWriter chart; ``tracker.report_sheets`` places it. The builders are
told where their figures stand (sheet, rows, columns) rather than knowing the sheets' layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.status import STATUS_KEYS
from tracker.workbooks import FONT_NAME

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
#: Series colours for the Trend chart: distinguishable, and none of them the region-wide black.
TREND_COLOURS = ["#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF"]
TREND_DASHES = ["solid", "dash", "round_dot"]
CHART_FONT = {"name": FONT_NAME, "size": 9}
#: The chart sheets, in order, after the Trend sheet: each prints as one landscape page.
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


def economy_rate_chart(book: _Book, title: str, sheet: str, rate_column: int):
    """A bar chart of the rate column of the Economies sheet, one economy a row under its header."""
    rows = len(book.data.economies)
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


def trend_chart(book: _Book, sheet: str):
    """One line per economy, straight, with a gap for a year without a return; region-wide in bold black."""
    data = book.data
    last_column = 1 + len(data.trend_years)
    region_row = len(data.economies) + 1
    chart = _chart(book, {"type": "line"}, "Implementation rate per economy (region-wide in black)")
    for index in range(len(data.economies)):
        row, colour = index + 1, TREND_COLOURS[index % len(TREND_COLOURS)]
        chart.add_series({
            "name": [sheet, row, 0],
            "categories": [sheet, 0, 2, 0, last_column],
            "values": [sheet, row, 2, row, last_column],
            "line": {"color": colour, "width": 1.25, "dash_type": TREND_DASHES[(index // len(TREND_COLOURS)) % len(TREND_DASHES)]},
            "marker": {"type": "circle", "size": 3, "fill": {"color": colour}, "border": {"none": True}},
            "smooth": False,
        })
    chart.add_series({
        "name": [sheet, region_row, 1],
        "categories": [sheet, 0, 2, 0, last_column],
        "values": [sheet, region_row, 2, region_row, last_column],
        "line": {"color": "#000000", "width": 3.5},
        "marker": {"type": "square", "size": 6, "fill": {"color": "#000000"}},
        "smooth": False,
    })
    chart.show_blanks_as("gap")
    _rate_axis(chart, "y")
    chart.set_x_axis({"num_font": CHART_FONT, "interval_unit": 1})
    chart.set_legend({"position": "right", "font": CHART_FONT})
    chart.set_size({"width": 960, "height": 600})
    return chart
