"""Recording progress: the one write path for entries and contact points, and reading them back.

Everything that changes an entry or a return (the ``record`` and ``contact`` commands, every
import) calls ``record_entries`` or ``record_contact``. They validate the values, write only
what differs, and append one ``Change`` row per changed field, so the history is complete.
A blank value never erases what is stored: it means "not given". A return's answer carried
forward from an earlier year and sent back unchanged is recorded for the year as confirmed (the
history says "confirmed", not a change of value).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.catalogue import resolve_item
from tracker.closed_rounds import check_writer, refuse_if_closed
from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.models import (
    CONTACT_FIELDS,
    ENTRY_FIELDS,
    Change,
    Economy,
    Entry,
    Item,
    Return,
    utcnow,
)
from tracker.status import parse_status
from tracker.store import hold, held, insert_rows
from tracker.text import check_email, normalise
from tracker.workbook.layout import FIELD_LABELS
from tracker.years import check_year

MAX_TEXT = 10_000
#: Typed in a cell of a form or table, empties the answer on record (a blank cell keeps it).
CLEAR_MARKER = "[clear]"


@dataclass
class FieldChange:
    field: str
    old: str | None
    new: str
    confirmed: bool = False  # an earlier year's answer returned unchanged, now this year's too


@dataclass
class Outcome:
    """What recording did (or, in a dry run, would do) to one entry or return."""

    ref: str | None
    kind: str  # "new", "changed", "confirmed" (only earlier answers returned as they were), "unchanged", "withdrawn"
    changes: list[FieldChange] = field(default_factory=list)


def clean_text(value: str | None, what: str) -> str | None:
    """Text as typed, without surrounding spaces; ``None`` when blank (blank never erases).

    Checked by ``text.normalise``: nothing invisible or a control character is ever stored."""
    if value is None:
        return None
    cleaned = str(value).strip()
    if len(cleaned) > MAX_TEXT:
        raise Refused(f"{what} is {len(cleaned):,} characters long; the limit is {MAX_TEXT:,}.")
    return normalise(str(value), what).strip() or None


def lock_economies(session: Session, economy_ids) -> None:
    """Hold the economies' rows until the transaction ends, so that whoever checks and then writes
    an economy's entries or return (including ones that do not exist yet) runs as if alone.

    On PostgreSQL this is ``SELECT ... FOR UPDATE``, in id order so two writers never deadlock;
    SQLite's ``BEGIN IMMEDIATE`` already lets one writer in at a time."""
    ids = sorted(economy_id for economy_id in set(economy_ids) if not held(session, ("economy", economy_id)))
    if ids and session.get_bind().dialect.name != "sqlite":
        session.execute(select(Economy.id).where(Economy.id.in_(ids)).order_by(Economy.id).with_for_update())
        for economy_id in ids:
            hold(session, ("economy", economy_id))


def clean_entry_value(name: str, value, what: str) -> str | None:
    """One field of an entry, validated: the status as its key (given by key or label), text as
    typed; ``None`` when blank. Raises ``Refused`` saying what is wrong."""
    cleaned = clean_text(value, what)
    if cleaned is None or name != "status":
        return cleaned
    return parse_status(cleaned)


def clean_entry_values(values: dict[str, str | None], what: str) -> dict[str, str]:
    """Validate the fields given for an entry; drop the blank ones."""
    cleaned = {name: clean_entry_value(name, value, f"{what}, {name}")
               for name in ENTRY_FIELDS if (value := values.get(name)) is not None}
    return {name: value for name, value in cleaned.items() if value is not None}


def _erased(values: dict, erase: bool) -> dict[str, None]:
    """The fields an undo empties: those it gives as ``None`` (blank never erases otherwise)."""
    return {name: None for name, value in values.items() if erase and value is None}


def _differences(row, values: dict[str, str], prefix: str = "", carried: dict | None = None) -> list[FieldChange]:
    """The fields of ``values`` that differ from ``row`` (None: a row not written yet), old -> new.
    ``prefix`` names the field in the history (contact fields are kept as ``contact_name`` ...).
    A blank field given the answer ``carried`` forward from an earlier year is a confirmation."""
    differences = []
    for name, new in values.items():
        old = getattr(row, name) if row is not None else None
        if old != new:
            confirmed = old is None and new is not None and (carried or {}).get(name) == new
            differences.append(FieldChange(prefix + name, old, new, confirmed))
    return differences


def _kind(entry, differences: list[FieldChange]) -> str:
    if not differences:
        return "unchanged"
    if all(d.confirmed for d in differences):
        return "confirmed"
    return "new" if entry is None else "changed"


def _set(row, differences: list[FieldChange], prefix: str, now: datetime, source: str) -> None:
    for difference in differences:
        setattr(row, difference.field[len(prefix):], difference.new)
    if differences:
        row.updated_at, row.updated_by = now, source


def _history(differences: list[FieldChange], where: dict, now: datetime, source: str, draft: bool) -> list[dict]:
    return [
        {"field": d.field, "old_value": d.old, "new_value": d.new, "changed_at": now, "source": source,
         "confirmed": d.confirmed, "draft": draft, **where}
        for d in differences
    ]


def _validated(economy: Economy, year: int, updates: list[tuple[Item, dict[str, str]]],
               erase: bool) -> list[tuple[Item, dict[str, str | None]]]:
    """``record_entries``'s updates with every value cleaned (``clean_entry_values``; with
    ``erase``, a field given as None kept as None), refused whole when an item does not apply in
    ``year`` or is given twice: nothing is written of a batch with a mistake in it."""
    cleaned = [(item, clean_entry_values(values, f"{economy.code} {item.ref} {year}") | _erased(values, erase))
               for item, values in updates]
    not_applying = [item.ref for item, _ in cleaned if not item.applies_in(year)]
    if not_applying:
        raise Refused(
            f"{', '.join(not_applying)} does not apply in {year} "
            "(see `tracker catalog show REF` for the years an item applies)."
        )
    item_ids = [item.id for item, _ in cleaned]
    if len(set(item_ids)) != len(item_ids):
        raise Refused(f"The same item is given twice for {economy.code} {year}; give each item once.")
    return cleaned


def record_entries(
    session: Session,
    economy: Economy,
    year: int,
    updates: list[tuple[Item, dict[str, str]]],
    source: str,
    import_id: int | None = None,
    erase: bool = False,
    carried: dict[int, dict[str, str]] | None = None,
    draft: bool = False,
) -> list[Outcome]:
    """Set entries of one economy and year: the one write path for entries.

    Validates every value (``clean_entry_values``), holds the economy and reads its entries of
    the year in one locked query (all of them: a form names nearly all, and naming hundreds of
    items in the query cost more on PostgreSQL than reading the rest), writes only what differs,
    and returns one ``Outcome`` per update in the order given. New entries and the history go
    in as one multi-row insert each, so a form of hundreds of rows costs a handful of
    statements. With ``erase`` (an undo, ``record --clear``, ``CLEAR_MARKER`` in a form), a field
    given as ``None`` is emptied. A return
    passes what it ``carried`` forward (``carried_forward``): a blank field given that answer
    again is recorded as confirmed. ``draft`` marks what an online return page saves (the history
    rows, and an entry's status set by them): it makes no return until submitted (``returns``).
    """
    refuse_if_closed(session, year)
    check_year(year)
    updates = _validated(economy, year, updates, erase)
    lock_economies(session, [economy.id])
    existing = {
        entry.item_id: entry
        for entry in session.scalars(
            select(Entry)
            .where(Entry.economy_id == economy.id, Entry.year == year)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    now = utcnow()
    outcomes, new_entries, history = [], [], []
    for item, values in updates:
        entry = existing.get(item.id)
        differences = _differences(entry, values, carried=(carried or {}).get(item.id))
        if entry is None and differences:
            new_entries.append({"economy_id": economy.id, "item_id": item.id, "year": year, "updated_at": now,
                                "updated_by": source, "status_draft": draft and values.get("status") is not None}
                               | {name: values.get(name) for name in ENTRY_FIELDS})
        elif entry is not None:
            _set(entry, differences, "", now, source)
            if any(d.field == "status" for d in differences):
                entry.status_draft = draft
        kind = _kind(entry, differences)
        where = {"economy_id": economy.id, "item_id": item.id, "year": year, "import_id": import_id}
        history += _history(differences, where, now, source, draft)
        outcomes.append(Outcome(item.ref, kind, differences))
    insert_rows(session, Entry.__table__, new_entries)
    session.flush()
    insert_rows(session, Change.__table__, history)
    return outcomes


def record_contact(
    session: Session,
    economy: Economy,
    year: int,
    values: dict[str, str | None],
    source: str,
    import_id: int | None = None,
    erase: bool = False,
    draft: bool = False,
) -> Outcome:
    """Set the contact point of an economy's return for a year (blank fields are left as they are,
    except that an undo passes ``erase`` to empty the fields it gives as ``None``); ``draft`` as
    for ``record_entries``."""
    refuse_if_closed(session, year)
    check_year(year)
    cleaned = {}
    for name in CONTACT_FIELDS:
        value = clean_text(values.get(name), f"contact {name}")
        if value is not None:
            cleaned[name] = value
    if "email" in cleaned:
        check_email(cleaned["email"])
    cleaned |= _erased({name: values.get(name) for name in CONTACT_FIELDS if name in values}, erase)
    lock_economies(session, [economy.id])
    row = session.scalar(
        select(Return).where(Return.economy_id == economy.id, Return.year == year)
        .with_for_update().execution_options(populate_existing=True)
    )
    is_new = row is None
    if is_new and not cleaned:
        return Outcome(None, "unchanged")
    now = utcnow()
    if is_new:
        row = Return(economy_id=economy.id, year=year, updated_at=now, updated_by=source)
        session.add(row)
    differences = _differences(row, cleaned, prefix="contact_")
    _set(row, differences, "contact_", now, source)
    session.flush()
    where = {"economy_id": economy.id, "item_id": None, "year": year, "import_id": import_id}
    insert_rows(session, Change.__table__, _history(differences, where, now, source, draft))
    return Outcome(None, "new" if is_new else "changed" if differences else "unchanged", differences)


def record(session: Session, economy_code: str, ref: str, year: int, values: dict, source: str,
           clear: tuple[str, ...] = (), withdraw: bool = False) -> Outcome:
    """Set one entry from the command line: the ``tracker record`` command. The fields named in
    ``clear`` are emptied, and ``withdraw`` empties them all (an entry recorded against the wrong
    item or year): on the record, each as old -> blank in the history, and an entry with nothing
    left counts nowhere."""
    economy = resolve_economy(session, economy_code)
    item = resolve_item(session, ref)
    given = {name: cleaned for name, value in values.items()
             if (cleaned := clean_entry_value(name, value, f"--{name}")) is not None}
    cleared = _fields_to_clear(session, economy, item, year, clear, withdraw, given)
    if not given and not cleared:
        raise Refused("Nothing to record: give --status or at least one of the text options "
                      "(or --clear FIELD, or --withdraw).")
    outcome = record_entries(session, economy, year, [(item, given | cleared)], source, erase=bool(cleared))[0]
    if withdraw:
        outcome.kind = "withdrawn"
    return outcome


def _fields_to_clear(session: Session, economy: Economy, item: Item, year: int, clear: tuple[str, ...],
                     withdraw: bool, given: dict) -> dict[str, None]:
    """The fields ``record`` empties, checked: known names, none also given a value, and, to
    withdraw, an entry that holds something."""
    unknown = [name for name in clear if name not in ENTRY_FIELDS]
    if unknown:
        raise Refused(f"--clear {unknown[0]}: there is no such field; give one of {', '.join(ENTRY_FIELDS)}.")
    if withdraw and (given or clear):
        raise Refused("--withdraw empties the whole entry: give it alone, without values or --clear.")
    both = [name for name in clear if name in given]
    if both:
        raise Refused(f"--{both[0]} and --clear {both[0]} contradict each other: give one of them.")
    if not withdraw:
        return dict.fromkeys(clear)
    entry = session.scalar(select(Entry).where(Entry.economy_id == economy.id, Entry.item_id == item.id,
                                               Entry.year == year))
    if entry is None or all(getattr(entry, name) is None for name in ENTRY_FIELDS):
        raise Refused(f"{economy.code} {item.ref} has no entry for {year}, so there is nothing to withdraw.")
    return dict.fromkeys(ENTRY_FIELDS)


def set_contact(session: Session, economy_code: str, year: int, values: dict, source: str) -> Outcome:
    """Set the contact point from the command line: the ``tracker contact`` command."""
    economy = resolve_economy(session, economy_code)
    given = {name: clean_text(value, f"--{name}") for name, value in values.items()}
    stored = session.scalar(select(Return.name).where(Return.economy_id == economy.id, Return.year == year))
    if not given.get("name") and not stored:
        raise Refused(f"{economy.code} has no contact point for {year} yet: give its name with --name.")
    return record_contact(session, economy, year, given, source)


def entries_of(session: Session, economy_ids: list[int] | None, years: list[int]) -> dict:
    """Entries keyed by (economy_id, item_id, year), for the economies (all when None) and years."""
    query = select(Entry).where(Entry.year.in_(years))
    if economy_ids is not None:
        query = query.where(Entry.economy_id.in_(economy_ids))
    return {(e.economy_id, e.item_id, e.year): e for e in session.scalars(query)}


def answers_as_of(session: Session, economy_id: int, year: int, when: datetime) -> dict[int, dict]:
    """Per item, what the economy's latest answer (``year`` or earlier) held at ``when``.

    Rebuilt from the history alone: this is what a form issued at ``when`` was prefilled with.
    """
    rows = session.scalars(
        select(Change)
        .where(
            Change.economy_id == economy_id,
            Change.item_id.is_not(None),
            Change.year <= year,
            Change.changed_at <= when,
        )
        .order_by(Change.changed_at, Change.id)
    )
    state: dict[tuple[int, int], dict] = {}
    for change in rows:
        state.setdefault((change.item_id, change.year), {})[change.field] = change.new_value
    answers: dict[int, dict] = {}
    for (item_id, _), values in sorted(state.items(), key=lambda pair: -pair[0][1]):
        answers.setdefault(item_id, values)
    return answers


def carried_forward(session: Session, economy_id: int, year: int) -> dict[int, dict[str, str]]:
    """Per item, the economy's latest answer before ``year`` (each field from the latest earlier
    entry of the item): what a return for ``year`` carries forward, and confirms if left as it was."""
    carried: dict[int, dict[str, str]] = {}
    for entry in session.scalars(
        select(Entry).where(Entry.economy_id == economy_id, Entry.year < year).order_by(Entry.year.desc())
    ):
        values = {name: getattr(entry, name) for name in ENTRY_FIELDS}
        if entry.item_id not in carried and any(value is not None for value in values.values()):
            carried[entry.item_id] = {name: value for name, value in values.items() if value is not None}
    return carried


def latest_contacts(session: Session, year: int, economy_ids: list[int] | None = None) -> dict[int, Return]:
    """Per economy (all, or those given), its contact point for ``year`` or, failing that, its
    latest earlier one: the focal point of last year is usually this year's too."""
    query = select(Return).where(Return.year <= year).order_by(Return.year.desc())
    if economy_ids is not None:
        query = query.where(Return.economy_id.in_(economy_ids))
    contacts: dict[int, Return] = {}
    for row in session.scalars(query):
        contacts.setdefault(row.economy_id, row)
    return contacts


def entry_fingerprint(values: dict) -> str:
    """A short digest of what an entry holds, carried by an edit form so that a save can tell
    whether the entry changed since the page was loaded (it survives a browser's line-break rewriting
    of text fields, which the values themselves would not)."""
    held = [values.get(name) for name in ENTRY_FIELDS]
    return hashlib.sha256(json.dumps(held).encode()).hexdigest()[:32]


def _quoted(value: str | None) -> str:
    return "(blank)" if value is None else repr(value)


class StaleSave(Refused):
    """A save based on a page loaded before someone else saved the same entry: nothing was written.
    ``conflicts`` holds each field as it would have been saved (old) and as it is now (new)."""

    def __init__(self, ref: str, conflicts: list[FieldChange]):
        self.ref, self.conflicts = ref, conflicts
        both = "; ".join(f"{c.field}: yours {_quoted(c.old)}, now saved {_quoted(c.new)}" for c in conflicts)
        super().__init__(f"{ref} was changed by someone else after you loaded the page, so your save was "
                         f"refused and nothing was written ({both or 'the same values'}). Reload the page, "
                         "check the values saved and save again.")


def correct_entry(session: Session, economy_code: str, ref: str, year: int, values: dict[str, str | None],
                  shown: str, source: str, clear: tuple[str, ...] = (),
                  round_required: bool = False, withdraw: bool = False) -> tuple[Outcome, list[str]]:
    """Save one entry as edited in the browser, through ``record_entries``; the fields in
    ``clear`` are emptied (a field left empty keeps what is stored, as a blank cell does), and
    ``withdraw`` empties them all, as ``record --withdraw`` does (an entry recorded against the
    wrong item or year). The year is checked first (``closed_rounds.check_writer``:
    ``round_required`` for a focal point), in the same transaction as the write.

    ``shown`` is the ``entry_fingerprint`` of the entry when the page was loaded; if the entry
    holds anything else now, someone saved it in between, and the save is refused (``StaleSave``,
    with both values of each field that differs) instead of overwriting theirs. The check runs
    with the economy locked, as the write path does, so it holds until commit. Returns the
    outcome and the fields left empty that kept what is stored, for the page to say so."""
    check_writer(session, year, round_required)
    economy = resolve_economy(session, economy_code)
    item = resolve_item(session, ref)
    unknown = [name for name in clear if name not in ENTRY_FIELDS]
    if unknown:
        raise Refused(f"There is no field {unknown[0]!r} to clear; the fields are {', '.join(ENTRY_FIELDS)}.")
    lock_economies(session, [economy.id])
    entry = session.scalar(
        select(Entry).where(Entry.economy_id == economy.id, Entry.item_id == item.id, Entry.year == year)
        .with_for_update().execution_options(populate_existing=True)
    )
    stored = {name: getattr(entry, name) if entry else None for name in ENTRY_FIELDS}
    if withdraw:
        if not any(stored.values()):
            raise Refused(f"{economy.code} {item.ref} has no entry for {year}, so there is nothing to withdraw.")
        wanted = dict.fromkeys(ENTRY_FIELDS)
    else:
        what = f"{economy.code} {item.ref} {year}"
        _refuse_value_and_clear(clean_entry_values({k: v for k, v in values.items() if k in clear}, what), stored)
        wanted = clean_entry_values({k: v for k, v in values.items() if k not in clear}, what) | dict.fromkeys(clear)
    if entry_fingerprint(stored if entry else {}) != shown:
        raise StaleSave(item.ref, [FieldChange(c.field, c.new, c.old) for c in _differences(entry, wanted)])
    kept = [name for name in ENTRY_FIELDS
            if name not in wanted and values.get(name) is not None and entry is not None and getattr(entry, name)]
    outcome = record_entries(session, economy, year, [(item, wanted)], source, erase=bool(clear) or withdraw)[0]
    if withdraw:
        outcome.kind = "withdrawn"
    return outcome, kept


def _refuse_value_and_clear(typed_in_cleared: dict[str, str], stored: dict) -> None:
    """A field ticked "clear" and given a new value in the same save asks for two things."""
    both = [name for name, value in typed_in_cleared.items() if value != stored[name]]
    if both:
        title = FIELD_LABELS.get(both[0], both[0])
        raise Refused(f"{title}: a new value was typed and its \"clear\" box ticked, so nothing was saved. Untick "
                      "\"clear\" to save the new value, or tick it alone to empty the field.")
