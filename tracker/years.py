"""The one rule for years: every ``--year``, form, import, page and report is refused outside them.

A year is known from 1900 up to next year: data are gathered for the year under way and, once it
ends, for the year just begun; a later year has not come yet, and a typo such as 2090 or 2200
would otherwise open a round, issue forms and show a return no one made. Who may write a known
year is the second half of the rule (``rounds.check_writer``): a focal point writes only a year
whose round is open; an editor any year that is not closed.

This module has no database code, so that a command's options can be checked before anything
heavy is imported.
"""

from __future__ import annotations

from datetime import date

from tracker.errors import Refused

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

