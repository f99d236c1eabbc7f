"""The report's printed tables: commitments by instrument, economies, the matrix, the trend with
its breaks, the overdue commitments, the needs beside the offers, and the economies without a return."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.catalogue import instrument_names
from tracker.models import Economy
from tracker.needs import STATE_WORDS
from tracker.percentages import points_text
from tracker.rates import pooled
from tracker.report.book import NOT_REPORTED, Book, Sheet, Styled, pct, short_label, status_label
from tracker.returns import NO_RETURN
from tracker.status import LABELS, NOT_REPORTED_CODE, STATUS_CODES, STATUS_KEYS

if TYPE_CHECKING:
    from tracker.report.data import ReportData

COUNT_TITLES = [*LABELS.values(), NOT_REPORTED]
COUNT_WIDTH = 8


def change_title(data: ReportData) -> str:
    return f"Change since {data.previous_year}" if data.comparison else "Change since the previous year"


def _returned_phrase(data: ReportData) -> str:
    n = len(data.returning())
    return f"the {n} {'economy' if n == 1 else 'economies'} that returned for {data.year}"


def write_commitments(book: Book) -> None:
    """Commitments grouped by instrument, each group led by its pooled figures."""
    data, comparison = book.data, book.data.comparison
    s = Sheet(book, "Commitments", [10, 34, 10, *[COUNT_WIDTH] * 7, 12, 11], paginated=True)
    numbers = range(2, 12)
    s.table(["Ref", "Commitment", "Deadline", *COUNT_TITLES, "Implementation rate", change_title(data)], 2, numbers)
    added = {item.id for item in comparison.basis.added} if comparison else set()
    groups: dict[str, list] = {}
    for item in data.items:
        groups.setdefault(item.instrument.code, []).append(item)
    names = instrument_names(members[0].instrument for members in groups.values())
    for code, members in groups.items():
        tally = pooled(data.item_tallies[i.id] for i in members)
        change = comparison.items(members) if comparison else None
        s.put([None, Styled(names[code], book.group), *[Styled(None, book.group_blank)] * 8,
               pct(book, tally.rate, fmt=book.group_percent),
               pct(book, change and change.rate_change, True, book.group_change)], keep_with_next=True)
        for item in members:
            tally = data.item_tallies[item.id]
            change = comparison.by_item.get(item.id) if comparison else None
            text = data.texts[item.id] + (f" (new in {data.year})" if item.id in added else
                                          f" (reworded in {data.year})" if item.id in data.reworded else "")
            s.put([item.ref, text, item.deadline, *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported,
                   pct(book, tally.rate), pct(book, change.rate_change if change else None, True)])
    notes = [f"counts over {_returned_phrase(data)}."]
    if comparison:
        notes.append(f"Change: {comparison.basis.describe()}.")
    if comparison and comparison.added_sentence():
        notes.append(comparison.added_sentence() + "; no change is shown for them.")
    if data.reworded_sentence():
        notes.append(data.reworded_sentence() + ".")
    s.source(" ".join(notes) + " Definitions: About.", 8)
    s.paginate()


def economy_order(data: ReportData) -> list[Economy]:
    """The economies that returned, highest rate first, then those without a return."""
    def order(economy):
        rate = data.rate(economy.id)
        return (rate is None, -(rate or 0), economy.code)

    return sorted(data.economies, key=order)


def write_economies(book: Book) -> None:
    """One row per economy; the rate and the return are separate columns, so the rate column holds
    only numbers."""
    data, comparison = book.data, book.data.comparison
    s = Sheet(book, "Economies", [8, 18, *[COUNT_WIDTH] * 7, 9, 12, 11, 12, 9])
    s.table(["Economy code", "Economy", *COUNT_TITLES, "Coverage", "Implementation rate", change_title(data),
             f"Return for {data.year}", "Last return"], 2, (*range(2, 12), 13))
    for economy in economy_order(data):
        tally = data.tally(economy.id)
        if data.returned(economy.id):
            change = comparison.economy(economy.id) if comparison else None
            s.put([economy.code, economy.name, *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported,
                   pct(book, tally.coverage), pct(book, tally.rate), pct(book, change and change.rate_change, True),
                   "Returned", None])
        else:
            last = data.last_return(economy.id)
            s.put([economy.code, economy.name, *[None] * 10, Styled(NO_RETURN, book.no_return),
                   last[0] if last else None])
    region = data.region()
    s.put([None, Styled(f"Region-wide ({len(data.returning())} returned)", book.group),
           *(Styled(region.counts[k], book.group_blank) for k in STATUS_KEYS), Styled(region.not_reported, book.group_blank),
           pct(book, region.coverage, fmt=book.group_percent), pct(book, region.rate, fmt=book.group_percent),
           pct(book, comparison and comparison.region.rate_change, True, book.group_change),
           Styled(None, book.group_blank), Styled(None, book.group_blank)])
    basis = f" Change: {comparison.basis.describe()}." if comparison else ""
    s.source(f"counts over the {len(data.items)} commitments that apply in {data.year}; region-wide figures pooled "
             f"over {_returned_phrase(data)}.{basis} Economies without a return: see {NO_RETURN}.", 9)


def write_matrix(book: Book) -> None:
    """Commitments down, economy codes across: each cell a status code on its colour."""
    data = book.data
    economies = data.economies
    s = Sheet(book, "Matrix", [10, 32, *[4.5] * len(economies)])
    s.table(["Ref", "Commitment", *(e.code for e in economies)], 2, centred=range(2, 2 + len(economies)))
    entries = data.entries
    for item in data.items:
        cells = [item.ref, short_label(item, data.texts[item.id])]
        for economy in economies:
            status = entries.get((economy.id, item.id), (None,))[0]
            cells.append(Styled(STATUS_CODES[status] if status else NOT_REPORTED_CODE, book.status[status]))
        s.put(cells)
    legend = ", ".join(f"{STATUS_CODES[key]} {label}" for key, label in LABELS.items())
    s.source(f"entries for {data.year}. Codes: {legend}, {NOT_REPORTED_CODE} {NOT_REPORTED} (or no return).",
             2 + len(economies))


def break_sentences(data: ReportData) -> list[str]:
    """Per year whose basis differs from the year before, why: the region-wide rates of the two
    years are then not comparable, and the Trend chart draws them apart."""
    sentences = []
    for year, basis in data.trend_bases.items():
        if basis.changed:
            sentences.append(f"Break between {basis.previous} and {year}: " + "; ".join(basis.reasons()) + ".")
    return sentences


def write_trend(book: Book) -> None:
    data = book.data
    years = data.trend_years
    s = Sheet(book, "Trend", [8, 26, *[9] * len(years)], landscape=len(years) > 8)
    s.table(["Economy code", "Economy", *(str(y) for y in years)], 2, range(2, 2 + len(years)))
    for economy in data.economies:
        s.put([economy.code, economy.name, *(pct(book, data.rate(economy.id, y)) for y in years)])
    s.put([None, Styled("Region-wide", book.group),
           *(pct(book, data.region(y).rate, fmt=book.group_percent) for y in years)])
    s.put([None, "Economies that returned", *(len(data.returning(y)) for y in years)])
    s.put([None, "Commitments that apply", *(data.trend[(y, data.economies[0].id)].applicable if data.economies else None
                                            for y in years)])
    notes = break_sentences(data)
    if data.comparison:
        notes.append(f"Compared with {data.comparison.basis.previous}, the region-wide change is "
                     f"{points_text(data.comparison.region.rate_change)} ({data.comparison.basis.describe()}).")
    s.source("a blank cell is a year without a return. Region-wide: pooled over the economies that returned that "
             "year, so where the basis changed the two years' region-wide rates are not comparable. "
             + " ".join(notes), 2 + len(years))


def write_overdue(book: Book) -> None:
    """Each overdue commitment once, with the economies (that returned) where it is not implemented."""
    data = book.data
    s = Sheet(book, "Overdue", [10, 34, 11, 17, 67])
    s.table(["Ref", "Commitment", "Deadline", "Overdue by", f"Economies, with their status in {data.year}"], 2, (2,))
    by_item: dict[int, list] = {}
    for economy, item, status, _days, months in data.overdue_rows():
        by_item.setdefault(item.id, [item, months, []])[2].append(f"{economy.code} ({status_label(status) or NOT_REPORTED})")
    for item, count in data.overdue_by_item():
        _, months, economies = by_item[item.id]
        s.put([item.ref, short_label(item, data.texts[item.id], 34), item.deadline,
               f"{months // 12} years {months % 12} months", f"{len(economies)}: " + ", ".join(economies)])
    if not by_item:
        s.sentence(f"Nothing is overdue at the end of {data.year}.", columns=4)
    s.source(f"deadlines in the catalogue; statuses of {_returned_phrase(data)}, at 31 December {data.year}. "
             f"Economies without a return are not listed: see {NO_RETURN}.", 5)


def write_needs_and_offers(book: Book) -> None:
    """Printed only when an economy that returned wrote a need or an offer: per commitment, who
    needs what beside who offers what (``tracker needs``), for the secretariat to pair."""
    data = book.data
    matching = data.needs_and_offers
    if not matching.pairings:
        return
    s = Sheet(book, "Needs and offers", [10, 36, 16, 42, 42])
    s.table(["Ref", "Commitment", "Matching", "Needs (economy: what it needs)", "Offers (economy: what it offers)"], 2)
    for pairing in matching.pairings:
        s.put([pairing.ref, pairing.commitment, STATE_WORDS[pairing.state],
               "\n".join(f"{said.code}: {said.text}" for said in pairing.needs) or None,
               "\n".join(f"{said.code}: {said.text}" for said in pairing.offers) or None])
    unread = (f" Not counted, no return for {data.year}: {', '.join(matching.without_return)}."
              if matching.without_return else "")
    s.source(f"the returns of {data.year}, as written by each economy. {matching.sentence()}{unread}", 5)


def write_no_return(book: Book) -> None:
    data = book.data
    s = Sheet(book, NO_RETURN, [10, 30, 12, 16], landscape=False)
    s.table(["Economy code", "Economy", "Last return", "Rate at the last return"], 2, (2, 3))
    missing = [e for e in data.economies if not data.returned(e.id)]
    for economy in missing:
        last = data.last_return(economy.id)
        s.put([economy.code, economy.name, last[0] if last else None, pct(book, last[1]) if last else None])
    if not missing:
        s.sentence(f"Every economy returned for {data.year}.", columns=4)
    s.source(f"no entry was recorded for these economies for {data.year}; they are left out of every figure of "
             "the year.", 4)
