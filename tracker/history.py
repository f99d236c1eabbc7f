"""The history: who changed what, when, old to new, and the state of the data at any past moment.

``Change`` rows are append-only and written only by the one write path, so they are the complete
record: a listing filtered by economy, item, year or import, with the source of each change (the
command and user, or the imported file and its SHA-256); the rounds' openings and closings; and
``entries_as_of`` / ``contacts_as_of``, which rebuild the data as they stood at a moment.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import reviews, rounds
from tracker.catalogue import resolve_item
from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.import_log import mailed
from tracker.models import CONTACT_FIELDS, ENTRY_FIELDS, Change, Economy, Import, Item, Return


#: Moments before this year are refused: no commitment tracked is older, and every date shown
#: has four digits.
FIRST_MOMENT_YEAR = 1900


def moment(text: str) -> datetime:
    """A moment given as an ISO date-time (UTC unless it says otherwise) or a date (its end)."""
    given = text.strip()
    try:
        if len(given) == 10:
            parsed = datetime.combine(date.fromisoformat(given), time.max)
        else:
            parsed = datetime.fromisoformat(given)
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except ValueError:
        raise Refused(f"{text!r} is not a date (2009-04-01) or an ISO date-time (2009-04-01T12:30:00).") from None
    except OverflowError:
        parsed = None
    if parsed is None or parsed.year < FIRST_MOMENT_YEAR:
        raise Refused(f"{text!r} is outside the years a moment can be given in ({FIRST_MOMENT_YEAR} to "
                      f"{datetime.max.year}): give a moment such as 2009-06-30T12:00:00.")
    return parsed


#: How a change saved on the online return page is marked wherever the history is shown.
DRAFT_NOTE = "(saved online as a draft)"


def change_source(source: str, file_name: str | None, sha256: str | None, mail_from: str | None = None,
                  mail_sent_at: datetime | None = None) -> str:
    """Where a change came from: the command and user, or the imported file and its SHA-256 (and
    for a workbook that came by e-mail, the message's sender and date)."""
    if not sha256:
        return source
    return f"import {file_name}, SHA-256 {sha256}{mailed(mail_from, mail_sent_at)}"


def history(
    session: Session,
    economy_code: str | None = None,
    ref: str | None = None,
    year: int | None = None,
    import_id: int | None = None,
) -> list[dict]:
    """Every recorded change matching the filters given, newest first; with a year, the reviews of
    the year's returns (of the economy, if given), and the round's openings, closings and
    reopenings too (who, when and why). ``draft`` marks a change a focal point saved on the online
    return page: it counted towards no return until the return was submitted."""
    query = (
        select(Change, Item.ref, Economy.code, Import.file_name, Import.sha256, Import.mail_from, Import.mail_sent_at)
        .join(Economy, Economy.id == Change.economy_id)
        .outerjoin(Item, Item.id == Change.item_id)
        .outerjoin(Import, Import.id == Change.import_id)
    )
    economy = resolve_economy(session, economy_code) if economy_code is not None else None
    if economy is not None:
        query = query.where(Change.economy_id == economy.id)
    if ref is not None:
        query = query.where(Change.item_id == resolve_item(session, ref).id)
    if year is not None:
        query = query.where(Change.year == year)
    if import_id is not None:
        if session.get(Import, import_id) is None:
            raise Refused(f"There is no import {import_id}; see `tracker imports list`.")
        query = query.where(Change.import_id == import_id)
    rows = [
        {
            "changed_at": change.changed_at,
            "economy": code,
            "ref": item_ref,
            "year": change.year,
            "field": change.field,
            "old": change.old_value,
            "new": change.new_value,
            "confirmed": change.confirmed,
            "draft": change.draft,
            "source": change_source(change.source, file_name, sha256, mail_from, mail_sent_at),
            "file": file_name,
            "import_id": change.import_id,
            "order": change.id,
        }
        for change, item_ref, code, file_name, sha256, mail_from, mail_sent_at in session.execute(query)
    ]
    if year is not None and ref is None and import_id is None:
        rows += _round_rows(session, year, economy)
    rows.sort(key=lambda row: (row["changed_at"], row["field"] != "round", row["order"]), reverse=True)
    for row in rows:
        row["changed_at"] = row["changed_at"].isoformat(sep=" ", timespec="seconds")
        del row["order"]
    return rows


def _round_rows(session: Session, year: int, economy: Economy | None) -> list[dict]:
    """History rows of what happened to the year's round (opened, closed, reopened: only when no
    economy is asked for) and to its returns (their reviews), in the shape of a change's row."""
    events = [] if economy is not None else [
        {"changed_at": event.at, "economy": None, "ref": None, "year": event.year, "field": "round", "old": None,
         "new": event.action + (f": {event.reason}" if event.reason else ""), "confirmed": False,
         "draft": False, "source": event.source, "file": None, "import_id": None, "order": event.id}
        for event in rounds.round_events(session, year)
    ]
    return events + [
        {"changed_at": row["review"].at, "economy": row["economy"], "ref": None, "year": year, "field": "review",
         "old": None, "new": row["text"], "confirmed": False, "draft": False, "source": row["review"].source, "file": None,
         "import_id": None, "order": row["review"].id}
        for row in reviews.review_history(session, year, economy.id if economy else None)
    ]


def _replay(session: Session, when: datetime, entries: bool, years: list[int] | None = None):
    """Replay the history up to ``when``: per (economy, item or None, year), each field's value
    then and the moment that row last changed."""
    # Rows of columns, not ORM objects: a replay reads the whole history.
    query = (select(Change.economy_id, Change.item_id, Change.year, Change.field, Change.new_value, Change.changed_at)
             .where(Change.changed_at <= when).order_by(Change.changed_at, Change.id))
    query = query.where(Change.item_id.is_not(None) if entries else Change.item_id.is_(None))
    if years is not None:
        query = query.where(Change.year.in_(years))
    state: dict[tuple, dict] = {}
    for economy_id, item_id, year, field, new_value, changed_at in session.execute(query):
        row = state.setdefault((economy_id, item_id, year), {})
        row[field] = new_value
        row["updated_at"] = changed_at
    return state


def entries_as_of(session: Session, when: datetime) -> dict[tuple[int, int, int], dict]:
    """Every entry as it stood at ``when``, keyed by (economy_id, item_id, year): its fields and
    ``updated_at``."""
    return {
        key: {name: values.get(name) for name in ENTRY_FIELDS} | {"updated_at": values["updated_at"]}
        for key, values in _replay(session, when, entries=True).items()
    }


def contacts_as_of(session: Session, year: int, when: datetime) -> dict[int, Return]:
    """Each economy's contact point for ``year`` or, failing that, its latest earlier one (as
    ``progress.latest_contacts``), as it stood at ``when``, as unsaved ``Return`` rows."""
    contacts: dict[int, Return] = {}
    replayed = _replay(session, when, entries=False)
    for (economy_id, _, given), values in sorted(replayed.items(), key=lambda pair: -pair[0][2]):
        if given <= year and economy_id not in contacts:
            fields = {name: values.get("contact_" + name) for name in CONTACT_FIELDS}
            contacts[economy_id] = Return(economy_id=economy_id, year=given, updated_at=values["updated_at"], **fields)
    return contacts
