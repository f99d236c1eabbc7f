"""The member economies: codes, names, and whether they still take part."""

from __future__ import annotations

import csv
import importlib.resources
import io
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.checklist import economy_by_code
from tracker.errors import Refused
from tracker.models import Account, Change, Economy, Entry, Form, Import, Return
from tracker.text import check_text

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


def list_economies(session: Session, include_inactive: bool = False) -> list[dict]:
    query = select(Economy).order_by(Economy.code)
    if not include_inactive:
        query = query.where(Economy.active.is_(True))
    return [
        {"code": e.code, "name": e.name, "active": e.active} for e in session.scalars(query)
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
