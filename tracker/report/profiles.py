"""One sheet per economy: its figures beside the region's, its contact point, its entries."""

from __future__ import annotations

from itertools import zip_longest

from tracker.models import Economy
from tracker.report.book import NO_RETURN, NOT_REPORTED, Book, Sheet, Styled, contact_name, pct
from tracker.status import LABELS

#: Ref is wide enough for the header block's captions beside their values; Commitment wraps in few lines.
ECONOMY_SHEET_WIDTHS = [12, 36, 16, 22, 20, 10, 15, 15]


def _economy_figures(book: Book, economy: Economy) -> list[tuple]:
    """The economy's return and its own figures, each beside the region-wide one a reader compares
    it with: (caption, value, note) for the header block, "No return" where it has no rate."""
    data, previous = book.data, book.data.previous_year
    returning, last = len(data.returning()), data.last_return(economy.id)
    no_return = Styled(NO_RETURN, book.no_return)
    rows: list[tuple] = [(f"Return for {data.year}", "Yes", None) if data.returned(economy.id) else
                         (f"Return for {data.year}", no_return, f"last return {last[0]}" if last else None),
                         ("Last updated", data.last_updated.get(economy.id), None)]
    if data.returned(economy.id):
        tally = data.tally(economy.id)
        rows += [("Implementation rate", pct(book, tally.rate), None), ("Coverage", pct(book, tally.coverage), None)]
        if previous:
            change = data.comparison.economy(economy.id)
            rows.append((f"Change since {previous}", pct(book, change.rate_change if change else None, True),
                         "like for like" if change else f"no return for {previous}"))
    else:
        rows += [("Implementation rate", no_return, None), ("Coverage", no_return, None)]
        if last:
            rows.append(("Rate at the last return", pct(book, last[1]), f"in {last[0]}"))
    over = (f"over the {returning} {'economy' if returning == 1 else 'economies'} that returned" if returning
            else f"no economy returned for {data.year}")
    rows.append(("Region-wide rate", pct(book, data.region().rate), over))
    return [(caption, value, Styled(note, book.indented) if note else None) for caption, value, note in rows]


def write_economy_sheet(book: Book, economy: Economy, name: str) -> None:
    data = book.data
    s = Sheet(book, name, ECONOMY_SHEET_WIDTHS, subject=f"{economy.name} ({economy.code})")
    s.put([f"{economy.name} ({economy.code}): progress report {data.year}"], book.title, height=20)
    contact = data.contacts.get(economy.id)
    details = [(caption, getattr(contact, field_name) if contact else None) for caption, field_name in
               (("Title", "title"), ("E-mail", "email"), ("Phone", "phone"))]
    details.insert(0, ("Contact point", contact_name(contact, data.year)))
    for left, right in zip_longest(details, _economy_figures(book, economy), fillvalue=(None, None)):
        s.put([*left, None, *right], wrap=(1, 3))  # contact point on the left, figures on the right
    s.table(["Ref", "Commitment", "Status", "Measures undertaken", "Further measures planned",
             "Timeframe", "Capacity-building needs", "Evidence"], 2)
    economy_id, empty = economy.id, (None,) * 7
    wrap = (1, 2, 3, 4, 5, 6, 7)
    for item_id, ref, text, _, _ in data.item_fields:
        status, *narrative, _ = data.entries.get((economy_id, item_id), empty)
        s.put([ref, text, LABELS.get(status, NOT_REPORTED), *narrative], wrap=wrap)
