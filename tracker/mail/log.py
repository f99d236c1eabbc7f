"""The log of every message sent or refused: ``tracker mail log``, "last contacted", and what a
reminder run has already sent (so that nobody gets the same reminder twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.economies import resolve_economy
from tracker.models import Economy, MailMessage, utcnow


#: The answer on record while a message is being sent: a run cut short between sending and
#: recording leaves it, and the message is then not sent again (rather once than twice).
SENDING = "no answer recorded: the run ended while sending"


def record(session: Session, kind: str, to: str, subject: str, accepted: bool, reply: str,
           message_id: str | None, year: int | None = None, economy_id: int | None = None,
           step: str | None = None, cc: str | None = None) -> int:
    """A message on record, with the server's answer (or ``SENDING`` before it comes); its id."""
    row = MailMessage(year=year, economy_id=economy_id, kind=kind, step=step, to_address=to, cc=cc, subject=subject,
                      sent_at=utcnow(), accepted=accepted, server_reply=reply, message_id=message_id)
    session.add(row)
    session.flush()
    return row.id


def answered(session: Session, message_id: int, accepted: bool, reply: str) -> None:
    """The server's answer to a message recorded as being sent."""
    row = session.get(MailMessage, message_id)
    row.accepted, row.server_reply, row.sent_at = accepted, reply, utcnow()


def messages(session: Session, year: int | None = None, economy_code: str | None = None) -> list[dict]:
    """``tracker mail log``: every message, oldest first, of a year and an economy if given."""
    query = (select(MailMessage, Economy.code).outerjoin(Economy, Economy.id == MailMessage.economy_id)
             .order_by(MailMessage.sent_at, MailMessage.id))
    if year is not None:
        query = query.where(MailMessage.year == year)
    if economy_code:
        query = query.where(MailMessage.economy_id == resolve_economy(session, economy_code).id)
    return [{"id": row.id, "at": row.sent_at, "kind": row.kind, "step": row.step, "year": row.year,
             "economy": code, "to": row.to_address, "cc": row.cc, "subject": row.subject,
             "accepted": row.accepted, "reply": row.server_reply, "message_id": row.message_id}
            for row, code in session.execute(query)]


def last_contacted(session: Session, year: int) -> dict[int, datetime]:
    """Per economy, when a message of the year last reached its server (accepted)."""
    return dict(session.execute(
        select(MailMessage.economy_id, func.max(MailMessage.sent_at))
        .where(MailMessage.year == year, MailMessage.accepted.is_(True), MailMessage.economy_id.is_not(None))
        .group_by(MailMessage.economy_id)
    ).all())


def sent(session: Session, year: int, kind: str, economy_id: int | None = None) -> dict[int, set[str | None]]:
    """Per economy (all, or the one given), the steps of the messages of ``kind`` for ``year``
    accepted or being sent (an invitation's step is None)."""
    query = select(MailMessage.economy_id, MailMessage.step).where(
        MailMessage.year == year, MailMessage.kind == kind,
        MailMessage.accepted.is_(True) | (MailMessage.server_reply == SENDING))
    if economy_id is not None:
        query = query.where(MailMessage.economy_id == economy_id)
    done: dict[int, set[str | None]] = {}
    for economy_id, step in session.execute(query):
        done.setdefault(economy_id, set()).add(step)
    return done
