"""The annual progress report: one workbook, written as a stream.

``gather`` reads everything the report needs in a fixed number of queries (never one per row);
``render`` writes it with openpyxl's write-only mode to any path or file object, without touching
the database. Nothing in the cells depends on the clock, so the same data gives the same cells.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tracker import __version__
from tracker.catalogue import catalogue_version, items_for, wordings_for
from tracker.history import contacts_as_of, entries_as_of
from tracker.errors import Refused
from tracker.models import CONTACT_FIELDS, NARRATIVE_FIELDS, Change, Economy, Entry, Item, Return, Setting
from tracker.progress import check_year
from tracker.reports_log import record_report
from tracker.rates import (
    COVERAGE_FORMULA,
    RATE_FORMULA,
    REGION_FORMULA,
    Tally,
    economies_for,
    pooled,
    status_counts,
)
from tracker.status import LABELS, SCALE, STATUS_KEYS, label
from tracker.workbooks import HEADER_FILL, HEADER_FONT, RISKY_LEADING, set_text

ILLUSTRATIVE_KEY = "illustrative"
ILLUSTRATIVE_NOTE = "ILLUSTRATIVE DATA: the entries in this workbook are made up for demonstration."
FIXED_SHEETS = ("Summary", "Economies", "Commitments", "Matrix", "Changes", "Overdue", "Trend", "Data", "About")
STATUS_COLOURS = {
    "not_started": "F4CCCC",
    "planned": "FCE5CD",
    "in_progress": "FFF2CC",
    "partial": "D9EAD3",
    "implemented": "93C47D",
    "not_applicable": "D9D9D9",
}
NOT_REPORTED = "Not reported"
PERCENT = "0.0%"
PERCENT_CHANGE = "+0.0%;-0.0%;0.0%"
DATETIME = "yyyy-mm-dd hh:mm"
DATE = "yyyy-mm-dd"
DATA_COLUMNS = [
    "Economy code", "Economy", "Ref", "Instrument", "Category", "Year", "Status",
    "Measures undertaken", "Further measures planned", "Timeframe", "Capacity-building needs",
    "Evidence", "Last updated",
]


@dataclass
class ReportData:
    """Everything one year's report shows, read from the database in one go."""

    year: int
    illustrative: bool
    catalogue_version: str
    data_last_changed: datetime | None
    items: list[Item]
    economies: list[Economy]
    entries: dict[tuple[int, int], tuple]  # (economy_id, item_id) -> (status, *narrative, updated_at)
    previous: dict[tuple[int, int], tuple[int, str]]  # (economy_id, item_id) -> (year, status)
    contacts: dict[int, Return]
    last_updated: dict[int, datetime]
    trend_years: list[int]
    trend: dict[tuple[int, int], Tally]  # (year, economy_id) -> tally
    item_tallies: dict[int, Tally] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)  # item id -> its wording in ``year``

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

    def region(self, year: int | None = None) -> Tally:
        return pooled(self.tally(e.id, year) for e in self.economies)


def known_year(session: Session, year: int) -> None:
    """Refuse a year no report can be about: implausible, later than next year, or before any item."""
    check_year(year)
    if year > date.today().year + 1:
        raise Refused(f"{year} has not come yet: give a year up to {date.today().year + 1}.")
    if not items_for(session, year):
        first = session.scalar(select(func.min(Item.first_year)))
        hint = f" The catalogue starts in {first}." if first else " Load a catalogue first (`tracker init`)."
        raise Refused(f"No checklist item applies in {year}, so there is nothing to report.{hint}")


def gather(session: Session, year: int, as_of: datetime | None = None) -> ReportData:
    """Everything the report shows; with ``as_of``, the data as they stood at that moment, rebuilt
    from the history, so that the report produced then is produced again cell for cell."""
    known_year(session, year)
    if as_of is not None:
        return _gather_as_of(session, year, as_of)
    all_items = items_for(session)
    items = [item for item in all_items if item.applies_in(year)]
    item_ids = {item.id for item in items}
    economies = economies_for(session, year)
    economy_ids = {e.id for e in economies}

    entry_columns = (Entry.economy_id, Entry.item_id, Entry.status, *(getattr(Entry, f) for f in NARRATIVE_FIELDS), Entry.updated_at)
    entries = {
        (row[0], row[1]): tuple(row[2:])
        for row in session.execute(select(*entry_columns).where(Entry.year == year))
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
        for economy_id, item_id, earlier_year, status in session.execute(
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
    contacts = {r.economy_id: r for r in session.scalars(select(Return).where(Return.year == year))}
    last_updated = dict(
        session.execute(
            select(Change.economy_id, func.max(Change.changed_at)).where(Change.year == year).group_by(Change.economy_id)
        ).all()
    )

    by_economy = status_counts(session, Entry.economy_id)
    trend_years = sorted({y for y, _ in by_economy if y <= year} | {year})
    applying = {y: sum(1 for item in all_items if item.applies_in(y)) for y in trend_years}
    trend = {
        (y, e.id): Tally(applying[y], by_economy.get((y, e.id), Counter())) for y in trend_years for e in economies
    }
    by_item = status_counts(session, Entry.item_id, year)
    item_tallies = {item.id: Tally(len(economies), by_item.get((year, item.id), Counter())) for item in items}
    illustrative = session.get(Setting, ILLUSTRATIVE_KEY) is not None
    return ReportData(
        year=year,
        illustrative=illustrative,
        catalogue_version=catalogue_version(session),
        data_last_changed=session.scalar(select(func.max(Change.changed_at))),
        texts=wordings_for(session, year, items),
        items=items,
        economies=economies,
        entries=entries,
        previous=previous,
        contacts=contacts,
        last_updated=last_updated,
        trend_years=trend_years,
        trend=trend,
        item_tallies=item_tallies,
    )


def _gather_as_of(session: Session, year: int, as_of: datetime) -> ReportData:
    """``gather`` for a past moment: entries, contact points and the figures from the history."""
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
    trend_years = sorted({y for y, _ in by_economy if y <= year} | {year})
    applying = {y: sum(1 for item in all_items if item.applies_in(y)) for y in trend_years}
    trend = {
        (y, e.id): Tally(applying[y], by_economy.get((y, e.id), Counter())) for y in trend_years for e in economies
    }
    return ReportData(
        year=year,
        illustrative=session.get(Setting, ILLUSTRATIVE_KEY) is not None,
        catalogue_version=catalogue_version(session, as_of),
        data_last_changed=session.scalar(select(func.max(Change.changed_at)).where(Change.changed_at <= as_of)),
        texts=wordings_for(session, year, items),
        items=items,
        economies=economies,
        entries=entries,
        previous=previous,
        contacts=contacts_as_of(session, year, as_of),
        last_updated=last_updated,
        trend_years=trend_years,
        trend=trend,
        item_tallies={item.id: Tally(len(economies), by_item.get((year, item.id), Counter())) for item in items},
    )


# ----------------------------------------------------------------------------- rendering helpers


_NEEDS_CARE = (str, datetime, date)


class _Writer:
    """Rows for one write-only sheet: user text kept as text, styles only where they matter."""

    def __init__(self, wb: Workbook, title: str, illustrative: bool):
        self.ws = wb.create_sheet(title)
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.fitToWidth, self.ws.page_setup.fitToHeight = 1, 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.row = 0
        if illustrative:
            self.append([self.styled(ILLUSTRATIVE_NOTE, bold=True, fill="F4CCCC")])

    def append(self, values) -> int:
        """Append a row; plain values go straight to openpyxl (the hot path of a large report)."""
        self.ws.append([v if type(v) not in _NEEDS_CARE or self._plain(v) else self._careful(v) for v in values])
        self.row += 1
        return self.row

    @staticmethod
    def _plain(value) -> bool:
        return type(value) is str and not value.startswith(RISKY_LEADING)

    def _careful(self, value):
        if isinstance(value, str):
            return set_text(WriteOnlyCell(self.ws), value)
        if isinstance(value, datetime):
            return self.styled(value.replace(microsecond=0), number_format=DATETIME)
        return self.styled(value, number_format=DATE)

    def styled(self, value, bold=False, fill=None, number_format=None):
        cell = WriteOnlyCell(self.ws)
        if isinstance(value, str):
            set_text(cell, value)
        else:
            cell.value = value
        if bold:
            cell.font = Font(bold=True)
        if fill:
            cell.fill = PatternFill("solid", fgColor=fill)
        if number_format:
            cell.number_format = number_format
        return cell

    def percent(self, value, change=False):
        return self.styled(value, number_format=PERCENT_CHANGE if change else PERCENT) if value is not None else None

    def header(self, titles) -> int:
        cells = []
        for title in titles:
            cell = self.styled(title)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cells.append(cell)
        self.ws.append(cells)
        self.row += 1
        return self.row

    def widths(self, *widths) -> None:
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month - (1 if later.day < earlier.day else 0)


def overdue_rows(data: ReportData) -> list[tuple]:
    """(economy, item, status or None, days overdue, months overdue) for every overdue pair."""
    end = date(data.year, 12, 31)
    rows = []
    for economy in data.economies:
        for item in data.items:
            if item.deadline is None or item.deadline > end:
                continue
            status = data.entries.get((economy.id, item.id), (None,))[0]
            if status in ("implemented", "not_applicable"):
                continue
            rows.append((economy, item, status, (end - item.deadline).days, _months_between(item.deadline, end)))
    return rows


def change_rows(data: ReportData) -> list[tuple]:
    """(economy, item, previous year, previous status, status) where the status differs from the
    economy's previous report on that item."""
    rows = []
    for economy in data.economies:
        for item in data.items:
            status = data.entries.get((economy.id, item.id), (None,))[0]
            before = data.previous.get((economy.id, item.id))
            if status and before and before[1] != status:
                rows.append((economy, item, before[0], before[1], status))
    return rows


def sheet_names(data: ReportData) -> dict[int, str]:
    """Per economy, its sheet's name: its code, unless that clashes with a fixed sheet."""
    taken = {name.casefold() for name in FIXED_SHEETS}
    return {
        e.id: f"{e.code} (economy)" if e.code.casefold() in taken else e.code for e in data.economies
    }


# ----------------------------------------------------------------------------- the sheets


def _summary(wb, data: ReportData) -> None:
    w = _Writer(wb, "Summary", data.illustrative)
    w.widths(48, 16, 16, 16)
    w.append([w.styled(f"Progress report {data.year}", bold=True)])
    region, before = data.region(), data.region(data.previous_year) if data.previous_year else None
    reported = sum(1 for e in data.economies if data.tally(e.id).reported)
    if not any(entry[0] for entry in data.entries.values()):
        w.append([w.styled(f"No entries have been recorded for {data.year}: every figure below is zero.", bold=True)])
    since = f" since {data.previous_year}" if data.previous_year else " (no earlier year on record)"
    w.append(["Year", data.year])
    w.append(["Economies that reported", reported])
    w.append(["Economies covered", len(data.economies)])
    w.append(["Items that apply", len(data.items)])
    w.append(["Implementation rate (region-wide)", w.percent(region.rate)])
    w.append(["Coverage (region-wide)", w.percent(region.coverage)])
    w.append([f"Change in implementation rate{since}", w.percent(_change(region.rate, before.rate if before else None), change=True)])
    w.append([f"Change in coverage{since}", w.percent(_change(region.coverage, before.coverage if before else None), change=True)])
    for heading, key in (("Instrument", lambda i: i.instrument.title), ("Category", lambda i: i.category)):
        w.append([])
        w.header([heading, "Items", "Implementation rate", "Coverage"])
        groups: dict[str, list[Item]] = {}
        for item in data.items:
            groups.setdefault(key(item), []).append(item)
        for name, members in groups.items():
            tally = pooled(data.item_tallies[i.id] for i in members)
            w.append([name, len(members), w.percent(tally.rate), w.percent(tally.coverage)])
    w.append([])
    w.append([w.styled("Definitions", bold=True)])
    for sentence in (RATE_FORMULA, COVERAGE_FORMULA, REGION_FORMULA):
        w.append([sentence])
    if data.economies:
        w.ws.add_chart(_economy_rate_chart(data, f"Implementation rate per economy, {data.year}"), "F2")


def _economies_header_row(data: ReportData) -> int:
    return 2 if data.illustrative else 1


def _economy_rate_chart(data: ReportData, title: str) -> BarChart:
    """A bar chart of the rate column of the Economies sheet (whose layout is fixed)."""
    header, rows = _economies_header_row(data), len(data.economies)
    rate = get_column_letter(ECONOMY_COLUMNS.index("Implementation rate") + 1)
    sheet = quote_sheetname("Economies")
    chart = BarChart()
    chart.type, chart.title, chart.style, chart.legend = "bar", title, 10, None
    chart.y_axis.number_format, chart.y_axis.scaling.min, chart.y_axis.scaling.max = "0%", 0, 1
    chart.add_data(Reference(range_string=f"{sheet}!${rate}${header}:${rate}${header + rows}"), titles_from_data=True)
    chart.set_categories(Reference(range_string=f"{sheet}!$A${header + 1}:$A${header + rows}"))
    chart.height, chart.width = max(7.5, 0.7 * rows), 18
    return chart


ECONOMY_COLUMNS = [
    "Economy code", "Economy", *LABELS.values(), NOT_REPORTED, "Coverage", "Implementation rate",
    "Change since previous year", "Last updated", "Contact point",
]


def _contact_text(contact: Return | None) -> str | None:
    if contact is None or not contact.name:
        return None
    details = ", ".join(getattr(contact, f) for f in CONTACT_FIELDS[1:] if getattr(contact, f))
    return f"{contact.name} ({details})" if details else contact.name


def _economies(wb, data: ReportData) -> None:
    w = _Writer(wb, "Economies", data.illustrative)
    w.widths(9, 26, *[11] * 7, 11, 13, 13, 19, 40)
    previous = data.previous_year
    titles = list(ECONOMY_COLUMNS)
    if previous:
        titles[titles.index("Change since previous year")] = f"Change since {previous}"
    header = w.header(titles)

    def order(economy):
        rate = data.tally(economy.id).rate
        return (rate is None, -(rate or 0), economy.code)

    for economy in sorted(data.economies, key=order):
        tally = data.tally(economy.id)
        before = data.tally(economy.id, previous).rate if previous else None
        w.append([
            economy.code, economy.name, *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported,
            w.percent(tally.coverage), w.percent(tally.rate), w.percent(_change(tally.rate, before), change=True),
            data.last_updated.get(economy.id), _contact_text(data.contacts.get(economy.id)),
        ])
    w.ws.freeze_panes = f"C{header + 1}"
    if data.economies:
        w.ws.add_chart(_economy_rate_chart(data, "Implementation rate"), "P2")


def _commitments(wb, data: ReportData) -> None:
    w = _Writer(wb, "Commitments", data.illustrative)
    w.widths(9, 30, 60, 11, *[11] * 7, 13)
    header = w.header(["Ref", "Instrument", "Commitment", "Deadline", *LABELS.values(), NOT_REPORTED, "Implementation rate"])
    for item in data.items:
        tally = data.item_tallies[item.id]
        w.append([item.ref, item.instrument.title, data.texts[item.id], item.deadline,
                  *(tally.counts[k] for k in STATUS_KEYS), tally.not_reported, w.percent(tally.rate)])
    w.ws.freeze_panes = f"B{header + 1}"
    if data.items:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title, chart.style = "Statuses per commitment", 10
        chart.add_data(Reference(w.ws, min_col=5, max_col=5 + len(STATUS_KEYS), min_row=header,
                                 max_row=header + len(data.items)), titles_from_data=True)
        chart.set_categories(Reference(w.ws, min_col=1, min_row=header + 1, max_row=header + len(data.items)))
        chart.height, chart.width = max(7.5, 0.5 * len(data.items)), 20
        w.ws.add_chart(chart, "N2")


def _matrix(wb, data: ReportData) -> None:
    w = _Writer(wb, "Matrix", data.illustrative)
    w.widths(9, 26, *[14] * len(data.items))
    w.append([w.styled("Legend", bold=True), None,
                       *(w.styled(lab, fill=STATUS_COLOURS[k]) for k, lab in LABELS.items()), NOT_REPORTED])
    header = w.header(["Economy code", "Economy", *(item.ref for item in data.items)])
    for economy in data.economies:
        w.append([economy.code, economy.name,
                  *(label(data.entries.get((economy.id, item.id), (None,))[0]) or NOT_REPORTED for item in data.items)])
    if data.items and data.economies:
        area = f"C{header + 1}:{get_column_letter(2 + len(data.items))}{header + len(data.economies)}"
        for key, lab in LABELS.items():
            w.ws.conditional_formatting.add(
                area, CellIsRule(operator="equal", formula=[f'"{lab}"'], fill=PatternFill("solid", bgColor=STATUS_COLOURS[key]))
            )
    w.ws.freeze_panes = f"C{header + 1}"


def _changes(wb, data: ReportData) -> None:
    w = _Writer(wb, "Changes", data.illustrative)
    w.widths(9, 26, 9, 20, 14, 20)
    header = w.header(["Economy code", "Economy", "Ref", "Previous status", "Previous year", f"Status {data.year}"])
    rows = change_rows(data)
    for economy, item, year, before, now in rows:
        w.append([economy.code, economy.name, item.ref, label(before), year, label(now)])
    if not rows:
        w.append([f"No economy's status differs from its previous report in {data.year}."])
    w.ws.freeze_panes = f"A{header + 1}"


def _overdue(wb, data: ReportData) -> None:
    w = _Writer(wb, "Overdue", data.illustrative)
    w.widths(9, 26, 9, 60, 11, 20, 13, 20)
    header = w.header(["Economy code", "Economy", "Ref", "Commitment", "Deadline", f"Status {data.year}", "Days overdue", "Overdue by"])
    rows = overdue_rows(data)
    for economy, item, status, days, months in rows:
        w.append([economy.code, economy.name, item.ref, data.texts[item.id], item.deadline, label(status) or NOT_REPORTED,
                  days, f"{months // 12} years {months % 12} months"])
    if not rows:
        w.append([f"Nothing is overdue at the end of {data.year}."])
    w.ws.freeze_panes = f"A{header + 1}"


def _trend(wb, data: ReportData) -> None:
    w = _Writer(wb, "Trend", data.illustrative)
    years = data.trend_years
    w.widths(9, 26, *[9] * len(years))
    header = w.header(["Economy code", "Economy", *(str(y) for y in years)])
    for economy in data.economies:
        w.append([economy.code, economy.name, *(w.percent(data.tally(economy.id, y).rate) for y in years)])
    region_row = w.append(["", "Region-wide", *(w.percent(data.region(y).rate) for y in years)])
    w.append([])
    w.append([RATE_FORMULA])
    w.ws.freeze_panes = f"C{header + 1}"
    chart = LineChart()
    chart.title, chart.style = "Implementation rate per economy", 12
    chart.y_axis.number_format, chart.y_axis.scaling.min, chart.y_axis.scaling.max = "0%", 0, 1
    for row in range(header + 1, region_row + 1):
        series = Series(Reference(w.ws, min_col=3, max_col=2 + len(years), min_row=row, max_row=row))
        series.tx = SeriesLabel(strRef=StrRef(f"{quote_sheetname('Trend')}!$B${row}"))
        chart.series.append(series)
    chart.set_categories(Reference(w.ws, min_col=3, max_col=2 + len(years), min_row=header, max_row=header))
    chart.height, chart.width = 12, 24
    w.ws.add_chart(chart, f"A{region_row + 4}")


def _economy_sheet(wb, data: ReportData, economy: Economy, name: str) -> None:
    w = _Writer(wb, name, data.illustrative)
    w.widths(9, 50, 20, 40, 36, 14, 30, 30)
    w.append([w.styled(f"{economy.name} ({economy.code}): progress report {data.year}", bold=True)])
    contact = data.contacts.get(economy.id)
    for caption, field_name in (("Contact point", "name"), ("Title", "title"), ("E-mail", "email"), ("Phone", "phone")):
        w.append([caption, getattr(contact, field_name) if contact else None])
    w.append(["Last updated", data.last_updated.get(economy.id)])
    w.append([])
    header = w.header(["Ref", "Commitment", "Status", "Measures undertaken", "Further measures planned",
                       "Timeframe", "Capacity-building needs", "Evidence"])
    economy_id, empty = economy.id, (None,) * 7
    for item_id, ref, text, _, _ in data.item_fields:
        status, *narrative, _ = data.entries.get((economy_id, item_id), empty)
        w.append([ref, text, LABELS.get(status, NOT_REPORTED), *narrative])
    w.ws.freeze_panes = f"C{header + 1}"
    w.ws.print_title_rows = f"{header}:{header}"


def _data(wb, data: ReportData) -> None:
    w = _Writer(wb, "Data", data.illustrative)
    w.widths(9, 26, 9, 30, 24, 7, 20, 40, 36, 14, 30, 30, 19)
    header = w.header(DATA_COLUMNS)
    empty = (None,) * 7
    for economy in data.economies:
        economy_id, code, name = economy.id, economy.code, economy.name
        for item_id, ref, _, instrument, category in data.item_fields:
            status, *narrative, updated = data.entries.get((economy_id, item_id), empty)
            w.append([code, name, ref, instrument, category, data.year, LABELS.get(status), *narrative, updated])
    last = header + len(data.economies) * len(data.items)
    if last > header:
        table = Table(displayName="ProgressData", ref=f"A{header}:{get_column_letter(len(DATA_COLUMNS))}{last}")
        table.tableColumns = [TableColumn(id=i, name=title) for i, title in enumerate(DATA_COLUMNS, start=1)]
        table.autoFilter = AutoFilter(ref=table.ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "In write-only mode you must add table columns manually")
            w.ws.add_table(table)  # the columns are set above
    w.ws.freeze_panes = f"A{header + 1}"


def _about(wb, data: ReportData) -> None:
    w = _Writer(wb, "About", data.illustrative)
    w.widths(28, 100)
    w.append([w.styled(f"About this report ({data.year})", bold=True)])
    w.append(["Produced by", f"tracker {__version__}"])
    w.append(["Catalogue", data.catalogue_version])
    w.append(["Data as of (latest change included)", data.data_last_changed])
    w.append([])
    w.header(["Status", "Meaning"])
    for lab, meaning in SCALE.values():
        w.append([lab, meaning])
    w.append([NOT_REPORTED, "No entry with a status for that economy, item and year; counts as not implemented."])
    w.append([])
    w.header(["Figure", "Formula"])
    w.append(["Implementation rate", RATE_FORMULA])
    w.append(["Coverage", COVERAGE_FORMULA])
    w.append(["Region-wide figures", REGION_FORMULA])
    w.append(["Overdue", "An item whose deadline has passed by 31 December of the year and whose status is "
                         "neither Implemented nor Not applicable."])
    w.append(["Changes", "Entries whose status differs from the economy's most recent earlier report on that item."])


def render(data: ReportData, destination: Path | BinaryIO) -> None:
    """Write the report for ``data`` to a path or a binary file object."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "tracker"
    wb.properties.title = f"Progress report {data.year}"
    _summary(wb, data)
    _economies(wb, data)
    _commitments(wb, data)
    _matrix(wb, data)
    _changes(wb, data)
    _overdue(wb, data)
    _trend(wb, data)
    names = sheet_names(data)
    for economy in data.economies:
        _economy_sheet(wb, data, economy, names[economy.id])
    _data(wb, data)
    _about(wb, data)
    wb.save(destination)


def write_report(session: Session, year: int, destination: Path | BinaryIO,
                 as_of: datetime | None = None) -> ReportData:
    """Gather the year's data (as of a past moment, if given) and write the report; a report written
    to a file is recorded in the reports log. Return the data it shows."""
    data = gather(session, year, as_of)
    if isinstance(destination, Path):
        destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        render(data, destination)
    except OSError as exc:
        raise Refused(f"Cannot write the report to {destination}: {exc.strerror or exc}.") from None
    if isinstance(destination, Path):
        record_report(session, destination, year, as_of)
    return data
