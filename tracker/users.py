"""Accounts of the browser view: who may sign in, with which role, and what each role may do.

Passwords are kept only as argon2id hashes (memory-hard, so a stolen table is slow to guess from).
Repeated failed sign-ins on an account are slowed down: after a few, each further attempt must
wait, twice as long each time, before the password is even checked.

The roles, from the most to the least they may do:

- ``admin``: everything an editor may, and manages rounds and accounts;
- ``editor``: reads everything and may change data for every economy;
- ``viewer``: reads everything;
- ``focal-point``: reads, and may answer for, its own economy only.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.models import Account, Setting, utcnow
from tracker.roles import ROLES

MIN_PASSWORD = 8
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300
SESSION_SECRET_KEY = "web_session_secret"
ONE_TIME_KEY = "web_one_time_sign_in"
_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")
#: argon2-cffi's defaults (RFC 9106's low-memory choice): 64 MiB and three passes per hash.
_hasher = PasswordHasher()


def hash_passwords_with(hasher: PasswordHasher) -> None:
    """Make new password hashes with ``hasher`` from now on, in this process.

    The test suite hashes at argon2's lowest cost, which is useless against guessing but spares
    every sign-in the production cost (0.45 s here). A stored hash is always checked with the
    parameters it was made with, so either hasher checks the other's hashes."""
    global _hasher
    _hasher = hasher


@functools.cache
def _hash_of_nothing(hasher: PasswordHasher) -> str:
    """What an unknown name's password is checked against, so that it takes as long as a known
    name's; made on first use, not when the module is imported."""
    return hasher.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the browser view, and so what the pages offer them."""

    name: str
    role: str
    economy: str | None = None  # a focal point's economy code

    @property
    def reads_everything(self) -> bool:
        return self.role != "focal-point"

    @property
    def manages(self) -> bool:
        """May open and close rounds and manage accounts."""
        return self.role == "admin"

    def may_read(self, economy_code: str) -> bool:
        return self.reads_everything or economy_code.casefold() == (self.economy or "").casefold()

    @property
    def edits_everything(self) -> bool:
        """May change data for every economy: upload returns, undo imports, write reports."""
        return self.role in ("admin", "editor")

    def may_change(self, economy_code: str) -> bool:
        """May save entries of the economy: an editor any, a focal point its own."""
        return self.edits_everything or (self.role == "focal-point" and self.may_read(economy_code))

    @property
    def source(self) -> str:
        """What the history records as the origin of a change made in the browser."""
        return f"web ({self.name})"


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not _NAME.match(cleaned):
        raise Refused(f"{name!r} is not a valid user name: use up to 64 letters, digits and . _ @ -")
    return cleaned


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Refused(f"The password is too short: give at least {MIN_PASSWORD} characters.")
    return password


def _account(session: Session, name: str) -> Account:
    account = session.scalar(select(Account).where(Account.name == name.strip()))
    if account is None:
        raise Refused(f"There is no user {name!r}; see `tracker users list`.")
    return account


def add_user(session: Session, name: str, role: str, economy_code: str | None, password: str) -> Account:
    """``tracker users add``: a new account; a focal point needs its economy, the others none."""
    name = _clean_name(name)
    if role not in ROLES:
        raise Refused(f"{role!r} is not a role: give one of {', '.join(ROLES)}.")
    if (role == "focal-point") != bool(economy_code):
        raise Refused("A focal point needs --economy CODE; only a focal point has one.")
    if session.scalar(select(Account.id).where(Account.name == name)) is not None:
        raise Refused(f"User {name} already exists; `tracker users password {name}` changes the password.")
    economy = resolve_economy(session, economy_code) if economy_code else None
    account = Account(name=name, role=role, economy=economy, password_hash=_hasher.hash(_check_password(password)),
                      created_at=utcnow(), failed_sign_ins=0)
    session.add(account)
    session.flush()
    return account


def list_users(session: Session) -> list[dict]:
    """``tracker users list``: every account (never its hash), by name."""
    return [
        {"name": a.name, "role": a.role, "economy": a.economy.code if a.economy else None, "created_at": a.created_at}
        for a in session.scalars(select(Account).options(joinedload(Account.economy)).order_by(Account.name))
    ]


def remove_user(session: Session, name: str) -> str:
    """``tracker users remove``: the account goes, and with it every session it had."""
    account = _account(session, name)
    session.delete(account)
    return account.name


def set_password(session: Session, name: str, password: str) -> str:
    """``tracker users password``: a new password; sessions signed in with the old one end."""
    account = _account(session, name)
    account.password_hash = _hasher.hash(_check_password(password))
    account.failed_sign_ins, account.last_failed_at = 0, None
    return account.name


def has_accounts(session: Session) -> bool:
    return session.scalar(select(Account.id).limit(1)) is not None


def wait_before_next_try(account: Account, now: datetime) -> int:
    """Seconds the account must wait before another password is checked (0: it may try now)."""
    over = account.failed_sign_ins - FREE_ATTEMPTS
    if over < 0 or account.last_failed_at is None:
        return 0
    wait = timedelta(seconds=min(2 ** over, MAX_WAIT_SECONDS))
    return max(0, int((account.last_failed_at + wait - now).total_seconds() + 0.999))


@dataclass
class SignIn:
    """What a sign-in attempt gave: the viewer and its session fingerprint, or the problem (and
    the status code the browser gets: 401 wrong, 429 wait)."""

    viewer: Viewer | None = None
    fingerprint: str = ""
    problem: str | None = None
    status: int = 200


def sign_in(session: Session, name: str, password: str, now: datetime) -> SignIn:
    """Check a user name and password at the moment ``now`` (what the wait after failures counts
    from). A failure is counted on the account (so the caller commits it) and its message never
    tells whether the name exists."""
    account = session.scalar(
        select(Account).options(joinedload(Account.economy)).where(Account.name == name.strip()).with_for_update(of=Account)
    )
    wrong = SignIn(problem="The user name or the password is wrong.", status=401)
    if account is None:
        _verify(_hash_of_nothing(_hasher), password)
        return wrong
    wait = wait_before_next_try(account, now)
    if wait:
        return SignIn(problem=f"Too many failed sign-ins: wait {wait} seconds, then try again.", status=429)
    if not _verify(account.password_hash, password):
        account.failed_sign_ins += 1
        account.last_failed_at = now
        return wrong
    account.failed_sign_ins, account.last_failed_at = 0, None
    return SignIn(viewer_of(account), fingerprint(account))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def viewer_of(account: Account) -> Viewer:
    return Viewer(account.name, account.role, account.economy.code if account.economy else None)


def fingerprint(account: Account) -> str:
    """Changes when the password does, so a session signed in with an old password ends."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def signed_in(session: Session, name: str, print_: str) -> Viewer | None:
    """The viewer a session cookie names, if the account still exists with the same password."""
    account = session.scalar(select(Account).options(joinedload(Account.economy)).where(Account.name == name))
    if account is None or fingerprint(account) != print_:
        return None
    return viewer_of(account)


def session_secret(session: Session) -> str:
    """The key that signs the browser's session cookies: kept in the database, made on first use."""
    row = session.get(Setting, SESSION_SECRET_KEY)
    if row is None:
        row = Setting(key=SESSION_SECRET_KEY, value=secrets.token_urlsafe(48))
        session.add(row)
        session.flush()
    return row.value


def offer_one_time_sign_in(session: Session, token: str | None) -> None:
    """Let ``token`` sign the local user in as administrator, once (``tracker serve``'s one-time
    address), in any server process; ``None`` withdraws an earlier one. Only its SHA-256 is kept."""
    session.execute(delete(Setting).where(Setting.key == ONE_TIME_KEY))
    if token:
        session.add(Setting(key=ONE_TIME_KEY, value=hashlib.sha256(token.encode()).hexdigest()))
    session.flush()


def take_one_time_sign_in(session: Session, token: str) -> bool:
    """Whether ``token`` is the one-time address's, used now: of two uses, in any processes, one wins."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    taken = session.execute(delete(Setting).where(Setting.key == ONE_TIME_KEY, Setting.value == digest))
    return bool(token) and taken.rowcount == 1
