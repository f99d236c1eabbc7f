"""Accounts of the browser view: who may sign in, with which role, and what each role may do.

Passwords are kept only as argon2id hashes (memory-hard, so a stolen table is slow to guess from).
Repeated failed sign-ins of a user name from one client address are slowed down: after a few,
each further attempt from there must wait, twice as long each time, before the password is even
checked. Counting name and address together means a guesser never holds back the owner signing
in from elsewhere; a name nobody has is counted, answered and timed like a known one.

The roles, from the most to the least they may do:

- ``admin``: everything an editor may, and manages rounds and accounts;
- ``editor``: reads everything and may change data for every economy;
- ``viewer``: reads everything;
- ``focal-point``: reads, and may answer for, its own economy only.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.models import Account, PasswordReset, Setting, SignInAttempt, utcnow
from tracker.roles import ROLES

MIN_PASSWORD = 8
FREE_ATTEMPTS = 3
MAX_WAIT_SECONDS = 300
#: A name's failures from an address are forgotten after a day without another.
FORGET_FAILURES_AFTER = timedelta(days=1)
SESSION_SECRET_KEY = "web_session_secret"
#: How long a one-time link to set a password works.
LINK_HOURS = 72
#: The password hash of an account whose person has not set a password yet: it matches no password.
NO_PASSWORD = "!"
#: Where a one-time link to set a password leads, under the address the browser view is served at.
PASSWORD_LINK_PATH = "/password/set"
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
    link_year: int | None = None  # signed in by a personal link: its economy's return of this year only

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
        raise Refused(f"There is no user {name!r}: check the name against the list of accounts.")
    return account


def add_user(session: Session, name: str, role: str, economy_code: str | None, password: str | None) -> Account:
    """``tracker users add``: a new account; a focal point needs its economy, the others none.
    Without a password (``None``) nobody can sign in as it until its one-time link
    (``issue_password_link``) has been used."""
    name = _clean_name(name)
    _check_role(role, economy_code)
    if session.scalar(select(Account.id).where(Account.name == name)) is not None:
        raise Refused(f"User {name} already exists: choose another name, or reset {name}'s password instead.")
    economy = resolve_economy(session, economy_code) if economy_code else None
    account = Account(name=name, role=role, economy=economy,
                      password_hash=NO_PASSWORD if password is None else _hasher.hash(_check_password(password)),
                      created_at=utcnow())
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
    """``tracker users remove``: the account goes, and with it every session and link it had; the
    last administrator stays."""
    account = _account(session, name)
    _keep_an_administrator(session, account, None)
    session.execute(delete(PasswordReset).where(PasswordReset.account_id == account.id))
    session.delete(account)
    return account.name


def set_password(session: Session, name: str, password: str) -> str:
    """``tracker users password``: a new password; sessions signed in with the old one end."""
    account = _account(session, name)
    account.password_hash = _hasher.hash(_check_password(password))
    session.execute(delete(SignInAttempt).where(SignInAttempt.name_sha256 == _name_sha256(account.name)))
    return account.name


def has_accounts(session: Session) -> bool:
    return session.scalar(select(Account.id).limit(1)) is not None


def _name_sha256(name: str) -> str:
    return hashlib.sha256(name.strip().encode("utf-8", "surrogatepass")).hexdigest()


def wait_before_next_try(attempts: SignInAttempt | None, now: datetime) -> int:
    """Seconds a name must wait at an address before another password is checked (0: it may try now)."""
    over = (attempts.failures if attempts else 0) - FREE_ATTEMPTS
    if over < 0:
        return 0
    wait = timedelta(seconds=min(2 ** over, MAX_WAIT_SECONDS))
    return max(0, math.ceil((attempts.last_failed_at + wait - now).total_seconds()))


def _seconds(number: int) -> str:
    return f"{number} second" if number == 1 else f"{number} seconds"


@dataclass
class SignIn:
    """What a sign-in attempt gave: the viewer and its session fingerprint, or the problem (and
    the status code the browser gets: 401 wrong, 429 wait ``retry_after`` seconds)."""

    viewer: Viewer | None = None
    fingerprint: str = ""
    problem: str | None = None
    status: int = 200
    retry_after: int = 0


def _attempts(session: Session, name: str, client: str, now: datetime) -> SignInAttempt | None:
    """The failures of ``name`` from ``client``, held until the transaction ends (two guesses at
    once are counted one after the other); failures forgotten by now are removed first."""
    session.execute(delete(SignInAttempt).where(SignInAttempt.last_failed_at < now - FORGET_FAILURES_AFTER))
    return session.scalar(select(SignInAttempt).where(SignInAttempt.name_sha256 == _name_sha256(name),
                                                      SignInAttempt.client == client).with_for_update())


def _count_failure(session: Session, attempts: SignInAttempt | None, name: str, client: str, now: datetime) -> None:
    if attempts is None:
        session.add(SignInAttempt(name_sha256=_name_sha256(name), client=client, failures=1, last_failed_at=now))
    else:
        attempts.failures += 1
        attempts.last_failed_at = now


def sign_in(session: Session, name: str, password: str, now: datetime, client: str) -> SignIn:
    """Check a user name and password typed at the client address ``client`` at the moment ``now``
    (what the wait after failures counts from). A failure is counted for the name and address (so
    the caller commits it). An unknown name and a wrong password get the same answer after the
    same work: the password is checked against a hash of nothing, and the failure is counted."""
    client = client[:64]
    attempts = _attempts(session, name, client, now)
    wait = wait_before_next_try(attempts, now)
    if wait:
        return SignIn(problem=f"Too many failed sign-ins: wait {_seconds(wait)}, then try again.", status=429,
                      retry_after=wait)
    account = session.scalar(select(Account).options(joinedload(Account.economy)).where(Account.name == name.strip()))
    if not _verify(account.password_hash if account else _hash_of_nothing(_hasher), password) or account is None:
        _count_failure(session, attempts, name, client, now)
        return SignIn(problem="The user name or the password is wrong.", status=401)
    if attempts is not None:
        session.delete(attempts)
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


def _check_role(role: str, economy_code: str | None) -> None:
    if role not in ROLES:
        raise Refused(f"{role!r} is not a role: give one of {', '.join(ROLES)}.")
    if (role == "focal-point") != bool(economy_code):
        raise Refused("A focal point needs its economy's code; only a focal point has one.")


def _keep_an_administrator(session: Session, account: Account, new_role: str | None) -> None:
    """Refuse to remove the last administrator, or to give them another role (``new_role``), so
    that someone can always manage the accounts. Locks the administrators' rows until commit, so
    that two administrators removing each other at once cannot both succeed."""
    if account.role != "admin" or new_role == "admin":
        return
    admins = session.scalars(select(Account.id).where(Account.role == "admin").with_for_update()).all()
    if len(admins) <= 1:
        raise Refused(f"{account.name} is the last administrator: make another account administrator first.")


def change_user(session: Session, name: str, role: str, economy_code: str | None) -> str:
    """``tracker users change``: another role, or (for a focal point) another economy. The
    password and the sessions stay; the new role applies from the next page on."""
    account = _account(session, name)
    _check_role(role, economy_code)
    _keep_an_administrator(session, account, role)
    account.role = role
    account.economy = resolve_economy(session, economy_code) if economy_code else None
    session.flush()
    return account.name


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_link(session: Session, name: str, issued_by: str, now: datetime) -> str:
    """``tracker users reset``: the token of a new one-time link with which the person sets their
    own password, valid for ``LINK_HOURS``; any earlier link of the account stops working. The
    current password keeps working until the new one is set, so that a link lost on the way locks
    nobody out (remove the account to shut out someone at once). Only the token's SHA-256 is kept."""
    account = _account(session, name)
    session.execute(update(PasswordReset).where(PasswordReset.account_id == account.id, PasswordReset.used_at.is_(None))
                    .values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(account_id=account.id, token_sha256=_token_hash(token), created_at=now,
                              expires_at=now + timedelta(hours=LINK_HOURS), issued_by=issued_by))
    session.flush()
    return token


def add_user_with_link(session: Session, name: str, role: str, economy_code: str | None, issued_by: str,
                       now: datetime) -> tuple[str, str]:
    """An account added with no password, and the token of its one-time link to set one."""
    account = add_user(session, name, role, economy_code, None)
    return account.name, issue_password_link(session, account.name, issued_by, now)


def check_base_address(base_address: str) -> str:
    """The address the browser view is served at (``http://host:port/prefix``), without a final /."""
    cleaned = base_address.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", cleaned):
        raise Refused(f"{base_address!r} is not the address of the browser view: give one such as http://127.0.0.1:8080.")
    return cleaned


def password_link(base_address: str, token: str) -> str:
    """The one-time link as the person opens it, under ``base_address``."""
    return f"{check_base_address(base_address)}{PASSWORD_LINK_PATH}?token={token}"


def _valid_link(session: Session, token: str, now: datetime, lock: bool = False) -> PasswordReset:
    query = select(PasswordReset).options(joinedload(PasswordReset.account)).where(
        PasswordReset.token_sha256 == _token_hash(token.strip()))
    link = session.scalar(query.with_for_update(of=PasswordReset) if lock else query)
    if link is None or link.used_at is not None:
        raise Refused("This link to set a password has been used already or is not valid: "
                      "ask an administrator for a new one.")
    if link.expires_at <= now:
        raise Refused(f"This link to set a password has expired (links work for {LINK_HOURS} hours): "
                      "ask an administrator for a new one.")
    return link


def password_link_user(session: Session, token: str, now: datetime) -> str:
    """The user name a one-time link is for, if it still works (refused otherwise)."""
    return _valid_link(session, token, now).account.name


def set_password_by_link(session: Session, token: str, password: str, now: datetime) -> str:
    """Set the password of the link's account, once: the link is used up, sessions signed in with
    the old password end, and the count of failed sign-ins starts again."""
    link = _valid_link(session, token, now, lock=True)
    account = link.account
    account.password_hash = _hasher.hash(_check_password(password))
    session.execute(delete(SignInAttempt).where(SignInAttempt.name_sha256 == _name_sha256(account.name)))
    link.used_at = now
    return account.name


def open_password_links(session: Session, now: datetime) -> dict[str, datetime]:
    """Each account with a link not yet used or expired, and when that link expires."""
    rows = session.execute(
        select(Account.name, func.max(PasswordReset.expires_at)).join(PasswordReset, PasswordReset.account_id == Account.id)
        .where(PasswordReset.used_at.is_(None), PasswordReset.expires_at > now).group_by(Account.name))
    return dict(rows.all())


def offer_one_time_sign_in(session: Session, token: str | None) -> None:
    """Let ``token`` sign the local user in as administrator, once (``tracker serve``'s one-time
    address), in any server process; ``None`` withdraws an earlier one. Only its SHA-256 is kept."""
    session.execute(delete(Setting).where(Setting.key == ONE_TIME_KEY))
    if token:
        session.add(Setting(key=ONE_TIME_KEY, value=_token_hash(token)))
    session.flush()


def take_one_time_sign_in(session: Session, token: str) -> bool:
    """Whether ``token`` is the one-time address's, used now: of two uses, in any processes, one wins."""
    digest = _token_hash(token)
    taken = session.execute(delete(Setting).where(Setting.key == ONE_TIME_KEY, Setting.value == digest))
    return bool(token) and taken.rowcount == 1
