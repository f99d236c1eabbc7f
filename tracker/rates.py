"""Implementation rate and coverage: the figures every summary and report shows.

One place computes them, from status counts gathered in one query per year, so the
``summary`` command and every sheet of the report agree to the last digit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker.catalogue import instrument_names, items_for
from tracker.economies import member_in
from tracker.models import Economy, Entry, Item
from tracker.returns import returned_economies
from tracker.status import STATUS_KEYS

RATE_FORMULA = (
    "Implementation rate = (implemented + ½ × partially implemented) ÷ (items that apply that year "
    "− items the economy marks not applicable); an item not reported counts as not implemented."
)
COVERAGE_FORMULA = "Coverage = items with a reported status ÷ items that apply that year."
REGION_FORMULA = (
    "Region-wide figures add the same counts over the economies that returned for the year (a form, "
    "a table's rows or an online return submitted, or answers the secretariat recorded; an economy "
    "with none has no return and is left out) before dividing (a pooled rate, not an average of rates)."
)


@dataclass
class Tally:
    """Status counts over a set of (economy, item) pairs that apply."""

    applicable: int
    counts: Counter = field(default_factory=Counter)

    @property
    def reported(self) -> int:
        return sum(self.counts[key] for key in STATUS_KEYS)

    @property
    def not_reported(self) -> int:
        return self.applicable - self.reported

    @property
    def coverage(self) -> float | None:
        return self.reported / self.applicable if self.applicable else None

    @property
    def rate(self) -> float | None:
        denominator = self.applicable - self.counts["not_applicable"]
        if denominator <= 0:
            return None
        return (self.counts["implemented"] + 0.5 * self.counts["partial"]) / denominator

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.applicable + other.applicable, self.counts + other.counts)


def pooled(tallies) -> Tally:
    return sum(tallies, Tally(0))


def economies_for(session: Session, year: int) -> list[Economy]:
    """The economies a year's figures cover, the one place that decides who is counted: the
    members that year (``economies.member_in``) that are active or reported that year."""
    reported = select(Entry.economy_id).where(Entry.year == year)
    return list(
        session.scalars(
            select(Economy).where(member_in(year), or_(Economy.active.is_(True), Economy.id.in_(reported)))
            .order_by(Economy.code)
        )
    )


def status_counts(session: Session, by, year: int | None = None) -> dict[tuple[int, int], Counter]:
    """Count the statuses of entries on items that apply in the entry's year, grouped by year and
    ``by`` (``Entry.economy_id`` or ``Entry.item_id``); one year only when ``year`` is given."""
    query = (
        select(Entry.year, by, Entry.status, func.count())
        .join(Item, Item.id == Entry.item_id)
        .where(
            Entry.status.is_not(None),
            Item.first_year <= Entry.year,
            or_(Item.retired_year.is_(None), Entry.year < Item.retired_year),
        )
        .group_by(Entry.year, by, Entry.status)
    )
    if year is not None:
        query = query.where(Entry.year == year)
    counts: dict[tuple[int, int], Counter] = {}
    for entry_year, key, status, number in session.execute(query):
        counts.setdefault((entry_year, key), Counter())[status] = number
    return counts


def economy_tallies(session: Session, year: int, economies: list[Economy], items_applying: int) -> dict[int, Tally]:
    counts = status_counts(session, Entry.economy_id, year)
    return {e.id: Tally(items_applying, counts.get((year, e.id), Counter())) for e in economies}


def summary(session: Session, year: int) -> dict:
    """One row per economy for ``year`` (counts, coverage, rate) and the region-wide figures, whose
    ``reported`` of ``applicable`` are counted over the economies that returned, as its coverage is."""
    applying = len(items_for(session, year))
    economies = economies_for(session, year)
    tallies = economy_tallies(session, year, economies, applying)
    returned = returned_economies(session, year)
    rows = [
        {
            "code": economy.code,
            "name": economy.name,
            "returned": economy.id in returned,
            "applicable": applying,
            "reported": tallies[economy.id].reported,
            "not_reported": tallies[economy.id].not_reported,
            # No return is not a coverage or a rate of 0: the report shows "No return", and so does this.
            "coverage": tallies[economy.id].coverage if economy.id in returned else None,
            "implementation_rate": tallies[economy.id].rate if economy.id in returned else None,
        }
        | {key: tallies[economy.id].counts[key] for key in STATUS_KEYS}
        for economy in economies
    ]
    region = pooled(tally for economy_id, tally in tallies.items() if economy_id in returned)
    return {
        "year": year,
        "items_applying": applying,
        "economies": rows,
        "region": {"coverage": region.coverage, "implementation_rate": region.rate, "reported": region.reported,
                   "applicable": region.applicable, "economies_returned": sum(1 for row in rows if row["returned"]),
                   "economies": len(rows)},
    }


def instrument_rates(session: Session, year: int) -> list[dict]:
    """Per instrument, in catalogue order: its name (``catalogue.instrument_names``), items that
    apply in ``year``, the pooled implementation rate and coverage over the economies that
    returned (the headings of the report's Commitments sheet show the same)."""
    items = items_for(session, year)
    returned = len(returned_economies(session, year) & {economy.id for economy in economies_for(session, year)})
    counts = status_counts(session, Entry.item_id, year)
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.instrument.code, []).append(item)
    names = instrument_names({item.instrument for item in items})
    rows = []
    for code, members in groups.items():
        tally = pooled(Tally(returned, counts.get((year, item.id), Counter())) for item in members)
        rows.append({"code": code, "instrument": names[code], "items": len(members),
                     "implementation_rate": tally.rate, "coverage": tally.coverage})
    return rows
