"""The years the tool knows: every ``--year``, form, import and page is refused outside them.

A module of its own, with no database code, so that a command's options can be checked before
anything heavy is imported."""

from __future__ import annotations

from tracker.errors import Refused

MIN_YEAR, MAX_YEAR = 1900, 2200


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Refused(f"{year} is not a plausible year: give a year from {MIN_YEAR} to {MAX_YEAR}, such as 2008.")
    return year
