"""No query per row: the SQL statements a command issues do not grow with economies and items.

Each command runs, through the CLI, on a store of the built-in size (21 economies x 26 items) and
on one with twice as many economies and items; every statement sent to the database is counted
through SQLAlchemy's ``before_cursor_execute`` event, on both databases.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, select

from formtools import fill
from tracker.economies import add_economy
from tracker.models import Economy, Item
from tracker.errors import Refused
from tracker.progress import lock_economies, record_entries
from tracker.rounds import close_round, reopen_round
from tracker.store import Store

YEAR = 2008


@contextmanager
def counting():
    """Every statement sent to any database while the block runs, with its parameters."""
    statements: list[tuple[str, object]] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def extra_catalogue(path, items: int):
    lines = ["[catalogue]", "code: extra", "title: Extra commitments", "version: 1", "",
             "[instrument EXTRA]", "title: Extra instrument", "body: Ministers", ""]
    for i in range(1, items + 1):
        lines += [f"[item X{i:03d}]", "instrument: EXTRA", "category: Extra", "text-kind: summary",
                  f"text: Extra commitment {i}.", "first-year: 2001", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def answer_everything(store: Store) -> None:
    """Setup: every economy answers every item for the year before, through the write path."""
    with store.transaction() as session:
        items = [item for item in session.scalars(select(Item)) if item.applies_in(YEAR - 1)]
        for economy in session.scalars(select(Economy)):
            record_entries(session, economy, YEAR - 1, [(item, {"status": "planned"}) for item in items], "setup")


def commands(tmp, size: str) -> list[tuple[str, list[str]]]:
    """The commands to count; ``record`` creates a new entry at either size (a different economy)."""
    economy = {"small": "AUS", "large": "BRN"}.get(size, "CAN")
    return [
        ("catalog list", ["catalog", "list", "--json"]),
        ("economies list", ["economies", "list", "--json"]),
        ("show", ["show", "AUS", "--year", str(YEAR), "--json"]),
        ("summary", ["summary", "--year", str(YEAR), "--json"]),
        ("history", ["history", "AUS", "--json"]),
        ("record", ["record", economy, "LC02-1", "--year", str(YEAR), "--status", "implemented"]),
        ("form", ["form", "--year", str(YEAR), "--out", str(tmp / f"forms-{size}")]),
        ("report", ["report", "--year", str(YEAR), "--out", str(tmp / f"report-{size}.xlsx")]),
    ]


def statement_counts(tracker, tmp, size: str) -> dict[str, int]:
    counts = {}
    for name, args in commands(tmp, size):
        with counting() as statements:
            tracker(*args)
        counts[name] = len(statements)
    form = tmp / f"forms-{size}" / f"JPN-{YEAR}.xlsx"
    fill(form, {"LC02-1": {"Status": "Implemented"}, "T5-1": {"Measures undertaken": "A new law."}})
    with counting() as statements:
        tracker("import", str(form))
    counts["import"] = len(statements)
    return counts


def test_statement_counts_do_not_grow_with_economies_and_items(store, tracker, tmp_path):
    answer_everything(store)
    # One form first, so that `form` finds the round open and its signing key made at either size.
    tracker("form", "--year", str(YEAR), "--economy", "AUS", "--out", str(tmp_path / "first"))
    small = statement_counts(tracker, tmp_path, "small")

    tracker("catalog", "load", str(extra_catalogue(tmp_path / "extra.catalogue", 26)))
    with store.transaction() as session:
        for number in range(21):
            add_economy(session, f"Z{number:02d}", f"Added economy {number}")
    answer_everything(store)
    large = statement_counts(tracker, tmp_path, "large")

    assert small.keys() == large.keys()
    grew = {name: (small[name], large[name]) for name in small if large[name] != small[name]}
    assert not grew, f"statements (small -> twice the economies and items) grew for: {grew}"
    assert all(count > 0 for count in small.values()), small


@pytest.mark.parametrize("command", ["catalog list", "show"])
def test_counting_sees_the_statements(store, tracker, tmp_path, command):
    """The counter itself works: a command that reads the database is seen issuing statements."""
    args = dict(commands(tmp_path, "x"))[command]
    with counting() as statements:
        tracker(*args)
    assert any(s.lstrip().upper().startswith("SELECT") for s, _ in statements)


def locks_and_round_reads(statements: list[tuple[str, object]]) -> tuple[int, int]:
    """How many statements lock economies' rows, and how many read a round's."""
    flat = [" ".join(statement.split()).upper() for statement, _ in statements]
    return (sum(bool(re.search(r"\bFROM ECONOMY\b", s)) and "FOR UPDATE" in s for s in flat),
            sum(bool(re.search(r"\bFROM ROUND\b", s)) for s in flat))


def test_an_imported_form_locks_its_economy_and_reads_its_round_once(store, tracker, tmp_path):
    """Its transaction asks three times for the economy's lock and twice for the round's, and a
    lock once taken is held until the end: each is sent once (on SQLite no lock is sent at all)."""
    tracker("form", "--year", str(YEAR), "--economy", "JPN", "--out", str(tmp_path))
    form = tmp_path / f"JPN-{YEAR}.xlsx"
    fill(form, {"LC02-1": {"Status": "Implemented"}}, contact={"Contact name": "A. Focal"})
    with counting() as statements:
        tracker("import", str(form))
    assert locks_and_round_reads(statements) == (0 if store.is_sqlite else 1, 1)


def test_a_lock_given_back_with_a_savepoint_is_taken_again(store):
    """A savepoint rolled back releases the rows it locked: the next asker locks them again; a
    lock taken before the savepoint is still held inside it and after it."""
    if store.is_sqlite:
        pytest.skip("SQLite sends no row locks: one writer at a time holds the whole file")
    with store.transaction() as session:
        economy_id = session.scalar(select(Economy.id).where(Economy.code == "JPN"))
        other_id = session.scalar(select(Economy.id).where(Economy.code == "AUS"))
        with counting() as statements:
            savepoint = session.begin_nested()
            lock_economies(session, [economy_id])
            savepoint.rollback()
            lock_economies(session, [economy_id])
            with session.begin_nested():
                lock_economies(session, [economy_id, other_id])
            lock_economies(session, [economy_id])
            lock_economies(session, [other_id])
        assert locks_and_round_reads(statements)[0] == 4


def test_a_round_closed_in_the_transaction_that_found_it_open_refuses_what_follows(store):
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        item = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        record_entries(session, economy, YEAR, [(item, {"status": "planned"})], "test")
        close_round(session, YEAR, "test", force=True)
        with pytest.raises(Refused, match="round is closed"):
            record_entries(session, economy, YEAR, [(item, {"status": "implemented"})], "test")
        reopen_round(session, YEAR, "a late answer", "test")
        record_entries(session, economy, YEAR, [(item, {"status": "implemented"})], "test")


def test_the_write_path_reads_an_economys_year_as_one_range_of_an_index(store):
    """Even when the database's figures date from before the year's answers came in (as they do
    while a round's forms are imported), one economy's entries of the year are read through an
    index on both the year and the economy, not through the year's entries of every economy."""
    answer_everything(store)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE" if store.is_sqlite else "ANALYZE entry")
    with store.transaction() as session:
        items = [item for item in session.scalars(select(Item)) if item.applies_in(YEAR)]
        economies = list(session.scalars(select(Economy).order_by(Economy.code)))
        for economy in economies[1:]:
            record_entries(session, economy, YEAR, [(item, {"status": "planned"}) for item in items], "test")
        with counting() as sent:
            record_entries(session, economies[0], YEAR, [(items[0], {"status": "planned"})], "test")
        [(statement, parameters)] = [(s, p) for s, p in sent if re.match(r"\s*SELECT entry\.id\b", s)]
        explain = "EXPLAIN QUERY PLAN " if store.is_sqlite else "EXPLAIN "
        plan = [str(row[-1]) for row in session.connection().exec_driver_sql(explain + statement, parameters)]
    searched = [line for line in plan if "USING INDEX" in line or "Index Cond" in line]
    assert any("year" in line and "economy_id" in line for line in searched), plan
    assert not any("Filter" in line for line in plan), plan
