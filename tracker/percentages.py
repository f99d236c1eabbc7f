"""Percentages as every output shows them, rounded once.

A rate is rounded to a tenth of a percent, and a change of rate to a tenth of a percentage point,
half away from zero as a spreadsheet rounds what it displays; the report writes the rounded value
into its cells, and its sentences, ``tracker summary`` and the browser print the same one, so no
two places can show a figure one tenth apart.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_TENTH = Decimal("0.1")


def rounded_percent(value: float | None) -> float | None:
    """A rate (0 to 1) rounded to a tenth of a percent, half away from zero as a spreadsheet rounds
    it: the one rounding of every percentage shown, so a sentence and a table show the same figure."""
    if value is None:
        return None
    return float(((Decimal(repr(value)) * 100).quantize(_TENTH, ROUND_HALF_UP)) / 100)


def rounded_points(change: float | None) -> float | None:
    """A change of rate in percentage points (x 100), rounded to a tenth of a point."""
    if change is None:
        return None
    return float((Decimal(repr(change)) * 100).quantize(_TENTH, ROUND_HALF_UP))


def percent_text(value: float | None) -> str:
    return "n/a" if value is None else f"{rounded_percent(value) * 100:.1f}%"


def points_text(change: float | None) -> str:
    """A change in points with its sign; no change reads "0.0 pp", unsigned, as the report's cell shows it."""
    if change is None:
        return "n/a"
    points = rounded_points(change)
    return "0.0 pp" if points == 0 else f"{points:+.1f} pp"
