"""The report's tables of figures: economies, commitments, the matrix, overdue items, the trend, needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.models import Economy
from tracker.rates import RATE_FORMULA
from tracker.report.book import (LINE_HEIGHT, NO_RETURN, NOT_REPORTED, NOT_REPORTED_CODE, STATUS_CODES, Book, Sheet,
                                 Styled, pct, status_label)
from tracker.status import LABELS, STATUS_KEYS
from tracker.workbook.typesetting import text_lines

if TYPE_CHECKING:
    from tracker.report.data import ReportData

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


def write_economies(book: Book) -> None:
    data = book.data
    previous = data.previous_year
    s = Sheet(book, "Economies", [8, 20, *[5.5] * 7, *[8] * 5, 16])
    titles = list(ECONOMY_COLUMNS)
    if previous:
        titles[titles.index("Change since previous year")] = f"Change since {previous}"
    s.table(titles, 2, vertical=range(2, len(titles) - 1))
    for economy in _economy_order(data):
        tally = data.tally(economy.id)
        if data.returned(economy.id):
            change = data.comparison.economy(economy.id) if data.comparison else None
            s.put([economy.code, economy.name, *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported,
                   pct(book, tally.coverage), pct(book, tally.rate), pct(book, change and change.rate_change, True),
                   None, None, data.last_updated.get(economy.id)], wrap=(1,))
        else:
            last = data.last_return(economy.id)
            s.put([economy.code, economy.name, *[None] * 8, Styled(NO_RETURN, book.no_return), None,
                   *([last[0], pct(book, last[1])] if last else [None, None]), data.last_updated.get(economy.id)],
                  wrap=(1,))
    s.blank()
    s.sentence(f"{NO_RETURN}: no entry was recorded for {data.year}; the last return and its rate are shown "
               "beside it, and the economy is left out of the region-wide figures.", columns=8)


COMMITMENT_COUNT_COLUMN = 4  # on the Commitments sheet, the first count per status (after Ref ... Deadline)


def write_commitments(book: Book) -> None:
    data = book.data
    s = Sheet(book, "Commitments", [8, 24, 46, 11, *[5.5] * 7, 8])
    s.table(["Ref", "Instrument", "Commitment", "Deadline", *LABELS.values(), NOT_REPORTED, "Implementation rate"], 1,
                     vertical=range(4, 6 + len(STATUS_KEYS)))
    for item in data.items:
        tally = data.item_tallies[item.id]
        s.put([item.ref, item.instrument.title, data.texts[item.id], item.deadline,
               *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported, pct(book, tally.rate)], wrap=(1, 2))
    s.blank()
    s.sentence(f"Counts are over the {len(data.returning())} economies that returned for {data.year}.", columns=3)


def write_matrix(book: Book) -> None:
    data = book.data
    codes = [item.ref for item in data.items]
    s = Sheet(book, "Matrix", [8, 16, *[4] * len(codes)])
    s.table(["Economy code", "Economy", *codes], 2, vertical=range(2, 2 + len(codes)))
    for economy in data.economies:
        cells = [economy.code, economy.name]
        for item in data.items:
            status = data.entries.get((economy.id, item.id), (None,))[0]
            cells.append(Styled(STATUS_CODES[status] if status else NOT_REPORTED_CODE, book.status[status]))
        s.put(cells)
    s.blank()
    s.put(["Legend"], book.bold)
    for key, lab in LABELS.items():
        s.put([Styled(STATUS_CODES[key], book.status[key]), lab])
    s.put([Styled(NOT_REPORTED_CODE, book.status[None]), f"{NOT_REPORTED} (or {NO_RETURN.lower()})"])


def write_overdue(book: Book) -> None:
    data = book.data
    s = Sheet(book, "Overdue", [8, 18, 8, 52, 11, 21, 9, 17])
    s.table(["Economy code", "Economy", "Ref", "Commitment", "Deadline", f"Status {data.year}", "Days overdue", "Overdue by"], 3)
    rows = data.overdue_rows()
    heights: dict[int, float | None] = {}
    for economy, item, status, days, months in rows:
        if item.id not in heights:
            lines = text_lines(data.texts[item.id], s.widths[3])
            heights[item.id] = LINE_HEIGHT * lines + 2 if lines > 1 else None
        s.put([economy.code, economy.name, item.ref, data.texts[item.id], item.deadline,
               Styled(status_label(status) or NOT_REPORTED, book.indented), days,
               Styled(f"{months // 12} years {months % 12} months", book.indented)],
              wrap=(3,), height=heights[item.id] or 0)
    if not rows:
        s.sentence(f"Nothing is overdue at the end of {data.year}.", columns=4)
    missing = len(data.economies) - len(data.returning())
    if missing:
        s.blank()
        s.sentence(f"The {missing} economies with no return for {data.year} are not listed: see the Returns sheet.",
                   columns=4)


def write_trend(book: Book) -> None:
    data = book.data
    years = data.trend_years
    s = Sheet(book, "Trend", [8, 24, *[8] * len(years)], landscape=len(years) > 8)
    s.table(["Economy code", "Economy", *(str(y) for y in years)], 2)
    for economy in data.economies:
        s.put([economy.code, economy.name, *(pct(book, data.rate(economy.id, y)) for y in years)])
    s.put(["", "Region-wide", *(Styled(r, book.percent_bold) if (r := data.region(y).rate) is not None else None
                                            for y in years)], book.bold)
    s.put(["", "Economies that returned", *(len(data.returning(y)) for y in years)])
    s.blank()
    s.sentence("A blank cell means no return that year: the Trend chart sheet shows a gap, not a fall to zero. "
               "Region-wide: pooled over the economies that returned that year.", columns=2 + len(years))
    s.sentence(RATE_FORMULA, columns=2 + len(years))


def write_needs(book: Book) -> None:
    data = book.data
    s = Sheet(book, "Needs", [8, 32, 8, 18, 14, 50])
    header = s.table(["Ref", "Commitment", "Economy code", "Economy", f"Status {data.year}",
                      "Capacity-building needs or offers"], 1)
    rows = data.needs_rows()
    for item, economy, status, text in rows:
        s.put([item.ref, data.texts[item.id], economy.code, economy.name, status_label(status) or NOT_REPORTED, text], wrap=(1, 5))
    if rows:
        s.ws.autofilter(header, 0, header + len(rows), 5)
    else:
        s.sentence(f"No economy wrote a capacity-building need or offer for {data.year}.", columns=4)
