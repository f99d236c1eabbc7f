"""The working sheets: every entry (Data), the returns and contact points, the changes."""

from __future__ import annotations

from xlsxwriter.utility import quote_sheetname, xl_col_to_name

from tracker.report.book import (DATA_COLUMNS, LINE_HEIGHT, NO_RETURN, Book, Sheet, Styled, contact_name, pct,
                                 status_label)
from tracker.status import LABELS
from tracker.workbook.typesetting import RISKY_LEADING, text_lines

CHANGE_WORDS = {"new": "New this year", "changed": "Changed"}


def write_changes(book: Book) -> None:
    """The entries that are new this year or whose status changed: what the reader looks for.
    Those carried forward unchanged are counted in the title, not listed (the Data sheet has them)."""
    data = book.data
    every = data.change_rows()
    rows = [row for row in every if row.kind != "unchanged"]
    unchanged = len(every) - len(rows)
    s = Sheet(book, "Changes", [8, 24, 9, 26, 22, 10, 22])
    header = s.table(["Economy code", "Economy", "Ref", f"Compared with the previous report ({unchanged} unchanged, "
                      "not listed)", "Previous status", "Previous year", f"Status {data.year}"], 3)
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
    s = Sheet(book, "Returns", [8, 17, 11, 6.5, 6.5, 16, 6.5, 6.5, 8, 6.5, 24, 26])
    s.table(["Economy code", "Economy", f"Return for {data.year}", "Forms issued", "Forms returned", "Last form imported",
             "Items answered", "Items that apply", "Complete", "Last return", "Contact point", "E-mail"], 2,
            vertical=(3, 4, 6, 7, 8, 9))
    for economy in data.economies:
        record = data.returns.get(economy.id)
        tally = data.tally(economy.id)
        contact = data.contacts.get(economy.id)
        returned = data.returned(economy.id)
        last = data.last_return(economy.id)
        s.put([economy.code, economy.name, "Returned" if returned else Styled(NO_RETURN, book.no_return),
               record.forms_issued if record else 0, record.forms_returned if record else 0,
               record.last_returned if record else None, tally.reported, len(data.items),
               pct(book, tally.coverage) if returned else None, None if returned or not last else last[0],
               contact_name(contact, data.year), contact.email if contact else None], wrap=(1, 10, 11))
    s.blank()
    s.sentence("Forms issued and returned count the signed forms written and imported for the year; items answered "
               "are the entries with a status, however they came in.", columns=8)


def write_data(book: Book) -> None:
    """The tidy table, header in row 1, so any program reads it straight (a filter and a name on it).

    The largest sheet (economies x items rows), so its loop is written out rather than going
    through ``Sheet.put``: what depends only on the economy or the item (its formats, how many
    lines its text takes) is worked out once, not once a row.
    """
    data = book.data
    # Status fits "Partially implemented" on one line (at 10, LibreOffice broke "Implemented" mid-word);
    # instrument and category, on every row, wrap into fewer lines (Instrument at 17, not 14: an economy's
    # 26 rows take 94 lines, not 106); the page still prints at about 8 pt.
    s = Sheet(book, "Data", [9.5, 10, 8.5, 17, 11, 5.5, 19, 13, 10.7, 11.85, 11.85, 10.7, 16])
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
