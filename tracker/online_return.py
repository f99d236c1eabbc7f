"""The online return: an economy's return for a year answered in the browser, as on the Excel form.

The page shows what the economy's form shows, read by the same code (``forms.Prefill``,
``forms.last_reported``): every item that applies with its commitment, deadline and last reported
status, the latest answers carried forward and the contact point. Saving records the whole page
through the one write path (``progress.record_entries``, ``progress.record_contact``) in one
transaction, so a returned page and a returned form give the same entries. What is saved is a
draft (``draft`` on the write path): kept, shown on the page, but no return until submitted
(``tracker.returns``). Submitting records the return in the round (``rounds.submit_online_return``)
once the items left unanswered have been confirmed, and records nothing when nothing changed since
the return last came in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tracker import forms, overview, progress, returns, reviews, rounds, years
from tracker.catalogue import items_for, wordings_for
from tracker.closed_rounds import check_writer, refuse_unless_open
from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.mail.settings import read_settings
from tracker.models import CONTACT_FIELDS, ENTRY_FIELDS, Change, Economy, Entry, Import, Round, utcnow
from tracker.status import label


@dataclass
class Typed:
    """What a return page sent: per item ref the fields typed, per item ref the
    ``shown_fingerprint`` of what the page showed for it, and the contact point's fields."""

    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)


class ReturnConflict(Refused):
    """A save of answers that someone else changed after the page was loaded: nothing was written.
    ``refs`` are the items concerned; the message gives both values of each field."""

    def __init__(self, conflicts: list[tuple[str, progress.FieldChange]]):
        self.refs = sorted({ref for ref, _ in conflicts})
        both = "; ".join(f"{ref} {label_of(c.field)}: yours {shown_value(c.field, c.old)!r}, "
                         f"now saved {shown_value(c.field, c.new)!r}" for ref, c in conflicts)
        super().__init__(f"Someone else saved {', '.join(self.refs)} after you loaded the page, so nothing was "
                         f"saved ({both}). Your text is still on the page: check those items and save again.")


def label_of(name: str) -> str:
    """A field as the form titles it (``measures``: "Measures undertaken")."""
    return next((title for title, column, _ in forms.COLUMNS if column == name), name)


def shown_value(name: str, value: str | None) -> str:
    return (label(value) if name == "status" else value) or "(blank)"


def _one_kind_of_line_break(value):
    """Text with line feeds only, without surrounding spaces; ``None`` when blank: a browser sends
    every line break of a text box as CR LF, and every field left empty as an empty text."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() or None


def shown_fingerprint(values: dict) -> str:
    """``progress.entry_fingerprint`` of an item's answers, whatever the line breaks."""
    return progress.entry_fingerprint({name: _one_kind_of_line_break(values.get(name)) for name in ENTRY_FIELDS})


def _answers(entry) -> dict[str, str | None]:
    return {name: getattr(entry, name) if entry else None for name in ENTRY_FIELDS}


def _prefill(session: Session, economy: Economy, year: int) -> tuple[list, forms.Prefill]:
    items = items_for(session, year)
    return items, forms.Prefill.read(session, [economy], year, items)


def _round_state(session: Session, year: int) -> dict:
    round_ = session.get(Round, year)
    state = "not opened" if round_ is None else "closed" if round_.is_closed else "open"
    return {"state": state, "due": round_.due if round_ else None}


def _submission(session: Session, economy: Economy, year: int) -> dict:
    """When the return last came in (a form, a table or online), when it last changed, and
    whether it changed since it came in. The changes an import writes are stamped a moment after
    the import itself, so they count as part of that return, not as changes since."""
    returned = returns.latest_returns(session, year).get(economy.id)
    mine = (Change.economy_id == economy.id, Change.year == year)
    changed = session.scalar(select(func.max(Change.changed_at)).where(*mine))
    since = returned and session.scalar(
        select(func.count()).select_from(Change).outerjoin(Import, Import.id == Change.import_id)
        .where(*mine, Change.changed_at > returned[0], or_(Change.import_id.is_(None), Import.imported_at > returned[0])))
    return {"returned": returned[0] if returned else None, "returned_as": returned[1] if returned else None,
            "last_updated": changed, "changed_since": bool(since)}


def return_page(session: Session, economy_code: str, year: int | None, typed: Typed | None = None) -> dict:
    """Everything the return page shows: the economy's form for the year as data, with its review
    (``reviews.review_of``), each item's ``review_note``, and whether mail is set up (so that a
    request for changes can be e-mailed). ``typed``, when a save was refused,
    is put back over the answers it changed, so that nothing typed is lost."""
    year = overview.known_year(session, year)
    economy = resolve_economy(session, economy_code)
    items, prefill = _prefill(session, economy, year)
    review = reviews.review_of(session, economy, year)
    item_notes = {noted["ref"]: noted["note"] for noted in review["items"]} if review else {}
    latest, earlier = prefill.latest.get(economy.id, {}), prefill.earlier.get(economy.id, {})
    rows = []
    for item, (_, cells, first_year, _) in zip(items, prefill.catalogue):
        entry = latest.get(item.id)
        answers = _answers(entry)
        shown = shown_fingerprint(answers)
        kept = typed.answers.get(item.ref) if typed else None
        if kept is not None and shown_fingerprint(kept) != typed.shown.get(item.ref):
            answers = {name: kept.get(name) or None for name in ENTRY_FIELDS}
        rows.append({"ref": item.ref, "instrument": cells[1], "text": cells[2], "deadline": cells[3] or None,
                     "last_reported": forms.last_reported(entry, year, earlier.get(item.id), first_year,
                                                          prefill.wording_starts.get(item.id, ())),
                     "this_year": bool(entry and entry.year == year and entry.status),
                     "review_note": item_notes.get(item.ref),
                     "shown": shown} | answers)
    contact = prefill.contacts.get(economy.id)
    contact_values = {name: getattr(contact, name) if contact else None for name in CONTACT_FIELDS}
    if typed:
        contact_values |= {name: value for name, value in typed.contact.items() if value and name in CONTACT_FIELDS}
    return {
        "economy": economy.code, "name": economy.name, "year": year,
        "round": _round_state(session, year), "review": review, "mail_ready": read_settings(session).ready,
        "contact": contact_values, "contact_from": contact.year if contact else None,
        "items": rows,
        "unanswered": [row["ref"] for row in rows if not row["this_year"]],
    } | _submission(session, economy, year)


def _wanted(given: dict, current: dict, what: str) -> dict[str, str | None]:
    """The answers given for an item, validated; a text whose only difference from what is saved
    is its kind of line break is what is saved."""
    cleaned = progress.clean_entry_values({name: _one_kind_of_line_break(value) for name, value in given.items()}, what)
    return {name: current[name] if _one_kind_of_line_break(current[name]) == cleaned.get(name) else cleaned.get(name)
            for name in ENTRY_FIELDS}


def save_return(session: Session, economy_code: str, year: int, typed: Typed, source: str,
                round_required: bool = False) -> dict:
    """Record everything a return page sent, in one transaction: each item's answers through
    ``progress.record_entries`` (blank never erases), the contact point through
    ``progress.record_contact``. An item someone else changed after the page was loaded keeps their
    answers if the page left it as shown, and refuses the whole save (``ReturnConflict``) if it
    was typed over. Everything is saved as a draft. Returns when, the items changed and the
    contact fields changed."""
    overview.known_year(session, year)
    check_writer(session, year, round_required)
    economy = resolve_economy(session, economy_code)
    progress.lock_economies(session, [economy.id])
    items, prefill = _prefill(session, economy, year)
    latest = prefill.latest.get(economy.id, {})
    updates, conflicts = [], []
    for item in items:
        if item.ref not in typed.answers:
            continue
        current = _answers(latest.get(item.id))
        wanted = _wanted(typed.answers[item.ref], current, f"{economy.code} {item.ref} {year}")
        shown = typed.shown.get(item.ref)
        if shown_fingerprint(current) != shown:
            if shown_fingerprint(wanted) != shown:
                conflicts += [(item.ref, progress.FieldChange(name, wanted[name], current[name]))
                              for name in ENTRY_FIELDS if wanted[name] is not None and wanted[name] != current[name]]
            continue
        updates.append((item, {name: value for name, value in wanted.items() if value is not None}))
    if conflicts:
        raise ReturnConflict(conflicts)
    outcomes = progress.record_entries(session, economy, year, updates, source, draft=True)
    contact = progress.record_contact(session, economy, year, typed.contact, source, draft=True)
    return {"at": utcnow(), "items": [o.ref for o in outcomes if o.kind != "unchanged"],
            "contact": [c.field.removeprefix("contact_") for c in contact.changes]}


def _unanswered(session: Session, economy: Economy, year: int) -> list[dict]:
    """The items that apply in ``year`` and have no status for it, with their wording that year."""
    answered = set(session.scalars(select(Entry.item_id).where(
        Entry.economy_id == economy.id, Entry.year == year, Entry.status.is_not(None))))
    items = [item for item in items_for(session, year) if item.id not in answered]
    texts = wordings_for(session, year, items)
    return [{"ref": item.ref, "text": texts[item.id]} for item in items]


def submit_return(session: Session, economy_code: str, year: int, typed: Typed, confirmed: bool,
                  source: str, round_required: bool = False) -> dict:
    """"Submit return": save what the page sent (``save_return``), then record the return in the
    round; refused, with nothing saved, when the year's round is not open. ``state`` says what
    happened: "confirm" (items are left unanswered and ``confirmed`` was not given: saved, not
    submitted), "unchanged" (nothing changed since the return came in: nothing new recorded) or
    "submitted"."""
    years.check_year(year)
    refuse_unless_open(session, year, f"there is no return to submit for {year}")
    saved = save_return(session, economy_code, year, typed, source, round_required)
    economy = resolve_economy(session, economy_code)
    unanswered = _unanswered(session, economy, year)
    if unanswered and not confirmed:
        return {"state": "confirm", "saved": saved, "unanswered": unanswered}
    before = _submission(session, economy, year)
    if before["returned"] is not None and not before["changed_since"]:
        return {"state": "unchanged", "saved": saved, "at": before["returned"], "unanswered": unanswered}
    record = rounds.submit_online_return(session, economy.code, year, source)
    return {"state": "submitted", "saved": saved, "at": record.imported_at, "unanswered": unanswered}

