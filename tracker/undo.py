"""Taking an import back, as new history.

Undo reads the ``Change`` rows an import wrote and writes the old values back through the one
write path (``progress.record_entries`` / ``record_contact``), so nothing is deleted: an undo is
an ``Import`` of kind "undo" in the import log, and can be undone the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import progress
from tracker.errors import Refused
from tracker.import_log import UNDO, import_label, undone_ids
from tracker.models import Change, Economy, Import, Item, utcnow


@dataclass
class UndoResult:
    undo_id: int
    target: int
    restored: list[dict] = field(default_factory=list)  # economy, year, ref, field, old, new


def _chain(session: Session, import_id: int) -> set[int]:
    """The import and every undo that takes it (or one of its undos) back."""
    chain = {import_id}
    while True:
        more = set(session.scalars(select(Import.id).where(Import.undoes_id.in_(chain)))) - chain
        if not more:
            return chain
        chain |= more


def _changed_since(session: Session, import_id: int, last_id: dict[tuple, int]) -> set[tuple]:
    """The values (keys of ``last_id``) that a change outside the import's own undo chain touched
    after the import last did."""
    chain = _chain(session, import_id)
    later = session.execute(
        select(Change.economy_id, Change.item_id, Change.year, Change.field, Change.id)
        .where(Change.id > min(last_id.values()),
               Change.economy_id.in_({key[0] for key in last_id}),
               Change.year.in_({key[2] for key in last_id}))
        .where(Change.import_id.is_(None) | Change.import_id.not_in(chain))
    )
    return {tuple(row[:4]) for row in later if tuple(row[:4]) in last_id and row[4] > last_id[tuple(row[:4])]}


def undo_import(session: Session, import_id: int, force: bool, source: str) -> UndoResult:
    """Restore every value import ``import_id`` changed, as new history rows.

    Refused, naming the entries, when a later change outside this import's own undos touched one
    of those values (unless ``force``), when it is already undone, or when it changed nothing and
    is no return (a form sent back unchanged is a return: undoing it takes the return back).
    The import and its economies are locked before the check, so the check holds until commit.
    """
    record = _undoable(session, import_id)
    first, last_id = _changes_of(session, record)
    progress.lock_economies(session, {key[0] for key in first})
    economies = {e.id: e for e in session.scalars(select(Economy).where(Economy.id.in_({k[0] for k in first})))}
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_({k[1] for k in first if k[1]})))}
    touched = sorted(
        f"{economies[economy_id].code} {items[item_id].ref if item_id else 'contact'} {year} {name}"
        for economy_id, item_id, year, name in (_changed_since(session, import_id, last_id) if last_id else ())
    )
    if touched and not force:
        raise Refused(
            f"Import {import_id} was not undone: these values were changed after it: {', '.join(touched)}. "
            "Undo with --force to put back the values from before the import anyway."
        )
    undo = Import(file_name=f"undo of import {import_id}", sha256=None, kind=UNDO, undoes_id=import_id,
                  economy_id=record.economy_id, year=record.year, imported_at=utcnow(),
                  new=0, changed=0, unchanged=0)
    session.add(undo)
    session.flush()
    return UndoResult(undo.id, import_id, _restore(session, undo, first, economies, items, source))


def _undoable(session: Session, import_id: int) -> Import:
    """The import, locked; refused when there is none or it is already undone."""
    record = session.get(Import, import_id, with_for_update=True)
    if record is None:
        raise Refused(f"There is no import {import_id}; see `tracker imports list`.")
    if import_id in undone_ids(session):
        undo = session.scalar(select(Import.id).where(Import.undoes_id == import_id).order_by(Import.id.desc()))
        raise Refused(f"Import {import_id} ({import_label(record)}) is already undone (by import {undo}); "
                      f"to bring it back, undo that: tracker imports undo {undo}")
    return record


def _changes_of(session: Session, record: Import) -> tuple[dict[tuple, Change], dict[tuple, int]]:
    """Per value the import changed, (economy_id, item_id, year, field): its first change of it
    (which holds the value from before), and the id of its last; refused when it changed nothing,
    unless it is a return (a form), which an undo takes back even so."""
    changes = session.scalars(select(Change).where(Change.import_id == record.id).order_by(Change.id))
    first: dict[tuple, Change] = {}
    last_id: dict[tuple, int] = {}
    for change in changes:
        key = (change.economy_id, change.item_id, change.year, change.field)
        first.setdefault(key, change)
        last_id[key] = change.id
    if not first and record.kind != "form":
        raise Refused(f"Import {record.id} ({import_label(record)}) changed nothing, so there is nothing to undo.")
    return first, last_id


def _drafts_put_back(session: Session, first: dict[tuple, Change]) -> set[tuple[int, int, int]]:
    """The entries (economy, item, year) whose status the undo puts back was an online draft (the
    status change before the import's own was one): put back, it is a draft again (``returns``)."""
    import_change = {key[:3]: change.id for key, change in first.items() if key[3] == "status"}
    if not import_change:
        return set()
    before: dict[tuple, bool] = {}
    for economy_id, item_id, year, change_id, draft in session.execute(
        select(Change.economy_id, Change.item_id, Change.year, Change.id, Change.draft)
        .where(Change.field == "status", Change.economy_id.in_({key[0] for key in import_change}),
               Change.year.in_({key[2] for key in import_change}))
        .order_by(Change.id)
    ):
        key = (economy_id, item_id, year)
        if key in import_change and change_id < import_change[key]:
            before[key] = draft
    return {key for key, draft in before.items() if draft}


def _restore(session: Session, undo: Import, first: dict[tuple, Change], economies: dict[int, Economy],
             items: dict[int, Item], source: str) -> list[dict]:
    """Write back the values from before the import, through the one write path, as the import
    ``undo`` (a status that was an online draft as a draft); what changed back (economy, year,
    ref, field, old, new)."""
    restored: list[dict] = []
    groups: dict[tuple[int, int], dict] = {}
    for (economy_id, item_id, year, name), change in first.items():
        groups.setdefault((economy_id, year), {}).setdefault(item_id, {})[name] = change.old_value
    drafts = _drafts_put_back(session, first)
    for (economy_id, year), by_item in groups.items():
        economy = economies[economy_id]
        contact = by_item.pop(None, None)
        outcomes = []
        for draft in (False, True):
            updates = [(items[i], values) for i, values in by_item.items() if ((economy_id, i, year) in drafts) == draft]
            if updates:
                outcomes += progress.record_entries(session, economy, year, updates, source, undo.id, erase=True,
                                                    draft=draft)
        undo.changed += sum(outcome.kind != "unchanged" for outcome in outcomes)
        if contact is not None:
            values = {name.removeprefix("contact_"): value for name, value in contact.items()}
            outcomes.append(progress.record_contact(session, economy, year, values, source, undo.id, erase=True))
        for outcome in outcomes:
            restored += [
                {"economy": economy.code, "year": year, "ref": outcome.ref, "field": c.field, "old": c.old, "new": c.new}
                for c in outcome.changes
            ]
    return restored


def undo_preview(session: Session, import_id: int) -> dict:
    """What undoing import ``import_id`` would do, for the page that asks to confirm it: the
    import, each value it would put back (as the import left it, and as it was before), and the
    values changed by something else since (only a forced undo writes over those). Refused as
    the undo itself would be."""
    record = _undoable(session, import_id)
    first, last_id = _changes_of(session, record)
    codes = dict(session.execute(select(Economy.id, Economy.code)).all())
    refs = dict(session.execute(select(Item.id, Item.ref).where(Item.id.in_({k[1] for k in first if k[1]}))).all())
    left = dict(session.execute(select(Change.id, Change.new_value).where(Change.id.in_(last_id.values()))).all())
    later = set(_changed_since(session, import_id, last_id)) if last_id else set()
    values = [
        {"economy": codes[economy_id], "year": year, "ref": refs.get(item_id), "field": name,
         "set": left[last_id[key]], "back": change.old_value, "changed_since": key in later}
        for key, change in first.items()
        for economy_id, item_id, year, name in [key]
    ]
    return {"id": record.id, "file": import_label(record), "economy": codes.get(record.economy_id),
            "year": record.year, "values": values, "changed_since": len(later)}
