"""Like-for-like change: the one definition of "change since the previous year".

A rate compared across two years means something only when it is measured over the same things
in both: the commitments that applied in both years and the economies that returned in both.
Otherwise a commitment added this year (on which little is done yet) reads as a fall, and an
economy that returned only one of the two years reads as progress or decline. So every change
the tool shows (per economy, commitment, instrument and region-wide; in the report, ``tracker
summary`` and the browser) comes from ``Comparison``, and the commitments new this year are
reported apart, with their own rate.

The counts come from the database (``compare``, ``counts_in_database``) or from entries already
in memory (``counts_of_entries``, for a report as of a past moment); both feed the same
``Comparison``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker.catalogue import items_for
from tracker.percentages import percent_text
from tracker.models import Economy, Entry, Item
from tracker.returns import returned_economies
from tracker.rates import Tally, economies_for, pooled, status_counts
from tracker.rates import summary as rates_summary

BASIS_DEFINITION = (
    "Change since the previous year (like for like) = the rate this year minus the rate the previous year, "
    "both measured over the commitments that applied in both years and the economies that returned in both, "
    "in percentage points; commitments new this year are reported apart. It is worked out from the unrounded "
    "rates, so it can differ by 0.1 pp from the difference of the two rates as shown."
)


def applies_in_both(item: Item, previous: int, year: int) -> bool:
    """Items apply over one span of years, so an item that applies in both years applies in every
    year between."""
    return item.applies_in(previous) and item.applies_in(year)


@dataclass(frozen=True)
class Basis:
    """What a change from ``previous`` to ``year`` is measured over, and what was left out and why."""

    year: int
    previous: int
    items: tuple[Item, ...]  # applied in both years
    added: tuple[Item, ...]  # apply this year, not the previous one
    retired: tuple[Item, ...]  # applied the previous year, not this one
    economies: frozenset[int]  # returned in both years
    returned_now_only: frozenset[int]
    returned_then_only: frozenset[int]
    codes: tuple[tuple[int, str], ...] = ()  # (id, code) of the economies, to name those left out

    @property
    def changed(self) -> bool:
        """Whether the basis differs from everything that applied or returned in either year."""
        return bool(self.added or self.retired or self.returned_now_only or self.returned_then_only)

    def reasons(self) -> list[str]:
        """Why the two years are not wholly comparable, in words (empty when they are)."""
        reasons = []
        for items, verb in ((self.added, f"added in {self.year}"), (self.retired, f"retired after {self.previous}")):
            if items:
                reasons.append(f"{_count(len(items), 'commitment')} {verb} ({', '.join(i.ref for i in items)})")
        for economies, words in ((self.returned_now_only, f"returned in {self.year} but not in {self.previous}"),
                                 (self.returned_then_only, f"returned in {self.previous} but not in {self.year}")):
            if economies:
                named = sorted(code for economy_id, code in self.codes if economy_id in economies)
                reasons.append(f"{_count(len(economies), 'economy', 'economies')} {words}"
                               + (f" ({', '.join(named)})" if named else ""))
        return reasons

    def describe(self) -> str:
        """The basis in one phrase, as every change is labelled with it."""
        return (f"like for like: the {_count(len(self.items), 'commitment')} that applied in both {self.previous} and "
                f"{self.year}, over the {_count(len(self.economies), 'economy', 'economies')} that returned in both")


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def basis_for(items: list[Item], year: int, previous: int, returned_now: set[int], returned_then: set[int],
              codes: Mapping[int, str]) -> Basis:
    """The basis of the change from ``previous`` to ``year``, given every item of the catalogue, the
    economies that returned in each year, and the economies' codes by id (to name those left out)."""
    return Basis(
        year=year, previous=previous,
        items=tuple(i for i in items if applies_in_both(i, previous, year)),
        added=tuple(i for i in items if i.applies_in(year) and not i.applies_in(previous)),
        retired=tuple(i for i in items if i.applies_in(previous) and not i.applies_in(year)),
        economies=frozenset(returned_now & returned_then),
        returned_now_only=frozenset(returned_now - returned_then),
        returned_then_only=frozenset(returned_then - returned_now),
        codes=tuple(sorted((i, codes[i]) for i in returned_now ^ returned_then if i in codes)),
    )


@dataclass(frozen=True)
class Change:
    """The same tally in two years; ``rate_change`` is the difference of the rates (None when either
    has no rate)."""

    now: Tally
    then: Tally

    @property
    def rate_change(self) -> float | None:
        if self.now.rate is None or self.then.rate is None:
            return None
        return self.now.rate - self.then.rate

    @property
    def coverage_change(self) -> float | None:
        if self.now.coverage is None or self.then.coverage is None:
            return None
        return self.now.coverage - self.then.coverage


@dataclass
class Comparison:
    """Like-for-like change per economy (of the basis), per commitment (of the basis) and region-wide;
    ``added`` is the tally of the commitments new this year, over the economies that returned this year."""

    basis: Basis
    by_economy: dict[int, Change]
    by_item: dict[int, Change]
    added: Tally
    region: Change = field(init=False)

    def __post_init__(self):
        self.region = Change(pooled(c.now for c in self.by_economy.values()),
                             pooled(c.then for c in self.by_economy.values()))

    def economy(self, economy_id: int) -> Change | None:
        return self.by_economy.get(economy_id)

    def items(self, items) -> Change | None:
        """Pooled over those of ``items`` in the basis (an instrument, a category); None if none is."""
        changes = [self.by_item[i.id] for i in items if i.id in self.by_item]
        if not changes:
            return None
        return Change(pooled(c.now for c in changes), pooled(c.then for c in changes))

    def added_sentence(self) -> str | None:
        """"6 commitments new in 2008: 23.5% implemented", or None when no commitment is new."""
        if not self.basis.added:
            return None
        return (f"{_count(len(self.basis.added), 'commitment')} new in {self.basis.year}: "
                f"{percent_text(self.added.rate)} implemented")


def comparison_of(basis: Basis, economy_counts: dict, item_counts: dict, added: Tally) -> Comparison:
    """The comparison from status counts over the basis: ``economy_counts`` and ``item_counts`` map
    (year, economy or item id) to a Counter of statuses, counted over the basis's items and economies."""
    years = (basis.year, basis.previous)
    by_economy = {e: Change(*(Tally(len(basis.items), economy_counts.get((y, e), Counter())) for y in years))
                  for e in basis.economies}
    by_item = {i.id: Change(*(Tally(len(basis.economies), item_counts.get((y, i.id), Counter())) for y in years))
               for i in basis.items}
    return Comparison(basis, by_economy, by_item, added)


def counts_in_database(session: Session, basis: Basis) -> tuple[dict, dict]:
    """(per economy, per item) status counts of the two years over the basis, two queries."""
    common = [Item.first_year <= basis.previous, or_(Item.retired_year.is_(None), Item.retired_year > basis.year)]
    results = []
    for by in (Entry.economy_id, Entry.item_id):
        query = (select(Entry.year, by, Entry.status, func.count()).join(Item, Item.id == Entry.item_id)
                 .where(Entry.status.is_not(None), Entry.year.in_((basis.previous, basis.year)),
                        Entry.economy_id.in_(sorted(basis.economies)), *common)
                 .group_by(Entry.year, by, Entry.status))
        counts: dict[tuple[int, int], Counter] = {}
        for year, key, status, number in session.execute(query):
            counts.setdefault((year, key), Counter())[status] = number
        results.append(counts)
    return results[0], results[1]


def counts_of_entries(rows, basis: Basis) -> tuple[dict, dict]:
    """``counts_in_database`` from (year, economy id, item id, status) rows already read."""
    items = {i.id for i in basis.items}
    by_economy: dict[tuple[int, int], Counter] = {}
    by_item: dict[tuple[int, int], Counter] = {}
    for year, economy_id, item_id, status in rows:
        if status and year in (basis.year, basis.previous) and item_id in items and economy_id in basis.economies:
            by_economy.setdefault((year, economy_id), Counter())[status] += 1
            by_item.setdefault((year, item_id), Counter())[status] += 1
    return by_economy, by_item


def compare(session: Session, year: int) -> Comparison | None:
    """The like-for-like change from the latest earlier year with a return to ``year``; None when no
    earlier year has one."""
    years = {entry_year for entry_year, _ in status_counts(session, Entry.economy_id) if entry_year <= year} | {year}
    returned = {y: ids for y in years
                if (ids := returned_economies(session, y) & {e.id for e in economies_for(session, y)})}
    earlier = [y for y in returned if y < year]
    if not earlier:
        return None
    previous = max(earlier)
    codes = dict(session.execute(select(Economy.id, Economy.code)).all())
    basis = basis_for(items_for(session), year, previous, returned.get(year, set()), returned[previous], codes)
    item_counts = status_counts(session, Entry.item_id, year)
    added = pooled(Tally(len(returned.get(year, ())), item_counts.get((year, i.id), Counter())) for i in basis.added)
    return comparison_of(basis, *counts_in_database(session, basis), added)


def summary(session: Session, year: int) -> dict:
    """``rates.summary`` with the like-for-like change since the previous year: per economy
    ``rate_change`` (None unless it returned in both years) with ``rate_change_since`` (the year)
    and ``rate_change_basis`` (what was compared, in words), region-wide ``rate_change`` and
    ``coverage_change``, and ``basis``: the two years, the commitments and economies compared, the
    commitments added and retired, and the rate of those added (None without an earlier year)."""
    result = rates_summary(session, year)
    comparison = compare(session, year)
    codes = {}
    if comparison is not None:
        codes = dict(session.execute(select(Economy.code, Economy.id)).all())
    for row in result["economies"]:
        change = comparison.economy(codes.get(row["code"])) if comparison else None
        row["rate_change"] = change.rate_change if change else None
        row["rate_change_since"] = comparison.basis.previous if change else None
        row["rate_change_basis"] = comparison.basis.describe() if change else None
    result["region"]["rate_change"] = comparison.region.rate_change if comparison else None
    result["region"]["coverage_change"] = comparison.region.coverage_change if comparison else None
    result["basis"] = None if comparison is None else basis_summary(comparison)
    return result


def basis_summary(comparison: Comparison) -> dict:
    """The basis of a comparison as plain data (for ``--json`` and the browser)."""
    basis = comparison.basis
    return {
        "previous_year": basis.previous, "year": basis.year, "definition": BASIS_DEFINITION,
        "described": basis.describe(), "reasons": basis.reasons(),
        "items_compared": len(basis.items), "economies_compared": len(basis.economies),
        "items_added": [i.ref for i in basis.added], "items_retired": [i.ref for i in basis.retired],
        "items_added_rate": comparison.added.rate if basis.added else None,
        "items_added_sentence": comparison.added_sentence(),
    }
