"""The reader's way in and out: the cover, the contents, the key findings and the About sheet."""

from __future__ import annotations

from tracker import __version__
from tracker.comparison import BASIS_DEFINITION
from tracker.rates import COVERAGE_FORMULA, RATE_FORMULA, REGION_FORMULA
from tracker.report.book import (COVER_TITLE_POINTS, ILLUSTRATIVE_NOTE, NOT_REPORTED, Book, Sheet, Styled,
                                 profile_names, rows_height)
from tracker.report.findings import key_findings
from tracker.returns import NO_RETURN
from tracker.status import NOT_REPORTED_CODE, SCALE, STATUS_CODES
from tracker.workbook.typesetting import FONT_SIZE, text_lines, wrapped

PAGE = 90  # characters of column width across an A4 portrait page


def cover_title_points(title: str) -> tuple[int, int]:
    """The size the cover's title prints at (of ``COVER_TITLE_POINTS``) and the lines it takes
    there: the fewest lines, then a last line of more than one word, then the largest size."""
    def rank(points: int) -> tuple[int, bool, int]:
        lines = wrapped(title, PAGE * FONT_SIZE / points, bold=True)
        return len(lines), len(lines) > 1 and len(lines[-1].split()) < 2, -points

    points = min(COVER_TITLE_POINTS, key=rank)
    return points, rank(points)[0]


def write_cover(book: Book) -> None:
    """Title, subject, publisher, year and the date of the data; no running header on a cover."""
    data, publication = book.data, book.data.publication
    s = Sheet(book, "Cover", [PAGE], landscape=False)
    s.ws.set_header("")
    s.ws.set_footer("")
    s.ws.fit_to_pages(1, 1)
    for _ in range(6):
        s.blank()
    points, lines = cover_title_points(publication.title)
    s.ws.set_row(s.row, rows_height(lines, points / FONT_SIZE) + 4)
    s.ws.write_string(s.row, 0, publication.title, book.cover_titles[points])
    s.row += 2
    if publication.subject:
        s.ws.set_row(s.row, rows_height(text_lines(publication.subject, PAGE / 1.2), 1.2) + 4)
        s.ws.write_string(s.row, 0, publication.subject, book.cover_text)
        s.row += 2
    for text in (publication.publisher, f"Report for {data.year}",
                 f"Data as of {data.data_last_changed:%Y-%m-%d}" if data.data_last_changed else "No data recorded yet"):
        if text:
            s.ws.set_row(s.row, rows_height(text_lines(text, PAGE / 1.2), 1.2) + 2)
            s.ws.write_string(s.row, 0, text, book.cover_text)
            s.row += 1
    if data.illustrative:
        s.blank()
        s.sentence(ILLUSTRATIVE_NOTE, book.notice)
    if publication.foreword:
        s.blank()
        s.put(["Foreword"], book.bold)
        for paragraph in publication.foreword.split("\n"):
            s.sentence(paragraph)


def write_contents(book: Book) -> None:
    data = book.data
    s = Sheet(book, "Contents", [22, 68], landscape=False)
    s.put(["Contents"], book.title, height=20)
    s.blank()
    s.header(["Sheet", "What it shows"])
    names = list(profile_names(data).values())
    rows = [("Key findings", "The year in a few sentences, every figure as in the tables."),
            ("Commitments", "Per commitment, grouped by instrument: statuses, implementation rate, like-for-like change."),
            ("Economies", "Per economy: statuses, coverage, implementation rate, like-for-like change; no returns."),
            ("Matrix", "Each commitment's status in each economy, as a code."),
            ("Rates chart", "The implementation rate of each economy that returned, against the region-wide rate."),
            ("Statuses chart", "The statuses of each commitment across the economies that returned."),
            ("Trend", "Each economy's rate per year and the region-wide rate, with every break in the basis."),
            ("Trend chart", "The region-wide rate per year, drawn apart wherever the basis changed."),
            ("Overdue", "Each commitment past its deadline, with the economies where it is not implemented.")]
    if data.needs_and_offers.pairings:
        rows.append(("Needs and offers", "Per commitment, the capacity-building needs of the economies beside "
                                         "the offers of others, to be paired."))
    if names:
        rows.append((f"{names[0]} to {names[-1]}" if len(names) > 1 else names[0],
                     "One page per economy that returned: its figures, statuses and measures in brief."))
    rows += [(NO_RETURN, "The economies without a return, with their last one."),
             ("About", "Definitions of every figure, the status codes, the data and the tool.")]
    for name, what in rows:
        s.put([name, what])
    s.blank()
    s.sentence("Working sheets, in the workbook but not printed: Data (every entry, one row each, for analysis), "
               "Returns (forms and contact points), Changes (every status against the previous report) and "
               "Chart data (the figures the charts draw).", columns=2)


def write_findings(book: Book) -> None:
    s = Sheet(book, "Key findings", [PAGE], landscape=False)
    s.put([f"Key findings, {book.data.year}"], book.title, height=20)
    if book.data.illustrative:
        s.sentence(ILLUSTRATIVE_NOTE, book.notice)
    for finding in key_findings(book.data):
        s.blank()
        s.sentence(finding)
    s.blank()
    sheets = ("Commitments, Economies, Overdue and Needs and offers" if book.data.needs_and_offers.pairings
              else "Commitments, Economies and Overdue")
    s.sentence(f"Definitions: see About. Figures: {sheets}.", book.source)


def write_about(book: Book) -> None:
    data = book.data
    s = Sheet(book, "About", [26, 12, 55], landscape=False)
    s.put([f"About this report ({data.year})"], book.title, height=20)
    if data.illustrative:
        s.sentence(ILLUSTRATIVE_NOTE, book.notice, columns=3)
    for caption, value in (("Published by", data.publication.publisher or None), ("Produced with", f"tracker {__version__}"),
                           ("Catalogue", data.catalogue_version),
                           ("Data as of (latest change included)",
                            data.data_last_changed and Styled(data.data_last_changed.replace(microsecond=0), book.datetime_text))):
        s.put([caption, None, value])
    s.blank()
    s.header(["Figure", "", "Definition"])
    for figure, formula in (
        ("Implementation rate", RATE_FORMULA),
        ("Coverage", COVERAGE_FORMULA),
        ("Region-wide figures", REGION_FORMULA),
        ("Change since the previous year", BASIS_DEFINITION),
        ("Overdue", "An item whose deadline has passed by 31 December of the year and whose status is "
                    "neither Implemented nor Not applicable, in an economy that returned."),
        ("Status moves", "Each status of the year against the economy's most recent earlier report on that "
                         "commitment: up or down the scale from Not started to Implemented, to or from Not "
                         "applicable, unchanged, or reported for the first time."),
        (NO_RETURN, f"Nothing returned for {data.year}: no form, table or submitted online return of the economy "
                    "is in force, and the secretariat recorded none of its answers (answers saved online and not "
                    "submitted do not count). No rate is shown, and region-wide figures leave it out."),
    ):
        s.put([figure, None, formula])
    s.source("the definitions the tool computes every figure with.", 3)
    s.blank()
    s.header(["Status", "Matrix code", "Meaning"])
    for key, (label, meaning) in SCALE.items():
        s.put([label, STATUS_CODES[key], meaning])
    s.put([NOT_REPORTED, NOT_REPORTED_CODE, "No entry with a status for that economy, commitment and year; counts as "
                                            "not implemented."])
