"""What counts as a return, written once: every command, page and sheet that says who returned asks here.

An economy has returned for a year when a return of it is in force for the year: a form issued for
it and imported, a tidy table with rows for it, or an online return submitted (each an ``Import``
not undone since), or when the year holds at least one of its answers with a status (answers the
secretariat recorded from a return received another way). A return's answers are that year's
entries, the prefilled ones left as they were included (recorded as confirmed), so a form sent back
unchanged is a return like any other; an economy with neither is "No return".

Answers saved on the online return page are a draft (``progress.record_entries`` with ``draft``):
a status whose last change was such a save is no answer here, so a focal point who saved and has
not submitted is still to chase. Submitting records the return (an ``Import``), which counts
whatever the answers' origin; a status the secretariat records or corrects afterwards counts too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.import_log import undone_ids
from tracker.models import Change, Entry, Import, Item

#: What every sheet, page and command shows for an economy that did not return for a year, in place
#: of its figures: never a rate or a coverage of 0.
NO_RETURN = "No return"


def latest_returns(session: Session, year: int, as_of: datetime | None = None) -> dict[int, tuple[datetime, str]]:
    """Per economy, (when, file) of the last import that is still in force and holds its return
    for ``year``: a form issued for it (or an online return), or a table with rows for it (as of a
    moment, if given)."""
    undone = undone_ids(session, as_of)
    forms = select(Import.economy_id, Import.id, Import.imported_at, Import.file_name).where(
        Import.kind == "form", Import.year == year)
    tables = (
        select(Change.economy_id, Import.id, Import.imported_at, Import.file_name)
        .join(Import, Import.id == Change.import_id)
        .where(Import.kind == "table", Change.year == year)
        .distinct()
    )
    if as_of is not None:
        forms, tables = forms.where(Import.imported_at <= as_of), tables.where(Import.imported_at <= as_of)
    latest: dict[int, tuple[datetime, str]] = {}
    for economy_id, import_id, at, file_name in [*session.execute(forms), *session.execute(tables)]:
        if import_id in undone:
            continue
        if economy_id not in latest or at > latest[economy_id][0]:
            latest[economy_id] = (at, file_name)
    return latest


def _answered(session: Session, year: int, as_of: datetime | None) -> set[int]:
    """The economies with at least one entry of ``year`` holding a status that is not a draft, on
    an item that applies that year (now, from the entries' ``status_draft``; or rebuilt from the
    history as it stood at ``as_of``, from the ``draft`` of each entry's last status change)."""
    applies = (Item.first_year <= year) & or_(Item.retired_year.is_(None), Item.retired_year > year)
    if as_of is None:
        return set(session.scalars(
            select(Entry.economy_id).distinct().join(Item, Item.id == Entry.item_id)
            .where(Entry.year == year, Entry.status.is_not(None), Entry.status_draft.is_(False), applies)
        ))
    latest: dict[tuple[int, int], bool] = {}
    for economy_id, item_id, value, draft in session.execute(
        select(Change.economy_id, Change.item_id, Change.new_value, Change.draft)
        .join(Item, Item.id == Change.item_id)
        .where(Change.year == year, Change.field == "status", Change.changed_at <= as_of, applies)
        .order_by(Change.changed_at, Change.id)
    ):
        latest[(economy_id, item_id)] = value is not None and not draft
    return {economy_id for (economy_id, _), answered in latest.items() if answered}


def returned_economies(session: Session, year: int, as_of: datetime | None = None,
                       latest: dict[int, tuple[datetime, str]] | None = None) -> set[int]:
    """The ids of the economies that returned for ``year`` (as things stood at ``as_of``, if
    given): a return in force, or answers with a status that are not online drafts. The one
    definition of "returned".
    ``latest`` is ``latest_returns`` of the same year and moment, for a caller that has read it."""
    if latest is None:
        latest = latest_returns(session, year, as_of)
    return set(latest) | _answered(session, year, as_of)
