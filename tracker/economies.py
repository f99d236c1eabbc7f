"""The member economies: codes, names, and whether they still take part."""

from __future__ import annotations

import csv
import importlib.resources
import io
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.checklist import economy_by_code
from tracker.errors import Refused
from tracker.models import Account, Change, Economy, Entry, Form, Import, Return
from tracker.text import check_text
from tracker.years import check_year

BUILT_IN = "apec-economies.csv"
_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
MAX_NAME = 200


def built_in_economies() -> list[tuple[str, str]]:
    """The APEC member economies shipped with the tool, as (code, name)."""
    text = importlib.resources.files("tracker.templates").joinpath(BUILT_IN).read_text(encoding="utf-8")
    return [(row["code"], row["name"]) for row in csv.DictReader(io.StringIO(text))]


def _clean_code(code: str) -> str:
    cleaned = code.strip().upper()
    if not _CODE.fullmatch(cleaned):
        shown = ascii(code[:20]) + ("..." if len(code) > 20 else "")
        raise Refused(
            f"{shown} is not a valid economy code: use 2 to 8 capital letters or digits, starting with "
            "a letter, such as JPN."
        )
    return cleaned


def _clean_name(name: str) -> str:
    """One line of visible text, at most ``MAX_NAME`` characters: names are shown everywhere."""
    check_text(name, "The economy's name")
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Refused("An economy needs a name, such as 'Viet Nam'.")
    if len(cleaned) > MAX_NAME:
        raise Refused(f"The economy's name is {len(cleaned):,} characters long; the limit is {MAX_NAME}.")
    return cleaned


def member_in(year: int):
    """The SQL condition: the economy is a member in ``year`` (within its membership years)."""
    return or_(Economy.joined_in.is_(None), Economy.joined_in <= year) & \
        or_(Economy.left_in.is_(None), Economy.left_in > year)


def resolve_member(session: Session, code: str, year: int) -> Economy:
    """The economy with this code, refused when ``year`` is outside its membership years."""
    economy = resolve_economy(session, code)
    if (economy.joined_in or year) > year or (economy.left_in or year + 1) <= year:
        since = f"joined in {economy.joined_in}" if economy.joined_in and economy.joined_in > year else \
            f"left in {economy.left_in}"
        raise Refused(f"{economy.code} {since}, so it takes no part in {year}; "
                      f"see `tracker economies join {economy.code} --from YEAR`.")
    return economy


def leave_economy(session: Session, code: str, year: int) -> Economy:
    """``tracker economies leave CODE --from YEAR``: the economy takes no part from ``year`` on."""
    check_year(year)
    economy = resolve_economy(session, code)
    if economy.joined_in is not None and year <= economy.joined_in:
        raise Refused(f"{economy.code} joined in {economy.joined_in}; give a later year to leave from.")
    economy.left_in = year
    return economy


def join_economy(session: Session, code: str, year: int) -> Economy:
    """``tracker economies join CODE --from YEAR``: the economy takes part from ``year`` on; from
    the year it left, the leaving is taken back. One membership period is kept, so joining again
    after a gap is refused rather than counting the gap or dropping the years before it."""
    check_year(year)
    economy = resolve_economy(session, code)
    if economy.left_in is not None and year > economy.left_in:
        raise Refused(f"{economy.code} left in {economy.left_in}; one period of membership is kept, so it "
                      f"cannot join again from {year}. `tracker economies join {economy.code} --from "
                      f"{economy.left_in}` takes the leaving back.")
    if economy.left_in is not None and year == economy.left_in:
        economy.left_in = None
    else:
        economy.joined_in = year
    return economy


def list_economies(session: Session, include_inactive: bool = False) -> list[dict]:
    query = select(Economy).order_by(Economy.code)
    if not include_inactive:
        query = query.where(Economy.active.is_(True))
    return [
        {"code": e.code, "name": e.name, "active": e.active, "joined_in": e.joined_in, "left_in": e.left_in}
        for e in session.scalars(query)
    ]


def resolve_economy(session: Session, code: str) -> Economy:
    """The economy with this code (any case); refuse with the closest codes or names otherwise."""
    return economy_by_code(list(session.scalars(select(Economy).order_by(Economy.code))), code)


def add_economy(session: Session, code: str, name: str) -> Economy:
    code, name = _clean_code(code), _clean_name(name)
    if session.scalar(select(Economy).where(Economy.code == code)) is not None:
        raise Refused(f"Economy {code} already exists. Use `tracker economies rename {code} NAME`.")
    economy = Economy(code=code, name=name, active=True)
    session.add(economy)
    return economy


def rename_economy(session: Session, code: str, name: str) -> tuple[str, Economy]:
    """Give an economy a new name; return the old name and the economy."""
    economy = resolve_economy(session, code)
    old, economy.name = economy.name, _clean_name(name)
    return old, economy


def remove_economy(session: Session, code: str) -> Economy:
    """Remove an economy added by mistake: only one that nothing refers to (no entries, forms,
    returns, imports, history or accounts), so no past is lost."""
    economy = resolve_economy(session, code)
    for table, what in ((Entry, "entries"), (Change, "history"), (Form, "forms"), (Return, "returns"),
                        (Import, "imports"), (Account, "accounts")):
        if session.scalar(select(table.economy_id).where(table.economy_id == economy.id).limit(1)) is not None:
            raise Refused(f"{economy.code} has {what} on record, so it cannot be removed; its past stays. "
                          "To leave it off what is to come, let it leave the group: "
                          f"`tracker economies leave {economy.code} --from YEAR`.")
    session.delete(economy)
    session.flush()
    return economy


def ensure_economies(session: Session, economies: list[tuple[str, str]]) -> list[str]:
    """Add those of ``economies`` not yet present (by code); return the codes added."""
    present = set(session.scalars(select(Economy.code)))
    added = [code for code, _ in economies if code not in present]
    session.add_all(Economy(code=code, name=name, active=True) for code, name in economies if code in added)
    return added
