"""What the public site shows, year by year, as each year's report was published.

"Only what was published is published": a year's pages and data come from the report kept as
published for that year (``kept_reports``), gathered again as the data stood at that report's
moment (``report.gather`` with ``as_of``), so a correction made since cannot leak into a year
already published, and every figure is the report's own (``rates``, ``comparison``), never worked
out a second way. A year without a kept report is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.comparison import Change
from tracker.errors import Refused
from tracker.kept_reports import published_files
from tracker.models import NARRATIVE_FIELDS, Economy, Item, KeptReportFile, ReportLog
from tracker.publication import Publication
from tracker.rates import Tally, pooled
from tracker.report.data import ReportData, gather
from tracker.status import label


@dataclass
class PublishedYear:
    """One year as published: its kept report (id, moment, files) and the data it shows."""

    year: int
    report_id: int
    moment: datetime
    data: ReportData
    files: dict[str, tuple[str, bytes, str]]  # kind ("workbook", "pdf") -> file name, bytes as kept, their SHA-256

    @property
    def publication(self) -> Publication:
        return self.data.publication

    @cached_property
    def economy_ids(self) -> set[int]:
        """The economies the year's figures cover (``rates.economies_for`` as of the moment)."""
        return {e.id for e in self.data.economies}


@dataclass
class Figure:
    """A rate and its like-for-like change, as the report shows them (None: no figure)."""

    tally: Tally
    change: Change | None

    @property
    def rate(self) -> float | None:
        return self.tally.rate

    @property
    def coverage(self) -> float | None:
        return self.tally.coverage

    @property
    def rate_change(self) -> float | None:
        return self.change.rate_change if self.change else None


def published_report(session: Session, year: int) -> ReportLog | None:
    """The latest report of ``year`` whose workbook is kept: the one the public site shows."""
    return session.scalar(
        select(ReportLog).join(KeptReportFile, KeptReportFile.report_id == ReportLog.id)
        .where(ReportLog.year == year, KeptReportFile.kind == "workbook")
        .order_by(ReportLog.id.desc()).limit(1))


def published_year(session: Session, report: ReportLog) -> PublishedYear:
    """The year of ``report`` as it published it: the data as of the report's moment."""
    moment = report.as_of or report.written_at
    return PublishedYear(report.year, report.id, moment, gather(session, report.year, moment),
                         published_files(session, report.id))


def published_years(session: Session, years: list[int]) -> list[PublishedYear]:
    """Each of ``years`` as published, oldest first; refused, naming every year at fault, when any
    has no kept report."""
    reports = {year: published_report(session, year) for year in sorted(years)}
    missing = [year for year, report in reports.items() if report is None]
    if missing:
        shown = ", ".join(map(str, missing))
        raise Refused(f"No report of {shown} is kept as published, and only what was published is published: "
                      f"write {'it' if len(missing) == 1 else 'each'} first (`tracker report --year {missing[0]}`), "
                      "then publish again.")
    return [published_year(session, report) for report in reports.values()]


def region(published: PublishedYear) -> Figure:
    data = published.data
    return Figure(data.region(), data.comparison.region if data.comparison else None)


def instruments(published: PublishedYear) -> list[tuple[str, str, list[Item], Figure]]:
    """(code, title, items, figure) per instrument in catalogue order, pooled as the report's
    Commitments sheet pools them."""
    data = published.data
    groups: dict[str, list[Item]] = {}
    for item in data.items:
        groups.setdefault(item.instrument.code, []).append(item)
    return [(code, members[0].instrument.title, members,
             Figure(pooled(data.item_tallies[i.id] for i in members),
                    data.comparison.items(members) if data.comparison else None))
            for code, members in groups.items()]


def commitment(published: PublishedYear, item: Item) -> Figure:
    data = published.data
    return Figure(data.item_tallies[item.id], data.comparison.by_item.get(item.id) if data.comparison else None)


def economy(published: PublishedYear, economy_id: int) -> Figure | None:
    """The economy's figures, or None when it sent no return that year (never a rate of 0)."""
    data = published.data
    if not data.returned(economy_id):
        return None
    return Figure(data.tally(economy_id), data.comparison.economy(economy_id) if data.comparison else None)


def entry(published: PublishedYear, economy_id: int, item_id: int) -> dict | None:
    """The economy's published answer on the item: status key and label and the narrative fields."""
    values = published.data.entries.get((economy_id, item_id))
    if values is None or not any(values[:1 + len(NARRATIVE_FIELDS)]):
        return None
    status, narrative = values[0], dict(zip(NARRATIVE_FIELDS, values[1:1 + len(NARRATIVE_FIELDS)]))
    return {"status": status, "label": label(status), **narrative,
            "narrative": [(name, value) for name, value in narrative.items() if value]}


def all_items(years: list[PublishedYear]) -> list[Item]:
    """Every commitment of any year published, in catalogue order."""
    seen: dict[int, Item] = {}
    for published in years:
        for item in published.data.items:
            seen.setdefault(item.id, item)
    return sorted(seen.values(), key=lambda item: (item.position, item.id))


def all_economies(years: list[PublishedYear]) -> list[Economy]:
    """Every economy any year published covers, by code."""
    seen: dict[int, Economy] = {}
    for published in years:
        for member in published.data.economies:
            seen.setdefault(member.id, member)
    return sorted(seen.values(), key=lambda e: e.code)

