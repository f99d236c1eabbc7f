"""What the browser view shows, gathered from the library the commands use: the round at a glance,
the status matrix, an economy's checklist with its history, one item across economies and years.

Each function returns plain data (the JSON twin of a page is exactly it) and runs a fixed number
of SQL statements, whatever the number of economies and items. The figures come from the same
functions as the commands: ``rounds.status_report`` (``tracker round status``), ``comparison.summary``
(``tracker summary``), ``checklist.checklist`` (``tracker show``), ``history.history``
(``tracker history``), ``reports_log.list_reports`` (``tracker reports list``), ``needs.needs_and_offers``
(``tracker needs``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import checklist, comparison, history, needs, progress, rates, reports_log, returns, rounds, years
from tracker.catalogue import instrument_names, items_applying, items_for, resolve_item, show_item, wordings_for
from tracker.errors import Refused
from tracker.mail.log import last_contacted
from tracker.mail.settings import read_settings
from tracker.models import Economy, Entry, Round
from tracker.status import label

NOT_REPORTED = "Not reported"


def known_year(session: Session, year: int | None) -> int:
    """The year asked for (``None``: the ``default_year``); refused when nothing can be shown for it:
    implausible, or before any item applies."""
    year = default_year(session) if year is None else year
    years.check_year(year)
    items_applying(session, year)
    return year


def default_year(session: Session) -> int:
    """The year the browser opens on: the latest open round, else the latest round, else the
    latest year with entries, else this year."""
    latest_open = session.scalar(select(func.max(Round.year)).where(Round.closed_at.is_(None)))
    return (latest_open or session.scalar(select(func.max(Round.year)))
            or session.scalar(select(func.max(Entry.year))) or date.today().year)


def latest_report(session: Session, year: int) -> dict | None:
    """The last report written for ``year`` whose file is still there, with its PDF if one sits
    beside it."""
    for row in reversed(reports_log.list_reports(session)):
        if row["year"] == year and Path(row["file"]).is_file():
            pdf = Path(row["file"]).with_suffix(".pdf")
            return row | {"pdf": str(pdf) if pdf.is_file() else None}
    return None


def at_a_glance(session: Session, year: int | None = None) -> dict:
    """The round at a glance: ``round_status`` is ``tracker round status YEAR --json`` with its
    totals and economies to chase, ``summary`` is ``tracker summary --year YEAR --json`` with the
    region-wide figures and the like-for-like change since the previous year, ``instruments`` the pooled rate per instrument, and the latest report; ``mail_ready``: whether mail is set up (a request for
    changes is then e-mailed)."""
    year = known_year(session, year)
    return {
        "year": year,
        "round_status": rounds.status_report(session, year),
        "summary": comparison.summary(session, year),
        "instruments": rates.instrument_rates(session, year),
        "latest_report": latest_report(session, year),
        "mail_ready": read_settings(session).ready,
    }


def status_matrix(session: Session, year: int | None, instrument: str | None = None) -> dict:
    """Economies x items for ``year``: each cell the status key (``None``: not reported), with
    the labels; only one instrument's items when ``instrument`` (its code) is given."""
    year = known_year(session, year)
    all_items = items_for(session, year)
    instruments = list(instrument_names({i.instrument.code: i.instrument for i in all_items}.values()).items())
    if instrument is not None and instrument not in dict(instruments):
        raise Refused(f"Unknown instrument {instrument!r}: give one of {', '.join(code for code, _ in instruments)}.")
    items = [i for i in all_items if instrument is None or i.instrument.code == instrument]
    texts = wordings_for(session, year, items)
    economies = rates.economies_for(session, year)
    item_ids = {item.id for item in items}
    statuses = {
        (economy_id, item_id): status
        for economy_id, item_id, status in session.execute(
            select(Entry.economy_id, Entry.item_id, Entry.status).where(Entry.year == year)
        )
        if item_id in item_ids
    }
    return {
        "year": year,
        "instrument": instrument,
        "instruments": [{"code": code, "title": title} for code, title in instruments],
        "items": [{"ref": i.ref, "instrument": i.instrument.code, "short_title": i.short_title, "text": texts[i.id]}
                  for i in items],
        "economies": [
            {"code": e.code, "name": e.name,
             "statuses": [statuses.get((e.id, i.id)) for i in items],
             "labels": [label(statuses.get((e.id, i.id))) or NOT_REPORTED for i in items]}
            for e in economies
        ],
    }


def needs_page(session: Session, year: int | None) -> dict:
    """``tracker needs --year YEAR --json``, with its figures in words."""
    matching = needs.needs_and_offers(session, known_year(session, year))
    return matching.as_json() | {"sentence": matching.sentence()}


def economy_page(session: Session, economy_code: str, year: int | None) -> dict:
    """``tracker show CODE --year YEAR`` (in that year's wording) with each item's last change,
    and the economy's history for the year (``tracker history CODE --year YEAR``); with, for the
    edit forms, each entry's ``entry_fingerprint`` (``shown``), the year's round state and when
    its return came in."""
    year = known_year(session, year)
    sheet = checklist.checklist(session, economy_code, year)
    changes = history.history(session, sheet["economy"], None, year)
    last_change: dict[str, dict] = {}
    for change in changes:
        if change["ref"]:
            last_change.setdefault(change["ref"], change)
    sheet["items"] = [row | {"last_change": last_change.get(row["ref"]), "shown": progress.entry_fingerprint(row)}
                      for row in sheet["items"]]
    round_ = session.get(Round, year)
    economy_id = session.scalar(select(Economy.id).where(Economy.code == sheet["economy"]))
    latest = returns.latest_returns(session, year)
    received = latest.get(economy_id)
    returned = economy_id in returns.returned_economies(session, year, latest=latest)
    return sheet | {"history": changes, "round": _round_state(round_),
                    "returned": received[0] if received else None, "has_returned": returned,
                    "last_contacted": last_contacted(session, year).get(economy_id)}


def _round_state(round_: Round | None) -> str:
    """"open", "closed" or "not opened": whether the year may change, and a return be submitted."""
    return "not opened" if round_ is None else "closed" if round_.is_closed else "open"


def item_page(session: Session, ref: str) -> dict:
    """One commitment (``tracker catalog show REF``) with its wordings, and its status in every
    economy and year on record."""
    item = resolve_item(session, ref)
    rows = session.execute(
        select(Economy.code, Economy.name, Entry.year, Entry.status)
        .join(Economy, Economy.id == Entry.economy_id)
        .where(Entry.item_id == item.id)
        .order_by(Economy.code, Entry.year)
    )
    by_economy: dict[str, dict] = {}
    years: set[int] = set()
    for code, name, year, status in rows:
        years.add(year)
        by_economy.setdefault(code, {"code": code, "name": name, "statuses": {}})["statuses"][year] = status
    years_shown = sorted(years)
    return {
        "item": show_item(session, item.ref),
        "years": years_shown,
        "economies": [
            row | {"statuses": [row["statuses"].get(y) for y in years_shown],
                   "labels": [label(row["statuses"].get(y)) or NOT_REPORTED for y in years_shown]}
            for row in by_economy.values()
        ],
    }
