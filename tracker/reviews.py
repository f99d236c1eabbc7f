"""The review of each return: an editor accepts it, or asks the economy for changes with a note.

A return (a form imported, a tidy table, an online return submitted: ``returns``) is "received"
until an editor reviews it. A review is "accepted" or "changes requested", with a note for the
whole return and, where needed, a note per item; it is kept with who and when, never changed. The
return's state is its latest review made after the return last came in: the next submission or
import makes it "received" again, so the focal point's corrected return goes back to the editor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import years
from tracker.catalogue import items_for
from tracker.closed_rounds import refuse_if_closed
from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.models import Economy, Item, ReturnReview, ReviewItemNote, utcnow
from tracker.progress import clean_text, lock_economies
from tracker.returns import latest_returns, returned_economies

#: The states of a return, by key, as people read them.
STATES = {"received": "received", "accepted": "accepted", "changes_requested": "changes requested"}


def _latest_reviews(session: Session, year: int, economy_ids, as_of: datetime | None) -> dict[int, ReturnReview]:
    query = (select(ReturnReview).where(ReturnReview.year == year, ReturnReview.economy_id.in_(list(economy_ids)))
             .order_by(ReturnReview.id))
    if as_of is not None:
        query = query.where(ReturnReview.at <= as_of)
    return {review.economy_id: review for review in session.scalars(query)}


def _item_notes(session: Session, review_ids) -> dict[int, list[dict]]:
    notes: dict[int, list[dict]] = {}
    for review_id, ref, note in session.execute(
        select(ReviewItemNote.review_id, Item.ref, ReviewItemNote.note).join(Item, Item.id == ReviewItemNote.item_id)
        .where(ReviewItemNote.review_id.in_(list(review_ids))).order_by(Item.position, Item.id)
    ):
        notes.setdefault(review_id, []).append({"ref": ref, "note": note})
    return notes


def review_states(session: Session, year: int, returned: set[int],
                  latest: dict[int, tuple[datetime, str]], as_of: datetime | None = None) -> dict[int, dict]:
    """Per economy that returned for ``year`` (``returned``, with ``latest``: ``returns.latest_returns``,
    both as of the moment ``as_of`` if given), its review: ``state`` (a key of ``STATES``) and
    ``label``; for a review in force, its ``id``, its ``note``, the ``items`` noted (ref and note), ``by`` whom
    and ``at`` when. A review older than the return in force no longer holds: the return is
    "received" again."""
    reviews = _latest_reviews(session, year, returned, as_of)
    holding = {economy_id: review for economy_id, review in reviews.items()
               if economy_id not in latest or review.at >= latest[economy_id][0]}
    notes = _item_notes(session, [review.id for review in holding.values()])
    states = {}
    for economy_id in returned:
        review = holding.get(economy_id)
        state = review.state if review else "received"
        states[economy_id] = {
            "id": review.id if review else None, "state": state, "label": STATES[state],
            "note": review.note if review else None,
            "items": notes.get(review.id, []) if review else [],
            "by": review.source if review else None, "at": review.at if review else None,
        }
    return states


def review_of(session: Session, economy: Economy, year: int) -> dict | None:
    """One economy's review for ``year`` (as ``review_states``); ``None`` when it has not returned."""
    latest = latest_returns(session, year)
    returned = returned_economies(session, year, latest=latest) & {economy.id}
    return review_states(session, year, returned, latest).get(economy.id)


def not_accepted(session: Session, year: int) -> list[tuple[str, str]]:
    """The returns of ``year`` not accepted yet, as (economy code, state label), by code."""
    latest = latest_returns(session, year)
    states = review_states(session, year, returned_economies(session, year, latest=latest), latest)
    codes = dict(session.execute(select(Economy.id, Economy.code).where(Economy.id.in_(list(states)))).all())
    return sorted((codes[economy_id], review["label"]) for economy_id, review in states.items()
                  if review["state"] != "accepted")


def _noted_items(session: Session, year: int, item_notes: dict[str, str]) -> dict[int, str]:
    """The item notes given, by item id, each item one that applies in ``year``."""
    applying = {item.ref.casefold(): item for item in items_for(session, year)}
    noted = {}
    for ref, text in item_notes.items():
        item = applying.get(ref.strip().casefold())
        if item is None:
            raise Refused(f"{ref!r} is not an item of the {year} return: give the ref of an item that applies "
                          f"in {year}, such as {next(iter(applying.values())).ref}.")
        note = clean_text(text, f"The note on {item.ref}")
        if note is None:
            raise Refused(f"The note on {item.ref} is blank: say what to change there, or leave the item out.")
        noted[item.id] = note
    return noted


def review_return(session: Session, economy_code: str, year: int, state: str, note: str | None,
                  item_notes: dict[str, str], source: str) -> dict:
    """Accept an economy's return for ``year``, or ask for changes (``state``: "accepted" or
    "changes_requested"), with a note for the whole return and notes per item ref. Asking for
    changes needs a note, so that the focal point knows what to put right. Refused when the
    economy has not returned, or the year's round is closed. Returns the review in force."""
    if state not in ("accepted", "changes_requested"):
        raise Refused(f"A return is reviewed as accepted or changes requested, not {state!r}.")
    years.check_year(year)
    economy = resolve_economy(session, economy_code)
    refuse_if_closed(session, year)
    lock_economies(session, [economy.id])
    latest = latest_returns(session, year)
    if economy.id not in returned_economies(session, year, latest=latest):
        raise Refused(f"{economy.code} has no return for {year} to review: a return is reviewed once its form is "
                      "imported or its online return submitted.")
    note = clean_text(note, "The note")
    noted = _noted_items(session, year, item_notes)
    if state == "changes_requested" and note is None and not noted:
        raise Refused(f"Say what {economy.code} should change: give a note for the whole return, or one on each "
                      "item concerned.")
    review = ReturnReview(economy_id=economy.id, year=year, state=state, note=note, at=utcnow(), source=source)
    session.add(review)
    session.flush()
    session.add_all(ReviewItemNote(review_id=review.id, item_id=item_id, note=text) for item_id, text in noted.items())
    session.flush()
    return review_states(session, year, {economy.id}, latest)[economy.id]


def review_history(session: Session, year: int, economy_id: int | None = None) -> list[dict]:
    """Every review of ``year`` (of one economy, if given), oldest first: economy code, state,
    note and item notes as one line, who and when."""
    query = (select(ReturnReview, Economy.code).join(Economy, Economy.id == ReturnReview.economy_id)
             .where(ReturnReview.year == year).order_by(ReturnReview.at, ReturnReview.id))
    if economy_id is not None:
        query = query.where(ReturnReview.economy_id == economy_id)
    rows = list(session.execute(query))
    notes = _item_notes(session, [review.id for review, _ in rows])
    return [{"economy": code, "review": review, "text": "; ".join(
        [STATES[review.state] + (f": {review.note}" if review.note else "")]
        + [f"{n['ref']}: {n['note']}" for n in notes.get(review.id, [])])} for review, code in rows]
