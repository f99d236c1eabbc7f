"""Forms read one row per economy and item, however many years of answers the store holds.

The prefill needs each item's latest answer (and, for an item answered this year, the status
before it), not the whole history: a store of ten years must not cost ten times the rows of
one. Every row a query returns is counted by asking the database for ``count(*)`` of the same
statement with the same parameters (SQLAlchemy's ``after_cursor_execute`` event), on both
databases.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import Engine, event, select

from tracker.economies import resolve_economy
from tracker.models import Item
from tracker.progress import record_entries

YEAR = 2008
ECONOMIES = ["AUS", "JPN", "PER"]


@contextmanager
def counting_rows():
    """The number of rows each SELECT sent to the database returns, in order."""
    counts: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if executemany or not statement.lstrip().upper().startswith("SELECT"):
            return
        counter = cursor.connection.cursor()
        try:
            counter.execute(f"SELECT count(*) FROM ({statement}) AS counted", parameters)
            counts.append(counter.fetchone()[0])
        finally:
            counter.close()

    event.listen(Engine, "after_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(Engine, "after_cursor_execute", count)


def answer(store, years, status: str, every: int = 1) -> None:
    """Setup through the write path: the economies answer every ``every``-th item in each year."""
    with store.transaction() as session:
        items = list(session.scalars(select(Item).order_by(Item.position)))
        for code in ECONOMIES:
            economy = resolve_economy(session, code)
            for year in years:
                record_entries(session, economy, year, [(item, {"status": status, "measures": f"Done in {year}."})
                                                        for item in items[::every] if item.applies_in(year)], "setup")


def test_forms_read_as_many_rows_for_a_long_history_as_for_a_short_one(store, tracker, tmp_path):
    answer(store, [YEAR - 2, YEAR - 1], "planned")
    answer(store, [YEAR], "in_progress", every=2)  # answered this year: the status before is read too
    form = ["form", "--year", str(YEAR), *[a for code in ECONOMIES for a in ("--economy", code)],
            "--out", str(tmp_path)]
    tracker(*form)  # the round opened and the signing key made, as for the second run
    with counting_rows() as short:
        tracker(*form)

    answer(store, range(YEAR - 7, YEAR - 2), "not_started")
    with counting_rows() as long:
        tracker(*form)

    assert sum(short) >= len(ECONOMIES) * 26, f"the counter saw too few rows: {short}"
    assert long == short, f"rows per query, two years of answers then seven: {short} -> {long}"
