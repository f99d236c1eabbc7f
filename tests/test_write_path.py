"""The one write path writes in bulk: the statements it issues do not grow with the entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, func, insert, select

from tracker.catalogue import items_for
from tracker.models import Change, Economy, Entry
from tracker.progress import record_entries
from tracker.store import insert_rows


def _statements(store, economy_code: str, count: int, values: dict) -> int:
    issued = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        issued.append(statement)

    event.listen(store.engine, "before_cursor_execute", count_statement)
    try:
        with store.transaction() as session:
            economy = session.scalar(select(Economy).where(Economy.code == economy_code))
            items = [item for item in items_for(session, 2008)][:count]
            outcomes = record_entries(session, economy, 2008, [(item, dict(values)) for item in items], "test")
            assert len(outcomes) == count
    finally:
        event.remove(store.engine, "before_cursor_execute", count_statement)
    return len(issued)


def test_statements_do_not_grow_with_the_number_of_entries(store):
    new = {"status": "planned", "measures": "Drafted"}
    changed = {"status": "implemented"}
    assert _statements(store, "JPN", 3, new) == _statements(store, "KOR", 26, new)
    assert _statements(store, "JPN", 3, changed) == _statements(store, "KOR", 26, changed)
    with store.transaction() as session:
        korea = session.scalar(select(Economy.id).where(Economy.code == "KOR"))
        assert session.scalar(select(func.count()).select_from(Entry).where(Entry.economy_id == korea)) == 26
        history = session.execute(
            select(Change.field, Change.old_value, Change.new_value).where(Change.economy_id == korea)
        ).all()
        assert len(history) == 26 * 3
        assert set(history) == {("measures", None, "Drafted"), ("status", None, "planned"),
                                ("status", "planned", "implemented")}


def test_text_that_bulk_loading_escapes_is_stored_as_given(store):
    """On PostgreSQL the entries and their history go in by ``COPY``, whose text format gives
    tabs, line breaks, backslashes and ``\\N`` (its null) a meaning: typed text must come back as typed."""
    awkward = ["tab\there", "two\nlines", "back\\slash", "\\N", "\\.", "quote \" and '", "€ 𝄞 ツ", "a,b;c|d"]
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        items = items_for(session, 2008)[:len(awkward)]
        record_entries(session, economy, 2008, [(item, {"measures": text}) for item, text in zip(items, awkward)], "test")
    with store.transaction() as session:
        stored = session.scalars(select(Entry.measures).where(Entry.economy_id == economy.id)
                                 .order_by(Entry.item_id)).all()
        logged = session.scalars(select(Change.new_value).where(Change.economy_id == economy.id)
                                 .order_by(Change.item_id)).all()
    by_item = sorted(zip([item.id for item in items], awkward))
    assert stored == logged == [text for _, text in by_item]


def test_rows_loaded_in_bulk_are_stored_as_sqlalchemy_itself_stores_them(store):
    """``store.insert_rows`` hands rows to the driver itself (``COPY``, sqlite3's ``executemany``),
    converting each value as SQLAlchemy would: what it stores must be what SQLAlchemy's own insert
    stores, down to how a moment is written (SQLite keeps it as text)."""
    with store.transaction() as session:
        economy = session.scalar(select(Economy.id).where(Economy.code == "JPN"))
        item = items_for(session, 2008)[0].id
        session.execute(insert(Entry.__table__), {"economy_id": economy, "item_id": item, "year": 2008,
                                                  "updated_at": datetime(2008, 1, 1), "updated_by": "test"})
        rows = [{"economy_id": economy, "item_id": item if moment.microsecond else None, "year": 2008,
                 "field": "status", "old_value": None, "new_value": "planned", "changed_at": moment, "import_id": None}
                for moment in (datetime(2008, 2, 29, 23, 59, 58, 123456), datetime(2008, 3, 1))]
        insert_rows(session, Change.__table__, [row | {"source": "bulk"} for row in rows])
        session.execute(insert(Change.__table__), [row | {"source": "sqlalchemy"} for row in rows])
        stored = session.connection().exec_driver_sql(
            "SELECT source, economy_id, item_id, year, field, old_value, new_value, changed_at, import_id FROM change "
            "WHERE source IN ('bulk', 'sqlalchemy') ORDER BY source, changed_at").all()
    bulk, by_sqlalchemy = stored[:2], stored[2:]
    assert [row[0] for row in stored] == ["bulk", "bulk", "sqlalchemy", "sqlalchemy"]
    assert [tuple(row[1:]) for row in bulk] == [tuple(row[1:]) for row in by_sqlalchemy]
