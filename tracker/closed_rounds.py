"""A closed year is read-only: the check every writer asks before changing a year (``check_writer``,
``refuse_if_closed``); and the one refusal of what needs the year's round open (a focal point's
answer, a submission, a personal link).

It lives apart from ``tracker.rounds`` (which opens and closes rounds, and reads the progress and
the import log) so that the write path in ``tracker.progress`` can ask it without importing the
modules that are built on the write path.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import Refused, reopen_hint
from tracker.models import Round
from tracker.store import hold, held
from tracker.years import check_year


def closed_message(round_: Round) -> str:
    return (
        f"The {round_.year} round is closed (since {round_.closed_at:%Y-%m-%d %H:%M} UTC), so {round_.year} "
        f"is read-only and nothing was changed. To change it, reopen the round: {reopen_hint(round_.year)}"
    )


def no_round_message(year: int, so: str) -> str:
    """The refusal of what needs the year's round when it was never opened; ``so`` says what cannot
    be done (``f"there is no return to submit for {year}"``)."""
    return (f"There is no {year} round open, so {so}. The secretariat opens it with "
            f"`tracker round open {year} --due DATE` (or on the browser's Rounds page).")


def _held_round(session: Session, year: int) -> Round | None:
    """The year's round, read with a shared lock held until the transaction ends, so that on
    PostgreSQL a ``round close`` waits for the writers that found it open (SQLite serialises
    writers anyway). Read once per transaction: a round closed later in the same one is this
    session's own object, and is seen closed."""
    round_ = held(session, ("round", year))
    if round_ is None:
        round_ = session.scalar(select(Round).where(Round.year == year).with_for_update(read=True))
        if round_ is not None:
            hold(session, ("round", year), round_)
    return round_


def refuse_if_closed(session: Session, year: int) -> None:
    """Refuse any change to a year whose round is closed, naming the round and how to reopen it."""
    round_ = _held_round(session, year)
    if round_ is not None and round_.is_closed:
        raise Refused(closed_message(round_))


def refuse_unless_open(session: Session, year: int, so: str) -> Round:
    """The year's round, held as ``refuse_if_closed`` holds it; refused when it is closed, or was
    never opened (``no_round_message`` with ``so``)."""
    round_ = _held_round(session, year)
    if round_ is None:
        raise Refused(no_round_message(year, so))
    if round_.is_closed:
        raise Refused(closed_message(round_))
    return round_


def check_writer(session: Session, year: int, focal_point: bool) -> None:
    """The second half of the one rule for years (``years``): refuse a change to ``year`` by
    someone who may not make it; any change to a closed year (saying how to reopen it), and a focal
    point's change to a year without an open round. Called in the writer's own transaction, so
    the round it found stays as found until the write commits."""
    check_year(year)
    if focal_point:
        refuse_unless_open(session, year, f"{year} cannot be answered (a focal point answers only the year of an open round)")
    else:
        refuse_if_closed(session, year)
