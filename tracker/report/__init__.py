"""The annual progress report: ``write_report`` gathers a year's figures and writes the workbook.

``data`` reads what the report shows from the database in one go; the other modules write it
without touching the database: ``book`` the workbook and what every sheet shares, ``front``,
``tables``, ``charts``, ``profiles`` and ``working`` the sheets. None of them imports this one.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.atomic import replacing
from tracker.printing import to_pdf
from tracker.report.book import Book, sheet_names
from tracker.report.charts import place_charts
from tracker.report.data import ILLUSTRATIVE_KEY, ReportData, gather
from tracker.report.front import write_about, write_summary
from tracker.report.profiles import write_economy_sheet
from tracker.report.tables import (write_commitments, write_economies, write_matrix, write_needs, write_overdue,
                                   write_trend)
from tracker.report.working import write_changes, write_data, write_returns
from tracker.reports_log import record_report
from tracker.workbook.typesetting import close_workbook

__all__ = ["ILLUSTRATIVE_KEY", "ReportData", "gather", "render", "write_report"]


def render(data: ReportData, destination: Path) -> None:
    """Write the report for ``data`` to ``destination`` (an OSError if it cannot be written)."""
    book = Book(destination, data)
    write_summary(book)
    write_economies(book)
    write_commitments(book)
    write_matrix(book)
    write_changes(book)
    write_overdue(book)
    write_trend(book)
    place_charts(book)
    write_needs(book)
    write_returns(book)
    names = sheet_names(data)
    for economy in data.economies:
        write_economy_sheet(book, economy, names[economy.id])
    write_data(book)
    write_about(book)
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
