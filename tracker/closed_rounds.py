"""A closed year is read-only: the check every writer asks before changing a year.

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


def closed_message(round_: Round) -> str:
    return (
        f"The {round_.year} round is closed (since {round_.closed_at:%Y-%m-%d %H:%M} UTC), so {round_.year} "
        f"is read-only and nothing was changed. To change it, reopen the round: {reopen_hint(round_.year)}"
    )


def refuse_if_closed(session: Session, year: int) -> None:
    """Refuse any change to a year whose round is closed, naming the round and how to reopen it.

    The round's row is read with a shared lock, so on PostgreSQL a ``round close`` waits for the
    writers that found it open (SQLite serialises writers anyway). Read once per transaction: a
    round closed later in the same one is this session's own object, and is seen closed."""
    round_ = held(session, ("round", year))
    if round_ is None:
        round_ = session.scalar(select(Round).where(Round.year == year).with_for_update(read=True))
        if round_ is not None:
            hold(session, ("round", year), round_)
    if round_ is not None and round_.is_closed:
        raise Refused(closed_message(round_))
