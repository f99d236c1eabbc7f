"""The annual progress report: what it shows, read from the database in one go.

``gather`` reads everything the report needs in a fixed number of queries (never one per row);
``tracker.report.render`` writes it to any path without touching the database. Nothing in
the cells depends on the clock, so the same data gives the same cells.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tracker.comparison import Basis, Comparison, basis_for, comparison_of, counts_in_database, counts_of_entries
from tracker.catalogue import catalogue_version, items_applying, items_for, wordings_for
from tracker.history import contacts_as_of, entries_as_of
from tracker.import_log import undone_ids
from tracker.errors import Refused
from tracker.models import NARRATIVE_FIELDS, Change, Economy, Entry, Form, Import, Item, Return, Setting
from tracker.needs import NeedsAndOffers, match
from tracker.progress import latest_contacts
from tracker.publication import Publication, publication_for
from tracker.years import check_year
from tracker.rates import Tally, economies_for, pooled, status_counts
from tracker.returns import latest_returns, returned_economies
from tracker.reviews import review_states

ILLUSTRATIVE_KEY = "illustrative"
NEEDS_INDEX = 1 + NARRATIVE_FIELDS.index("needs")  # positions in an entry tuple (status first)
OFFERS_INDEX = 1 + NARRATIVE_FIELDS.index("offers")


@dataclass
class ReturnRecord:
    """What came back from an economy for the year: forms issued and returned, and when."""

    forms_issued: int = 0
    forms_returned: int = 0
    last_returned: datetime | None = None
    review: str | None = None  # the return's review (``reviews.STATES``), when it returned


@dataclass
class ChangeRow:
    """One entry of the year, compared with the economy's previous report on that item."""

    economy: Economy
    item: Item
    status: str
    previous_year: int | None
    previous_status: str | None

    @property
    def kind(self) -> str:
        """new (first report on the item), changed (status differs) or unchanged (carried forward)."""
        if self.previous_status is None:
            return "new"
        return "changed" if self.previous_status != self.status else "unchanged"


@dataclass
class ReportData:
    """Everything one year's report shows, read from the database in one go.

    An economy "returned" for a year as ``returns.returned_economies`` says (a return in force, or
    answers with a status), the one definition every command and page uses; one that did not is
    shown as "No return", never as a rate of 0, and region-wide figures pool only the economies
    that returned.
    """

    year: int
    illustrative: bool
    catalogue_version: str
    data_last_changed: datetime | None
    items: list[Item]
    economies: list[Economy]
    entries: dict[tuple[int, int], tuple]  # (economy_id, item_id) -> (status, *narrative, updated_at)
    previous: dict[tuple[int, int], tuple[int, str]]  # (economy_id, item_id) -> (year, status)
    contacts: dict[int, Return]
    returns: dict[int, ReturnRecord]
    last_updated: dict[int, datetime]
    trend_years: list[int]
    trend: dict[tuple[int, int], Tally]  # (year, economy_id) -> tally
    publication: Publication  # the title, subject, publisher and foreword of this year's report
    returned_ids: dict[int, set[int]]  # year -> the economies that returned (``returns.returned_economies``)
    item_tallies: dict[int, Tally] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)  # item id -> its wording in ``year``
    comparison: Comparison | None = None  # like-for-like change since ``previous_year``
    reworded: frozenset[int] = frozenset()  # items compared with ``previous_year`` although reworded since
    trend_bases: dict[int, Basis] = field(default_factory=dict)  # year -> basis of the change from the year before
    # Per year: asked for on every economy's sheet, so worked out once (else the report's work
    # grows with the square of the economies).
    _returning: dict[int, list[Economy]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _region: dict[int, Tally] = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def item_fields(self) -> list[tuple[int, str, str, str, str]]:
        """(id, ref, text, instrument title, category) per item, read once for the large sheets."""
        return [(i.id, i.ref, self.texts[i.id], i.instrument.title, i.category) for i in self.items]

    @property
    def previous_year(self) -> int | None:
        earlier = [y for y in self.trend_years if y < self.year]
        return earlier[-1] if earlier else None

    def tally(self, economy_id: int, year: int | None = None) -> Tally:
        return self.trend.get((year or self.year, economy_id), Tally(0))

    def returned(self, economy_id: int, year: int | None = None) -> bool:
        return economy_id in self.returned_ids.get(year or self.year, ())

    def returning(self, year: int | None = None) -> list[Economy]:
        """The economies that returned in ``year`` (the report's year by default)."""
        year = year or self.year
        if year not in self._returning:
            self._returning[year] = [e for e in self.economies if self.returned(e.id, year)]
        return self._returning[year]

    def rate(self, economy_id: int, year: int | None = None) -> float | None:
        """The economy's rate, or None when it sent no return that year."""
        return self.tally(economy_id, year).rate if self.returned(economy_id, year) else None

    def region(self, year: int | None = None) -> Tally:
        """Pooled over the economies that returned that year."""
        year = year or self.year
        if year not in self._region:
            self._region[year] = pooled(self.tally(e.id, year) for e in self.returning(year))
        return self._region[year]

    def last_return(self, economy_id: int) -> tuple[int, float | None] | None:
        """(year, rate) of the economy's latest return before the report's year, if any."""
        for year in reversed(self.trend_years):
            if year < self.year and self.returned(economy_id, year):
                return year, self.tally(economy_id, year).rate
        return None

    def overdue_rows(self) -> list[tuple]:
        """(economy, item, status or None, days overdue, months overdue) for every overdue pair of
        an economy that returned: like every figure, an economy with no return is left out (the
        Returns sheet lists it for chasing), rather than be called overdue on what it did not say."""
        end = date(self.year, 12, 31)
        late = [(item, item.id, (end - item.deadline).days, _months_between(item.deadline, end))
                for item in self.items if item.deadline is not None and item.deadline <= end]
        rows, entries = [], self.entries
        for economy in self.returning():
            economy_id = economy.id
            for item, item_id, days, months in late:
                status = entries.get((economy_id, item_id), (None,))[0]
                if status not in ("implemented", "not_applicable"):
                    rows.append((economy, item, status, days, months))
        return rows

    def change_rows(self) -> list[ChangeRow]:
        """Every entry of the year with a status, against the economy's previous report on the item."""
        rows, entries, previous = [], self.entries, self.previous
        items = [(item, item.id) for item in self.items]
        for economy in self.economies:
            economy_id = economy.id
            for item, item_id in items:
                status = entries.get((economy_id, item_id), (None,))[0]
                if status:
                    before_year, before = previous.get((economy_id, item_id), (None, None))
                    rows.append(ChangeRow(economy, item, status, before_year, before))
        return rows

    @cached_property
    def needs_and_offers(self) -> NeedsAndOffers:
        """Each commitment's needs beside the offers made for it, matched as ``tracker needs`` does."""
        said = {key: (entry[NEEDS_INDEX], entry[OFFERS_INDEX]) for key, entry in self.entries.items()
                if entry[NEEDS_INDEX] or entry[OFFERS_INDEX]}
        return match(self.year, self.items, self.texts, self.economies, said, self.returned_ids[self.year])

    def reworded_sentence(self) -> str | None:
        """Which commitments were reworded since the previous year yet compared across it, or None."""
        if not self.reworded or self.comparison is None:
            return None
        refs = ", ".join(item.ref for item in self.items if item.id in self.reworded)
        return f"Reworded in {self.year}, and compared with {self.comparison.basis.previous} as one commitment: {refs}"

    def commitments_by_rate(self) -> list[tuple[Item, float]]:
        """Items with a rate this year, most implemented first (ties by catalogue order)."""
        rated = [(item, self.item_tallies[item.id].rate) for item in self.items]
        return sorted(((i, r) for i, r in rated if r is not None), key=lambda pair: -pair[1])

    def overdue_by_item(self) -> list[tuple[Item, int]]:
        """Items overdue somewhere, with the number of economies they are overdue in, most first."""
        counts = Counter(item.id for _, item, *_ in self.overdue_rows())
        by_id = {item.id: item for item in self.items}
        return sorted(((by_id[i], n) for i, n in counts.items()), key=lambda pair: (-pair[1], pair[0].position))


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)


def _returns(session: Session, year: int, as_of: datetime | None) -> dict[int, ReturnRecord]:
    """Per economy, the forms issued for the year and the returns imported and still in force (as
    ``tracker round status`` counts them), as of a moment when given: the one place the Returns
    sheet's figures come from."""
    records: dict[int, ReturnRecord] = {}
    issued = select(Form.economy_id, func.count()).where(Form.year == year).group_by(Form.economy_id)
    if as_of is not None:
        issued = issued.where(Form.issued_at <= as_of)
    for economy_id, count in session.execute(issued):
        records.setdefault(economy_id, ReturnRecord()).forms_issued = count
    undone = undone_ids(session, as_of)
    returned = select(Import.id, Import.economy_id).where(Import.year == year, Import.kind == "form")
    if as_of is not None:
        returned = returned.where(Import.imported_at <= as_of)
    for import_id, economy_id in session.execute(returned):
        if import_id not in undone and economy_id is not None:
            records.setdefault(economy_id, ReturnRecord()).forms_returned += 1
    latest = latest_returns(session, year, as_of)
    for economy_id, (at, _file) in latest.items():
        records.setdefault(economy_id, ReturnRecord()).last_returned = at
    returned = returned_economies(session, year, as_of, latest)
    for economy_id, review in review_states(session, year, returned, latest, as_of).items():
        records.setdefault(economy_id, ReturnRecord()).review = review["label"]
    return records


def _returned_ids(session: Session, trend_years: list[int], economies: list[Economy],
                  as_of: datetime | None) -> dict[int, set[int]]:
    """Per trend year, the economies of the report that returned (the one definition, as of the moment)."""
    ids = {e.id for e in economies}
    return {y: returned_economies(session, y, as_of) & ids for y in trend_years}


def _figures(session: Session, year: int, all_items: list[Item], items: list[Item], economies: list[Economy],
             by_economy: dict, by_item: dict, as_of: datetime | None) -> dict:
    """The figures both ways of gathering (now, or as of a moment) work out alike from the status
    counts: the trend years, each economy's tally per year, who returned, each item's tally this year
    and the basis of each year's change."""
    trend_years = sorted({y for y, _ in by_economy if y <= year} | {year})
    applying = {y: sum(1 for item in all_items if item.applies_in(y)) for y in trend_years}
    trend = {(y, e.id): Tally(applying[y], by_economy.get((y, e.id), Counter())) for y in trend_years for e in economies}
    returned = _returned_ids(session, trend_years, economies, as_of)
    item_tallies = {item.id: Tally(len(returned[year]), by_item.get((year, item.id), Counter())) for item in items}
    return {"trend_years": trend_years, "trend": trend, "returned_ids": returned, "item_tallies": item_tallies,
            "trend_bases": _bases(all_items, trend_years, returned, {e.id: e.code for e in economies})}


def _bases(all_items: list[Item], trend_years: list[int], returned: dict[int, set[int]],
           codes: dict[int, str]) -> dict[int, Basis]:
    """Per trend year after the first, the basis of the change from the year before: what the
    Trend sheet marks as a break when it changed."""
    return {year: basis_for(all_items, year, before, returned[year], returned[before], codes)
            for before, year in zip(trend_years, trend_years[1:])}


def known_year(session: Session, year: int) -> None:
    """Refuse a year no report can be about: implausible, later than next year, or before any item."""
    check_year(year)
    if year > date.today().year + 1:
        raise Refused(f"{year} has not come yet: give a year up to {date.today().year + 1}.")
    items_applying(session, year, ", so there is nothing to report")


def gather(session: Session, year: int, as_of: datetime | None = None) -> ReportData:
    """Everything the report shows; with ``as_of``, the data as they stood at that moment, rebuilt
    from the history, so that the report produced then is produced again cell for cell."""
    known_year(session, year)
    if as_of is not None:
        return _gather_as_of(session, year, as_of)
    all_items = items_for(session)
    items = [item for item in all_items if item.applies_in(year)]
    economies = economies_for(session, year)
    entries, previous = _entries_and_previous(session, year, {item.id for item in items}, {e.id for e in economies})
    contacts = latest_contacts(session, year)  # whom to chase: often last year's focal point
    last_updated = dict(
        session.execute(
            select(Change.economy_id, func.max(Change.changed_at)).where(Change.year == year).group_by(Change.economy_id)
        ).all()
    )

    figures = _figures(session, year, all_items, items, economies, status_counts(session, Entry.economy_id),
                       status_counts(session, Entry.item_id, year), None)
    illustrative = session.get(Setting, ILLUSTRATIVE_KEY) is not None
    basis = figures["trend_bases"].get(year)
    comparison = None if basis is None else comparison_of(
        basis, *counts_in_database(session, basis), pooled(figures["item_tallies"][i.id] for i in basis.added))
    return ReportData(
        year=year,
        illustrative=illustrative,
        catalogue_version=catalogue_version(session),
        data_last_changed=session.scalar(select(func.max(Change.changed_at))),
        items=items,
        economies=economies,
        entries=entries,
        previous=previous,
        contacts=contacts,
        returns=_returns(session, year, None),
        last_updated=last_updated,
        texts=wordings_for(session, year, items),
        comparison=comparison,
        reworded=_reworded(session, year, comparison),
        publication=publication_for(session, year),
        **figures,
    )


def _entries_and_previous(session: Session, year: int, item_ids: set[int], economy_ids: set[int]) -> tuple[dict, dict]:
    """The year's entries of the items and economies given, by (economy id, item id); and each
    pair's latest earlier status with its year (the form's "last reported")."""
    # The two reads of a row per entry go through the connection (Core): rows straight from the
    # cursor, without the ORM's result machinery.
    connection = session.connection()
    entry_columns = (Entry.economy_id, Entry.item_id, Entry.status, *(getattr(Entry, f) for f in NARRATIVE_FIELDS), Entry.updated_at)
    entries = {
        (row[0], row[1]): row[2:]
        for row in connection.execute(select(*entry_columns).where(Entry.year == year))
        if row[1] in item_ids and row[0] in economy_ids
    }
    latest_earlier = (
        select(Entry.economy_id, Entry.item_id, func.max(Entry.year).label("year"))
        .where(Entry.year < year, Entry.status.is_not(None))
        .group_by(Entry.economy_id, Entry.item_id)
        .subquery()
    )
    previous = {
        (economy_id, item_id): (earlier_year, status)
        for economy_id, item_id, earlier_year, status in connection.execute(
            select(Entry.economy_id, Entry.item_id, Entry.year, Entry.status).join(
                latest_earlier,
                and_(
                    Entry.economy_id == latest_earlier.c.economy_id,
                    Entry.item_id == latest_earlier.c.item_id,
                    Entry.year == latest_earlier.c.year,
                ),
            )
        )
    }
    return entries, previous


def _reworded(session: Session, year: int, comparison: Comparison | None) -> frozenset[int]:
    """The items of the comparison whose wording changed since the previous year: the change still
    compares them as one commitment, so the report says which they are."""
    if comparison is None:
        return frozenset()
    items = list(comparison.basis.items)
    before, now = wordings_for(session, comparison.basis.previous, items), wordings_for(session, year, items)
    return frozenset(i.id for i in items if before[i.id] != now[i.id])


def _gather_as_of(session: Session, year: int, as_of: datetime) -> ReportData:
    """``gather`` for a past moment: entries, contact points, returns and the figures from the
    history (which is append-only), with the same rules as ``gather``."""
    all_items = items_for(session)
    items = [item for item in all_items if item.applies_in(year)]
    item_ids = {item.id for item in items}
    state = entries_as_of(session, as_of)
    reporting = {economy_id for economy_id, _, entry_year in state if entry_year == year}
    economies = [e for e in economies_for(session, year) if e.active or e.id in reporting]
    economy_ids = {e.id for e in economies}
    entries, previous = {}, {}
    by_economy: dict[tuple[int, int], Counter] = {}
    by_item: dict[tuple[int, int], Counter] = {}
    applies = {item.id: item for item in all_items}
    for (economy_id, item_id, entry_year), values in sorted(state.items(), key=lambda pair: pair[0][2]):
        status = values["status"]
        if entry_year == year and item_id in item_ids and economy_id in economy_ids:
            entries[(economy_id, item_id)] = (status, *(values[f] for f in NARRATIVE_FIELDS), values["updated_at"])
        if status is None:
            continue
        if entry_year < year:
            previous[(economy_id, item_id)] = (entry_year, status)
        if applies[item_id].applies_in(entry_year):
            by_economy.setdefault((entry_year, economy_id), Counter())[status] += 1
            if entry_year == year:
                by_item.setdefault((year, item_id), Counter())[status] += 1
    last_updated = dict(session.execute(
        select(Change.economy_id, func.max(Change.changed_at))
        .where(Change.year == year, Change.changed_at <= as_of)
        .group_by(Change.economy_id)
    ).all())
    figures = _figures(session, year, all_items, items, economies, by_economy, by_item, as_of)
    basis = figures["trend_bases"].get(year)
    comparison = None if basis is None else comparison_of(
        basis, *counts_of_entries(((y, e, i, v["status"]) for (e, i, y), v in state.items()), basis),
        pooled(figures["item_tallies"][i.id] for i in basis.added))
    return ReportData(
        year=year,
        illustrative=session.get(Setting, ILLUSTRATIVE_KEY) is not None,
        catalogue_version=catalogue_version(session, as_of),
        data_last_changed=session.scalar(select(func.max(Change.changed_at)).where(Change.changed_at <= as_of)),
        items=items,
        economies=economies,
        entries=entries,
        previous=previous,
        contacts=contacts_as_of(session, year, as_of),
        returns=_returns(session, year, as_of),
        last_updated=last_updated,
        texts=wordings_for(session, year, items),
        comparison=comparison,
        reworded=_reworded(session, year, comparison),
        publication=publication_for(session, year),
        **figures,
    )
