"""An economy's checklist for a year, read with SQLAlchemy Core: what ``tracker show`` prints and
the browser view's economy page shows.

``tracker show`` is typed again and again while a return is checked, and importing SQLAlchemy's
ORM and mapping the models costs more than everything else it does. So this module reads the
tables of ``tracker.tables`` and imports neither ``sqlalchemy.orm`` nor ``tracker.models``
(``tests/test_recording.py`` proves that ``show`` does not load them). Its functions take
whatever executes statements: a ``Connection`` (``Store.read``) or a ``Session`` (the browser
view, inside its transaction). The economy lookup and the wordings are shared with the ORM code
(``economies.resolve_economy``, ``catalogue.wordings_for``), so each is written once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence, TypeVar

from sqlalchemy import ColumnElement, func, select

from tracker.errors import not_found
from tracker.tables import CONTACT_FIELDS, ENTRY_FIELDS, change, economy, economy_return, entry, item, item_text
from tracker.years import check_year

E = TypeVar("E")

Wordings = list[tuple[int, str]]  # (from year, text), oldest first


def economy_by_code(economies: Sequence[E], code: str) -> E:
    """The one of ``economies`` (ORM objects or rows, with ``code`` and ``name``, in code order)
    whose code is ``code`` in any case; refuse with the closest codes or names otherwise."""
    wanted = code.strip().casefold()
    for candidate in economies:
        if candidate.code.casefold() == wanted:
            return candidate
    raise not_found("economy", code, {e.code: e.name for e in economies})


def applies_in(year: int) -> ColumnElement[bool]:
    """The items that apply in ``year``: from their first year up to, not including, the year
    they were retired."""
    return (item.c.first_year <= year) & (item.c.retired_year.is_(None) | (item.c.retired_year > year))


def wording_in(wordings: Wordings, year: int) -> str:
    """The wording that applies in ``year``: the latest one starting by then, else the first."""
    text = wordings[0][1]
    for from_year, wording in wordings:
        if from_year <= year:
            text = wording
    return text


def wordings_of(db, items: Sequence) -> dict[int, Wordings]:
    """Every item's wordings (items as ORM objects or rows, with ``id``, ``first_year`` and
    ``text``), oldest first; its one text when it was never reworded."""
    stored: dict[int, Wordings] = {}
    rows = db.execute(
        select(item_text.c.item_id, item_text.c.from_year, item_text.c.text)
        .where(item_text.c.item_id.in_([i.id for i in items]))
        .order_by(item_text.c.item_id, item_text.c.from_year)
    )
    for item_id, from_year, text in rows:
        stored.setdefault(item_id, []).append((from_year, text))
    return {i.id: stored.get(i.id) or [(i.first_year, i.text)] for i in items}


def last_updated(db, economy_id: int, year: int) -> datetime | None:
    """When anything in the economy's return for the year last changed."""
    return db.execute(
        select(func.max(change.c.changed_at)).where(change.c.economy_id == economy_id, change.c.year == year)
    ).scalar()


def checklist(db, economy_code: str, year: int) -> dict:
    """The economy's checklist for a year: every item that applies, reported or not, in that
    year's wording, with the return's contact point and when it last changed."""
    check_year(year)
    found = economy_by_code(
        db.execute(select(economy.c.id, economy.c.code, economy.c.name).order_by(economy.c.code)).all(), economy_code
    )
    items = db.execute(
        select(item.c.id, item.c.ref, item.c.text, item.c.first_year)
        .where(applies_in(year))
        .order_by(item.c.position, item.c.id)
    ).all()
    texts = {item_id: wording_in(wordings, year) for item_id, wordings in wordings_of(db, items).items()}
    # Asked by the entry's whole key (economy, item, year): SQLite, which keeps no statistics,
    # would otherwise walk the year's index through every economy's entries.
    entries = {
        row.item_id: row
        for row in db.execute(
            select(entry.c.item_id, *(entry.c[name] for name in ENTRY_FIELDS))
            .where(entry.c.economy_id == found.id, entry.c.item_id.in_([i.id for i in items]), entry.c.year == year)
        )
    }
    contact = db.execute(
        select(*(economy_return.c[name] for name in CONTACT_FIELDS))
        .where(economy_return.c.economy_id == found.id, economy_return.c.year == year)
    ).first()
    rows = []
    for listed in items:
        answer = entries.get(listed.id)
        rows.append(
            {"ref": listed.ref, "text": texts[listed.id]}
            | {name: getattr(answer, name) if answer else None for name in ENTRY_FIELDS}
        )
    return {
        "economy": found.code,
        "name": found.name,
        "year": year,
        "contact": {name: getattr(contact, name) if contact else None for name in CONTACT_FIELDS},
        "last_updated": last_updated(db, found.id, year),
        "items": rows,
    }
