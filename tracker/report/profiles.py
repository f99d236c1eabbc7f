"""One page per economy that returned: its figures beside the region's, each commitment's status,
how it moved since the previous report, and the measures in brief. No contact point: the
published report names no person (the working Returns sheet has them)."""

from __future__ import annotations

from tracker.models import Economy
from tracker.report.book import NOT_REPORTED, Book, Sheet, Styled, brief, pct, short_label
from tracker.report.findings import movement
from tracker.status import LABELS

WIDTHS = [10, 36, 22, 34, 48]
MOVES = {"new": "First report", "unchanged": "Unchanged", "up": "Up from {}", "down": "Down from {}",
         "other": "Changed from {}"}


def _moved(previous: tuple[int, str] | None, status: str | None) -> str | None:
    if status is None:
        return None
    if previous is None:
        return MOVES["new"]
    kind = movement(previous[1], status)
    return MOVES[kind].format(f"{LABELS[previous[1]]} ({previous[0]})")


def write_profile(book: Book, economy: Economy, name: str) -> None:
    data, comparison = book.data, book.data.comparison
    s = Sheet(book, name, WIDTHS, header=f"{economy.name} ({economy.code})")
    s.ws.fit_to_pages(1, 1)
    s.put([f"{economy.name} ({economy.code})"], book.title, height=20)
    tally, region = data.tally(economy.id), data.region()
    change = comparison.economy(economy.id) if comparison else None
    since = (f"Change since {comparison.basis.previous}, like for like" if comparison else "Change since the previous year")
    note = (None if change else f"no return for {data.previous_year}" if data.previous_year else "no earlier year")
    s.put([None, "Implementation rate", pct(book, tally.rate), "Region-wide rate", pct(book, region.rate)])
    s.put([None, "Coverage", pct(book, tally.coverage), since,
           pct(book, change.rate_change, True) if change else Styled(note, book.no_return)])
    s.blank()
    s.table(["Ref", "Commitment", f"Status {data.year}", "Since the previous report", "Measures undertaken, in brief"], 2)
    empty = (None,) * 7
    for item in data.items:
        status, measures, *_ = data.entries.get((economy.id, item.id), empty)
        s.put([item.ref, short_label(item, data.texts[item.id], WIDTHS[1]), LABELS.get(status, NOT_REPORTED),
               _moved(data.previous.get((economy.id, item.id)), status), brief(measures, WIDTHS[4])])
    s.source(f"{_possessive(economy.name)} return for {data.year}; the Data sheet holds every field in full. "
             f"Region-wide: pooled over the {len(data.returning())} economies that returned.", 5)


def _possessive(name: str) -> str:
    """"Japan's", "the Philippines'", "United States'": an economy's name owning something, in the
    middle of a sentence."""
    if name.startswith("The "):
        name = "the " + name[4:]
    return name + ("'" if name.endswith("s") else "'s")
