"""The one rule for years: every ``--year``, form, import, page and report is refused outside them.

A year is known from 1900 up to next year: data are gathered for the year under way and, once it
ends, for the year just begun; a later year has not come yet, and a typo such as 2090 or 2200
would otherwise open a round, issue forms and show a return no one made. Who may write a known
year is the second half of the rule (``closed_rounds.check_writer``): a focal point writes only a year
whose round is open; an editor any year that is not closed.

This module has no database code, so that a command's options can be checked before anything
heavy is imported.
"""

from __future__ import annotations

import re
from datetime import date

from tracker.errors import Refused
from tracker.text import escaped

MIN_YEAR = 1900


def latest_year(today: date | None = None) -> int:
    """The last year that has data: next year."""
    return (today or date.today()).year + 1


def check_year(year: int, today: date | None = None) -> int:
    """``year`` if it is known; else a refusal that says which years are."""
    latest = latest_year(today)
    if year > latest:
        raise Refused(f"{year} has not come yet: give a year up to {latest}.")
    if year < MIN_YEAR:
        raise Refused(f"{year} is not a plausible year: give a year from {MIN_YEAR} up to {latest}, such as 2008.")
    return year



def calendar_day(text: str) -> date:
    """A date typed as YYYY-MM-DD (a due date), refused unless that day exists."""
    text = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise Refused(f"{escaped(text)} is not a date that exists: give one as YYYY-MM-DD, such as 2009-03-31.")
