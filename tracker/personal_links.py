"""Personal links: an address that signs an economy's focal point into its online return for one
year, without an account.

The link carries a random token; only its SHA-256 is kept, so the database cannot give a link
back, and a lost one is replaced by issuing another (which ends the earlier ones of the same
economy and year). A link works until its expiry date if one was given, and never after the
round closed (even once reopened: a link issued before a close stays ended, and a new one is
issued for the reopened round), once revoked, or once a newer link was issued.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from tracker import years
from tracker.closed_rounds import refuse_unless_open
from tracker.economies import resolve_member
from tracker.errors import Refused
from tracker.models import Economy, PersonalLink, Round, RoundEvent, utcnow

PATH = "/link/"


@dataclass
class Holder:
    """Whom a valid link signs in: an economy, for one year."""

    economy: str
    year: int
    token_hash: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def address(web_address: str, token: str) -> str:
    return web_address.rstrip("/") + PATH + token


def _revoke(session: Session, economy_id: int, year: int) -> int:
    return session.execute(
        update(PersonalLink).where(PersonalLink.economy_id == economy_id, PersonalLink.year == year,
                                   PersonalLink.revoked_at.is_(None)).values(revoked_at=utcnow())
    ).rowcount


def issue_link(session: Session, economy_code: str, year: int, source: str, expires: date | None = None) -> str:
    """A new link for the economy and year (the earlier ones end); its token, shown only now.
    Refused for a year without an open round, or an expiry date already past."""
    years.check_year(year)
    economy = resolve_member(session, economy_code, year)
    refuse_unless_open(session, year, "a link could not be used")
    if expires is not None and expires < date.today():
        raise Refused(f"{expires.isoformat()} is past: give an expiry date from today on, or none (the link then "
                      "ends when the round closes).")
    _revoke(session, economy.id, year)
    token = secrets.token_urlsafe(32)
    session.add(PersonalLink(economy_id=economy.id, year=year, token_hash=token_hash(token), issued_at=utcnow(),
                             expires_at=datetime.combine(expires, time.max) if expires else None, source=source))
    session.flush()
    return token


def revoke_links(session: Session, economy_code: str, year: int) -> int:
    """``tracker round link --revoke``: end every link of the economy and year; how many were in force."""
    years.check_year(year)
    economy = resolve_member(session, economy_code, year)
    return _revoke(session, economy.id, year)


def holder(session: Session, hashed: str, now: datetime | None = None) -> Holder | None:
    """Whom the link with this token hash signs in now; None once it expired, was revoked or
    replaced, or its round closed since it was issued (or was never opened)."""
    now = now or utcnow()
    closed_since = exists().where(RoundEvent.year == PersonalLink.year, RoundEvent.action == "closed",
                                  RoundEvent.at >= PersonalLink.issued_at)
    row = session.execute(
        select(PersonalLink, Economy.code, Round.closed_at, closed_since)
        .join(Economy, Economy.id == PersonalLink.economy_id)
        .join(Round, Round.year == PersonalLink.year)
        .where(PersonalLink.token_hash == hashed)
    ).first()
    if row is None:
        return None
    link, code, closed_at, closed_after_issue = row
    if link.revoked_at is not None or closed_at is not None or closed_after_issue or (
            link.expires_at and link.expires_at < now):
        return None
    return Holder(code, link.year, hashed)
