"""The working sheets, kept in the workbook but not printed: every entry (Data), the returns and
contact points (the only place a person is named), the changes, and the figures the charts draw."""

from __future__ import annotations

from datetime import datetime

from xlsxwriter.utility import quote_sheetname, xl_col_to_name

from tracker.report.book import DATA_COLUMNS, Book, Sheet, Styled, contact_name, pct, status_label
from tracker.returns import NO_RETURN
from tracker.status import LABELS
from tracker.models import NARRATIVE_FIELDS
from tracker.workbook.typesetting import RISKY_LEADING

CHANGE_WORDS = {"new": "New this year", "changed": "Changed"}


def write_changes(book: Book) -> None:
    """The entries that are new this year or whose status changed: what the reader looks for.
    Those carried forward unchanged are counted in the title, not listed (the Data sheet has them)."""
    data = book.data
    every = data.change_rows()
    rows = [row for row in every if row.kind != "unchanged"]
    unchanged = len(every) - len(rows)
    s = Sheet(book, "Changes", [8, 24, 9, 26, 22, 10, 22], printed=False)
    header = s.table(["Economy code", "Economy", "Ref", f"Compared with the previous report ({unchanged} unchanged, "
                      "not listed)", "Previous status", "Previous year", f"Status {data.year}"], 3, centred=(5,))
    for row in rows:
        s.put([row.economy.code, row.economy.name, row.item.ref, CHANGE_WORDS[row.kind], status_label(row.previous_status),
               Styled(row.previous_year, book.centre) if row.previous_year else None, status_label(row.status)])
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


def write_returns(book: Book) -> None:
    data = book.data
    s = Sheet(book, "Returns", [8, 17, 11, 18, 9, 9, 16, 9, 9, 10, 9, 24, 26, 16], printed=False)
    s.table(["Economy code", "Economy", f"Return for {data.year}", "Review", "Forms issued", "Forms returned",
             "Last form imported", "Items answered", "Items that apply", "Complete", "Last return", "Contact point",
             "E-mail", "Phone"], 2, (4, 5, 6, 7, 8, 9, 10))
    for economy in data.economies:
        record = data.returns.get(economy.id)
        tally = data.tally(economy.id)
        contact = data.contacts.get(economy.id)
        returned = data.returned(economy.id)
        last = data.last_return(economy.id)
        s.put([economy.code, economy.name, "Returned" if returned else Styled(NO_RETURN, book.no_return),
               record.review.capitalize() if record and record.review else None, record.forms_issued if record else 0, record.forms_returned if record else 0,
               record.last_returned if record else None, tally.reported, len(data.items),
               pct(book, tally.coverage) if returned else None, None if returned or not last else last[0],
               contact_name(contact, data.year), contact.email if contact else None, contact.phone if contact else None])
    s.blank()
    s.sentence("Forms issued and returned count the signed forms written and imported for the year; items answered "
               "are the entries with a status, however they came in. Review: received until the secretariat accepts "
               "the return or asks for changes; received again when the economy returns it again.", columns=8)


def write_data(book: Book) -> None:
    """The tidy table, header in row 1, so any program reads it straight (a filter and a name on it):
    one row per economy and commitment, each column of one type as ``pandas.read_excel`` reads it
    with default options (text as text, dates as dates, blanks empty).

    The largest sheet (economies x items rows) and not printed, so its rows are plain (no heights,
    no wrapping) and its loop is written out: what depends only on the economy or the item is
    worked out once, not once a row.
    """
    data = book.data
    s = Sheet(book, "Data", [9.5, 18, 9, 8.5, 24, 18, 40, 11, 6, 19, 30, 30, 12, 30, 30, 24, 16], printed=False)
    s.table(DATA_COLUMNS, 1, (7, 8, DATA_COLUMNS.index("Last updated")))
    write = s.ws.write_cells
    quoted, moment, day = book.quoted, book.datetime, book.date

    def fmt(value):
        return quoted if value and value.startswith(RISKY_LEADING) else None

    items = [(item_id, ref, fmt(ref), instrument, fmt(instrument), category, fmt(category), text, fmt(text),
              datetime(deadline.year, deadline.month, deadline.day) if deadline else None)
             for (item_id, ref, text, instrument, category), deadline in zip(data.item_fields, (i.deadline for i in data.items))]
    entries, empty, year = data.entries, (None,) * (len(NARRATIVE_FIELDS) + 2), data.year
    row = 1
    for economy in data.economies:
        economy_id, code, name = economy.id, economy.code, economy.name
        code_format, name_format = fmt(code), fmt(name)
        returned = "Yes" if data.returned(economy_id) else "No"
        for item_id, ref, ref_format, instrument, instrument_format, category, category_format, text, text_format, deadline in items:
            status, *narrative, updated = entries.get((economy_id, item_id), empty)
            write(row, [code, name, returned, ref, instrument, category, text, deadline, year,
                        LABELS[status] if status else None, *[value or None for value in narrative],
                        updated.replace(microsecond=0) if updated else None],
                  [code_format, name_format, None, ref_format, instrument_format, category_format, text_format,
                   day if deadline else None, None, None,
                   *[quoted if value and value.startswith(RISKY_LEADING) else None for value in narrative], moment])
            row += 1
    last = row - 1
    s.ws.autofilter(0, 0, last, len(DATA_COLUMNS) - 1)
    book.wb.define_name("ProgressData", f"={quote_sheetname('Data')}!$A$1:${xl_col_to_name(len(DATA_COLUMNS) - 1)}${last + 1}")
