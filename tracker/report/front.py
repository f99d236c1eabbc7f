"""The reader's way in and out: the summary and the About sheet."""

from __future__ import annotations

from tracker import __version__
from tracker.rates import COVERAGE_FORMULA, RATE_FORMULA, REGION_FORMULA, pooled
from tracker.report.book import (ILLUSTRATIVE_NOTE, NO_RETURN, NOT_REPORTED, NOT_REPORTED_CODE, STATUS_CODES, Book,
                                 Sheet, pct)
from tracker.status import SCALE

def write_summary(book: Book) -> None:
    data = book.data
    s = Sheet(book, "Summary", [52, 12, 14, 14], landscape=False)
    s.put([f"Progress report {data.year}"], book.title, height=20)
    if data.illustrative:
        s.sentence(ILLUSTRATIVE_NOTE, book.notice, columns=4)
    returning = data.returning()
    missing = [e for e in data.economies if not data.returned(e.id)]
    if not returning:
        s.sentence(f"No entries have been recorded for {data.year}: there is no return, so there is no rate to show.",
                   book.bold, columns=4)
    region, previous = data.region(), data.previous_year
    comparison = data.comparison
    rate_change = comparison.region.rate_change if comparison else None
    coverage_change = comparison.region.coverage_change if comparison else None
    since = (f" since {previous} (percentage points, {comparison.basis.describe()})" if comparison
             else " (no earlier year on record)")
    covered = f"{len(returning)} economies that returned"
    s.blank()
    s.put(["Year", data.year])
    s.put(["Economies covered", len(data.economies)])
    s.put(["Economies that returned", len(returning)])
    s.put(["Economies with no return", len(missing)])
    if missing:
        s.sentence(f"No return for {data.year} from: " + ", ".join(f"{e.name} ({e.code})" for e in missing) + ".",
                   columns=4)
    s.put(["Items that apply", len(data.items)])
    s.put([f"Implementation rate, region-wide ({covered})", pct(book, region.rate)], wrap=(0,))
    s.put([f"Coverage, region-wide ({covered})", pct(book, region.coverage)], wrap=(0,))
    s.put([f"Change in implementation rate{since}", pct(book, rate_change, True)], wrap=(0,))
    s.put([f"Change in coverage{since}", pct(book, coverage_change, True)], wrap=(0,))

    ranked = data.commitments_by_rate()
    for heading, chosen in (("Most implemented commitments", ranked[:3]), ("Least implemented commitments", ranked[::-1][:3])):
        s.blank()
        s.header([heading, "Ref", "Implementation rate", ""])
        for item, rate in chosen:
            s.put([data.texts[item.id], item.ref, pct(book, rate)], wrap=(0,))
    s.blank()
    s.header(["Commitments overdue in most economies", "Ref", "Deadline", "Economies overdue"])
    overdue = data.overdue_by_item()
    for item, count in overdue[:5]:
        s.put([data.texts[item.id], item.ref, item.deadline, count], wrap=(0,))
    if not overdue:
        s.sentence(f"Nothing is overdue at the end of {data.year}.")
    for heading, key in (("Instrument", lambda i: i.instrument.title), ("Category", lambda i: i.category)):
        s.blank()
        s.header([heading, "Items", "Implementation rate", "Coverage"])
        groups: dict[str, list] = {}
        for item in data.items:
            groups.setdefault(key(item), []).append(item)
        for name, members in groups.items():
            tally = pooled(data.item_tallies[i.id] for i in members)
            s.put([name, len(members), pct(book, tally.rate), pct(book, tally.coverage)], wrap=(0,))
    s.blank()
    s.put(["Definitions"], book.bold)
    for sentence in (RATE_FORMULA, COVERAGE_FORMULA, REGION_FORMULA,
                     f"An economy with no entry for {data.year} has no return: it is shown as \"No return\", "
                     "never as a rate of 0, and region-wide figures leave it out."):
        s.sentence(sentence, columns=4)

def write_about(book: Book) -> None:
    data = book.data
    s = Sheet(book, "About", [33, 16, 49], landscape=False)
    s.put([f"About this report ({data.year})"], book.title, height=20)
    if data.illustrative:
        s.sentence(ILLUSTRATIVE_NOTE, book.notice, columns=3)
    s.put(["Produced by", f"tracker {__version__}"])
    s.put(["Catalogue", data.catalogue_version])
    s.put(["Data as of (latest change included)", data.data_last_changed])
    s.blank()
    s.header(["Status", "Matrix code", "Meaning"])
    for key, (lab, meaning) in SCALE.items():
        s.put([lab, STATUS_CODES[key], meaning], wrap=(2,))
    s.put([NOT_REPORTED, NOT_REPORTED_CODE, "No entry with a status for that economy, item and year; counts as not implemented."], wrap=(2,))
    s.put([NO_RETURN, "", "No entry at all for the economy in the year: no rate is shown, and region-wide figures leave it out."], wrap=(2,))
    s.blank()
    s.header(["Figure", "", "Formula"])
    for figure, formula in (
        ("Implementation rate", RATE_FORMULA),
        ("Coverage", COVERAGE_FORMULA),
        ("Region-wide figures", REGION_FORMULA + " Only economies that returned for the year count."),
        ("Overdue", "An item whose deadline has passed by 31 December of the year and whose status is "
                    "neither Implemented nor Not applicable."),
        ("Changes", "Every entry of the year against the economy's most recent earlier report on that item: "
                    "new and changed entries are listed, unchanged ones (carried forward) counted."),
    ):
        s.put([figure, None, formula], wrap=(2,))
