"""The yearly round: opened when forms go out, followed while returns come in, closed at publication.

A closed year is read-only: the one write path (``progress.record_entries`` and
``progress.record_contact``) asks ``closed_rounds.refuse_if_closed`` first, and the catalogue
loader refuses a change to what a closed year shows, so a late file, a stray ``record``, an undo
or a catalogue change cannot alter what was published. Every opening, closing and reopening is
kept as a ``RoundEvent`` with who, when and why.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import progress, reviews, years
from tracker.catalogue import items_applying, items_for
from tracker.closed_rounds import closed_message, refuse_unless_open
from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.mail.log import last_contacted
from tracker.models import Change, Entry, Form, Import, Round, RoundEvent, utcnow
from tracker.rates import economies_for
from tracker.returns import latest_returns, returned_economies


def _event(session: Session, year: int, action: str, source: str, reason: str | None = None) -> None:
    session.add(RoundEvent(year=year, action=action, at=utcnow(), source=source, reason=reason))


def ensure_open(session: Session, year: int, due: date | None, source: str) -> Round:
    """The year's round, opened now if it was not; refuses a closed round. Sets ``due`` if given."""
    years.check_year(year)
    round_ = session.scalar(select(Round).where(Round.year == year).with_for_update())
    if round_ is None:
        round_ = Round(year=year, due=due, opened_at=utcnow())
        session.add(round_)
        session.flush()
        _event(session, year, "opened", source, f"due {due.isoformat()}" if due else None)
        return round_
    if round_.is_closed:
        raise Refused(closed_message(round_))
    if due is not None and due != round_.due:
        round_.due = due
        _event(session, year, "due", source, f"due {due.isoformat()}")
    return round_


def open_round(session: Session, year: int, due: date | None, source: str) -> tuple[Round, bool]:
    """``tracker round open``: open the year's round (or change its due date); True if newly opened."""
    existed = session.get(Round, year) is not None
    if not existed:
        items_applying(session, year, ", so there is no round to open")
    return ensure_open(session, year, due, source), not existed


class ReturnsNotAccepted(Refused):
    """A round close refused because returns are not accepted yet; ``returns`` lists them as
    (economy code, state), so that a page can ask to confirm."""

    def __init__(self, year: int, waiting: list[tuple[str, str]]):
        self.returns = waiting
        listed = ", ".join(f"{code} ({state})" for code, state in waiting)
        super().__init__(f"{len(waiting)} return{'s' if len(waiting) != 1 else ''} of {year} "
                         f"{'are' if len(waiting) != 1 else 'is'} not accepted yet: {listed}. Review them first "
                         f"(tracker returns accept CODE --year {year}), or close the round anyway with --force.")


def close_round(session: Session, year: int, source: str, force: bool = False) -> Round:
    """``tracker round close``: make the year read-only (opening its round first if it never was).
    Refused (``ReturnsNotAccepted``) while returns are not accepted, unless ``force``."""
    round_ = ensure_open(session, year, None, source)
    waiting = reviews.not_accepted(session, year)
    if waiting and not force:
        raise ReturnsNotAccepted(year, waiting)
    round_.closed_at = utcnow()
    _event(session, year, "closed", source)
    session.flush()
    return round_


def reopen_round(session: Session, year: int, reason: str, source: str) -> Round:
    """``tracker round reopen``: let a closed year change again, saying why."""
    years.check_year(year)
    reason = (reason or "").strip()
    if not reason:
        raise Refused("Say why the round is reopened with --reason; it is kept in the history.")
    round_ = session.get(Round, year)
    if round_ is None or not round_.is_closed:
        raise Refused(f"The {year} round is not closed; there is nothing to reopen.")
    round_.closed_at = None
    _event(session, year, "reopened", source, reason)
    session.flush()
    return round_


def submit_online_return(session: Session, economy_code: str, year: int, source: str) -> Import:
    """Record an economy's return answered online (in the browser), as an imported form is
    recorded: an import of kind "form" for the economy and year, so ``round status``, the
    Returns sheet and ``/imports`` count it like a form received. The entries themselves were
    saved as the focal point went, as drafts (each change in the history with ``source``), and
    make no return until this import; its name says who submitted it. Refused when the year's
    round is not open."""
    years.check_year(year)
    economy = resolve_economy(session, economy_code)
    refuse_unless_open(session, year, f"there is no return to submit for {year}")
    progress.lock_economies(session, [economy.id])
    record = Import(file_name=f"online return, submitted by {source}", sha256=None, kind="form",
                    economy_id=economy.id, year=year, imported_at=utcnow(), new=0, changed=0, unchanged=0)
    session.add(record)
    session.flush()
    return record


def _state(round_: Round) -> str:
    return "closed" if round_.is_closed else "open"


def list_rounds(session: Session) -> list[dict]:
    """Every round: year, due date, state, when opened and closed, forms issued, returns."""
    forms = dict(session.execute(select(Form.year, func.count(func.distinct(Form.economy_id))).group_by(Form.year)).all())
    rows = []
    for round_ in session.scalars(select(Round).order_by(Round.year)):
        members = {economy.id for economy in economies_for(session, round_.year)}
        returned = len(returned_economies(session, round_.year) & members)
        rows.append({
            "year": round_.year,
            "state": _state(round_),
            "due": round_.due,
            "opened_at": round_.opened_at,
            "closed_at": round_.closed_at,
            "forms_issued": forms.get(round_.year, 0),
            "returned": returned,
        })
    return rows


def round_events(session: Session, year: int | None = None) -> list[RoundEvent]:
    query = select(RoundEvent).order_by(RoundEvent.at, RoundEvent.id)
    if year is not None:
        query = query.where(RoundEvent.year == year)
    return list(session.scalars(query))


def round_status(session: Session, year: int, today: date | None = None) -> list[dict]:
    """One row per economy: form issued, returned (``has_returned``: ``returns.returned_economies``;
    when and which file; for answers recorded without a file, when they were last changed), its
    review (``reviews.review_states``; ``None`` without a return), items answered of those that
    apply, last updated, contact, when a message last reached it, and whether it is late (due date
    passed, no return)."""
    years.check_year(year)
    today = today or date.today()
    round_ = session.get(Round, year)
    due = round_.due if round_ else None
    applying = {item.id for item in items_for(session, year)}
    issued = dict(session.execute(
        select(Form.economy_id, func.max(Form.issued_at)).where(Form.year == year).group_by(Form.economy_id)
    ).all())
    answered: dict[int, int] = {}
    for economy_id, item_id in session.execute(
        select(Entry.economy_id, Entry.item_id).where(Entry.year == year, Entry.status.is_not(None))
    ):
        if item_id in applying:
            answered[economy_id] = answered.get(economy_id, 0) + 1
    updated = dict(session.execute(
        select(Change.economy_id, func.max(Change.changed_at)).where(Change.year == year).group_by(Change.economy_id)
    ).all())
    returns = latest_returns(session, year)
    returned_ids = returned_economies(session, year, latest=returns)
    contacts = progress.latest_contacts(session, year)  # whom to chase: often last year's focal point
    review = reviews.review_states(session, year, returned_ids, returns)
    contacted = last_contacted(session, year)
    rows = []
    for economy in economies_for(session, year):
        returned = returns.get(economy.id) or ((updated.get(economy.id), None) if economy.id in returned_ids else None)
        contact = contacts.get(economy.id)
        rows.append({
            "economy": economy.code,
            "form_issued": issued.get(economy.id),
            "has_returned": economy.id in returned_ids,
            "returned": returned[0] if returned else None,
            "file": returned[1] if returned else None,
            "review": review.get(economy.id),
            "items_answered": answered.get(economy.id, 0),
            "items_applicable": len(applying),
            "last_updated": updated.get(economy.id),
            "contact_name": contact.name if contact else None,
            "contact_email": contact.email if contact else None,
            "last_contacted": contacted.get(economy.id),
            "late": bool(due and due < today and not returned),
        })
    return rows


def status_report(session: Session, year: int, today: date | None = None) -> dict:
    """``tracker round status``: the round, its rows, totals and the economies to chase."""
    rows = round_status(session, year, today)
    round_ = session.get(Round, year)
    return {
        "year": year,
        "state": _state(round_) if round_ else "not opened",
        "due": round_.due if round_ else None,
        "rows": rows,
        "totals": {
            "economies": len(rows),
            "forms_issued": sum(1 for r in rows if r["form_issued"]),
            "returned": sum(1 for r in rows if r["has_returned"]),
            "accepted": sum(1 for r in rows if r["review"] and r["review"]["state"] == "accepted"),
            "changes_requested": sum(1 for r in rows if r["review"] and r["review"]["state"] == "changes_requested"),
            "late": sum(1 for r in rows if r["late"]),
            "items_answered": sum(r["items_answered"] for r in rows),
            "items_applicable": sum(r["items_applicable"] for r in rows),
        },
        "to_chase": [r for r in rows if not r["has_returned"] and (r["form_issued"] or r["late"])],
    }
