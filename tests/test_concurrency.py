"""Concurrent writers, as real processes on the same database: they behave as if they had run one
after the other. A conflicting second form is refused, the history's old -> new chain is unbroken,
no update is lost, the same file imported twice at once is "already imported", parallel `init`
runs all succeed, nobody is asked to run a command again, and `tracker show` never waits for a
writer.

Each worker is a process of its own (spawned, not forked: a forked child would inherit the test
process's open SQLite connections, and closing them there can check the write-ahead log into the
file behind the other writers' backs) running the ``tracker`` command; a barrier starts them
together. The processes are started once for the module (starting four and importing the tracker
in each cost about 0.9 s of processor time apiece) and each command opens and closes its own
connections, as a separate process does.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from formtools import fill
from tracker.cli import cli
from tracker.models import Catalogue, Change, Economy, Entry, Item
from tracker.store import Store
from webtools import add_accounts, client, signed_in

WORKERS = 4
_start = None


def _set_barrier(barrier) -> None:
    global _start
    _start = barrier


def _run_commands(target: str, commands: list[list[str]]) -> list[tuple[int, str]]:
    """In a worker: wait for the others, then run each command; return (exit code, output)."""
    _start.wait()
    runner = CliRunner()
    results = []
    for args in commands:
        result = runner.invoke(cli, ["--db", target, *args])
        results.append((result.exit_code, result.output + (repr(result.exception) if result.exception and
                                                           not isinstance(result.exception, SystemExit) else "")))
    return results


@pytest.fixture(scope="module")
def pool():
    """WORKERS processes sharing a barrier: each takes one task of a batch of WORKERS and waits at
    the barrier, so no process can take two and they all start together."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_set_barrier,
                             initargs=(context.Barrier(WORKERS),)) as workers:
        yield workers


def in_parallel(pool, target: str, per_worker: list[list[list[str]]]) -> list[list[tuple[int, str]]]:
    """Run each worker's commands in its own process, all starting at the same moment (the
    processes given no commands only make up the barrier's number)."""
    idle = [[]] * (WORKERS - len(per_worker))
    futures = [pool.submit(_run_commands, target, commands) for commands in [*per_worker, *idle]]
    return [future.result(timeout=120) for future in futures][:len(per_worker)]


def assert_no_retry_asked(results) -> None:
    for worker in results:
        for code, output in worker:
            assert "Traceback" not in output and "Run the command again" not in output, output


def _forget_connections(store: Store) -> None:
    # Forked workers must not inherit (and close) the parent's open connections.
    store.engine.dispose()


def test_concurrent_records_keep_every_update_and_an_unbroken_history(pool, store):
    _forget_connections(store)
    rounds = 8
    per_worker = [
        [["record", "JPN", "LC02-1", "--year", "2008", "--measures", f"worker {w} round {r}"] for r in range(rounds)]
        + [["contact", "JPN", "--year", "2008", "--name", f"Focal point {w}"]]
        for w in range(WORKERS)
    ]
    results = in_parallel(pool, store.target, per_worker)
    assert_no_retry_asked(results)
    assert all(code == 0 for worker in results for code, _ in worker), results
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        item = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        chains = {}
        for field, expected in (("measures", WORKERS * rounds), ("contact_name", WORKERS)):
            chains[field] = list(session.scalars(
                select(Change).where(Change.economy_id == economy.id, Change.year == 2008, Change.field == field)
                .order_by(Change.id)
            ))
            assert len(chains[field]) == expected, f"{field}: updates were lost"
            olds = [c.old_value for c in chains[field]]
            assert olds == [None] + [c.new_value for c in chains[field][:-1]], f"{field}: the history's chain is broken"
        entries = list(session.scalars(select(Entry).where(Entry.item_id == item.id, Entry.economy_id == economy.id)))
        assert len(entries) == 1
        assert entries[0].measures == chains["measures"][-1].new_value


def _issue(tracker, tmp_path, name: str):
    out = tmp_path / name
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(out))
    return out / "JPN-2008.xlsx"


def _status(store) -> str | None:
    with store.transaction() as session:
        return session.scalar(
            select(Entry.status).join(Item, Item.id == Entry.item_id).join(Economy, Economy.id == Entry.economy_id)
            .where(Item.ref == "LC02-1", Economy.code == "JPN", Entry.year == 2008)
        )


def test_two_conflicting_forms_imported_at_the_same_moment_one_is_refused(pool, store, tracker, tmp_path):
    rounds = [("Implemented", "Planned"), ("In progress", "Not started"), ("Partially implemented", "Planned")]
    keys = {"Implemented": "implemented", "Planned": "planned", "In progress": "in_progress",
            "Not started": "not_started", "Partially implemented": "partial"}
    for number, values in enumerate(rounds):
        forms = [fill(_issue(tracker, tmp_path, f"r{number}-{i}"), {"LC02-1": {"Status": value}},
                      out=tmp_path / f"r{number}-{i}.xlsx") for i, value in enumerate(values)]
        _forget_connections(store)
        results = in_parallel(pool, store.target, [[["import", str(form)]] for form in forms])
        assert_no_retry_asked(results)
        codes = sorted(worker[0][0] for worker in results)
        assert codes == [0, 1], results
        winner = next(i for i, worker in enumerate(results) if worker[0][0] == 0)
        loser_output = results[1 - winner][0][1]
        assert "was changed in the database after this form was issued" in loser_output, loser_output
        assert _status(store) == keys[values[winner]], "the refused form's value was stored"


def test_the_same_file_imported_twice_at_the_same_moment_is_already_imported(pool, store, tracker, tmp_path):
    form = fill(_issue(tracker, tmp_path, "once"), {"LC02-1": {"Status": "Implemented"}, "LC02-2": {"Status": "Planned"}})
    _forget_connections(store)
    results = in_parallel(pool, store.target, [[["import", "--json", str(form)]] for _ in range(2)])
    assert_no_retry_asked(results)
    assert [worker[0][0] for worker in results] == [0, 0], results
    statuses = sorted(json.loads(worker[0][1])[0]["status"] for worker in results)
    assert statuses == ["already imported", "applied"]
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Change).where(Change.import_id.is_not(None))) == 2


def test_parallel_init_on_an_empty_database_all_succeed(pool, target):
    results = in_parallel(pool, target, [[["init"]] for _ in range(WORKERS)])
    assert_no_retry_asked(results)
    assert [worker[0][0] for worker in results] == [0] * WORKERS, results
    store = Store(target)
    try:
        with store.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Economy)) == 21
            assert session.scalar(select(func.count()).select_from(Catalogue)) == 1
        assert store.schema_state()[0] == "current"
    finally:
        store.engine.dispose()


def test_an_undo_and_a_record_at_the_same_moment_never_lose_the_record(pool, store, tracker, tmp_path):
    """Undo checks for later changes and writes back under the same lock: run against a `record`
    of the same value, either the undo is refused (the record came first) or the record's value
    is what remains (the undo came first); the record is never silently undone."""
    for number in range(3):
        form = fill(_issue(tracker, tmp_path, f"u{number}"), {"LC02-1": {"Status": "Implemented"}},
                    out=tmp_path / f"u{number}.xlsx")
        tracker("import", str(form))
        import_id = max(row["id"] for row in json.loads(tracker("imports", "list", "--json").output))
        _forget_connections(store)
        results = in_parallel(pool, store.target, [
            [["imports", "undo", str(import_id)]],
            [["record", "JPN", "LC02-1", "--year", "2008", "--status", "planned"]],
        ])
        assert_no_retry_asked(results)
        (undo_code, undo_output), (record_code, _) = results[0][0], results[1][0]
        assert record_code == 0
        assert _status(store) == "planned", f"the record was undone: {undo_output}"
        if undo_code != 0:
            assert "changed after it" in undo_output, undo_output
        tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "not_started")


def test_the_same_import_undone_twice_at_the_same_moment_is_undone_once(pool, store, tracker, tmp_path):
    form = fill(_issue(tracker, tmp_path, "twice"), {"LC02-1": {"Status": "Implemented"}})
    tracker("import", str(form))
    import_id = max(row["id"] for row in json.loads(tracker("imports", "list", "--json").output))
    _forget_connections(store)
    results = in_parallel(pool, store.target, [[["imports", "undo", str(import_id)]] for _ in range(2)])
    assert_no_retry_asked(results)
    assert sorted(worker[0][0] for worker in results) == [0, 1], results
    refused = next(worker[0][1] for worker in results if worker[0][0] == 1)
    assert "already undone" in refused, refused
    undos = [row for row in json.loads(tracker("imports", "list", "--json").output) if row["file"].startswith("undo of")]
    assert len(undos) == 1


def test_show_neither_waits_for_a_writer_nor_sees_what_it_has_not_committed(store):
    """``tracker show`` reads through ``Store.read``, which takes no write lock: while another
    transaction holds one (SQLite's ``BEGIN IMMEDIATE``) with a change not yet committed, the
    checklist is shown at once, as it stood. Were it to wait, it would wait for the writer's
    busy timeout (30 s), well past the child's time limit."""
    with store.engine.connect() as writer:
        transaction = writer.begin()
        writer.execute(update(Economy).where(Economy.code == "JPN").values(name="Nippon"))
        try:
            child = subprocess.run([sys.executable, "-m", "tracker", "--db", store.target, "show", "JPN",
                                    "--year", "2008"], capture_output=True, text=True, timeout=15)
        finally:
            transaction.rollback()
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith("Japan (JPN), 2008")


READ_PAGES = ["/", "/matrix", "/needs", "/economies/JPN", "/items/LC02-1", "/history", "/imports", "/reports",
              "/rounds", "/publication", "/economies/JPN/return", "/users"]


def test_pages_neither_wait_for_a_writer_nor_show_what_it_has_not_committed(store):
    """The browser view's pages read through ``Store.read_session``, as ``tracker show`` reads:
    while an import or a save holds the write lock with a change not yet committed, every page
    answers at once with the data as it stood. A page that took the write lock itself would wait
    for the writer's busy timeout (30 s), past the 20 s the pages are given here."""
    add_accounts(store)
    web = signed_in(client(store), "ada")
    pool = ThreadPoolExecutor(1)
    with store.engine.connect() as writer:
        transaction = writer.begin()
        writer.execute(update(Economy).where(Economy.code == "JPN").values(name="Nippon"))
        try:
            pages = pool.submit(lambda: {path: web.get(path) for path in READ_PAGES}).result(timeout=20)
        finally:
            transaction.rollback()
            pool.shutdown()
    assert {path: page.status_code for path, page in pages.items()} == dict.fromkeys(READ_PAGES, 200)
    assert "Japan" in pages["/economies/JPN"].text
    assert not [path for path, page in pages.items() if "Nippon" in page.text]
