"""The annual progress report: ``write_report`` gathers a year's figures and writes the workbook.

``data`` reads what the report shows from the database in one go; the other modules write it
without touching the database: ``book`` the workbook and what every sheet shares, ``front`` the
cover, contents, key findings (``findings`` writes their sentences) and About, ``tables`` the
printed tables, ``charts`` the charts, ``profiles`` a page per economy that returned, ``working``
the sheets kept for analysis but not printed. None of them imports this one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.atomic import replacing
from tracker.printing import to_pdf
from tracker.report.book import Book, profile_names
from tracker.report.charts import (add_chart_sheet, chart_layout, commitment_status_chart, economy_rate_chart,
                                   trend_chart, write_chart_data)
from tracker.report.data import ILLUSTRATIVE_KEY, ReportData, gather
from tracker.report.front import write_about, write_contents, write_cover, write_findings
from tracker.report.profiles import write_profile
from tracker.report.tables import (write_commitments, write_economies, write_matrix, write_needs_and_offers, write_no_return,
                                   write_overdue, write_trend)
from tracker.report.working import write_changes, write_data, write_returns
from tracker.reports_log import record_report
from tracker.workbook.typesetting import close_workbook

__all__ = ["ILLUSTRATIVE_KEY", "ReportData", "gather", "render", "write_report"]


def render(data: ReportData, destination: Path) -> None:
    """Write the report for ``data`` to ``destination`` (an OSError if it cannot be written): the
    printed sheets in reading order, then the working sheets."""
    book = Book(destination, data)
    charts = chart_layout(book)
    write_cover(book)
    write_contents(book)
    write_findings(book)
    write_commitments(book)
    write_economies(book)
    write_matrix(book)
    if charts.returning:
        add_chart_sheet(book, "Rates chart", economy_rate_chart(book, charts))
    if charts.statuses:
        add_chart_sheet(book, "Statuses chart", commitment_status_chart(book, charts))
    write_trend(book)
    add_chart_sheet(book, "Trend chart", trend_chart(book, charts))
    write_overdue(book)
    write_needs_and_offers(book)
    economies = {economy.id: economy for economy in data.economies}
    for economy_id, name in profile_names(data).items():
        write_profile(book, economies[economy_id], name)
    write_no_return(book)
    write_about(book)
    write_data(book)
    write_returns(book)
    write_changes(book)
    write_chart_data(book, charts)
    close_workbook(book.wb)


def write_report(session: Session, year: int, destination: Path, pdf: bool = False,
                 as_of: datetime | None = None) -> ReportData:
    """Gather the year's data (as of a past moment, if given) and write the report, whole or not at
    all (and its PDF beside it with ``pdf``); the report is recorded in the reports log. Return the
    data it shows."""
    data = gather(session, year, as_of)
    with replacing(destination, "the report") as path:
        render(data, path)
    record_report(session, destination, year, as_of)
    if pdf:
        to_pdf(destination)
    return data
