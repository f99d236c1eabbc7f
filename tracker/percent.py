"""The one way a percentage is shown: to one decimal, half away from zero, as Excel shows it.

The report's cells hold the exact rate with a ``0.0%`` number format, and Excel (and LibreOffice)
round what they show half away from zero: a rate of 0.5625 shows as 56.3 %. Python's own
formatting rounds the binary value half to even (56.2 %), so the summary, the browser and every
text output show a percentage through ``shown`` alone, and the same figure appears everywhere to
the last digit. JSON keeps the exact value.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Excel shows a number from its first 15 significant digits.
_EXCEL_DIGITS = 15


def shown(value: float | None, places: int = 1) -> str:
    """``value`` (a fraction: 0.5625) as a percentage ("56.3%"); "n/a" when there is none."""
    if value is None:
        return "n/a"
    hundredths = Decimal(f"{value:.{_EXCEL_DIGITS}g}") * 100
    return f"{hundredths.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"
