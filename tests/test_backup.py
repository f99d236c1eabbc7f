"""`tracker backup`, `restore` and `check`: a consistent copy while others write, a restore that
takes only intact tracker databases, and a check that finds what was changed behind the tool's back."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time

import pytest
from click.testing import CliRunner

from conftest import Tracker
from formtools import fill
from tracker.cli import cli


def _keep_recording(database: str, stop, rounds, failures) -> None:
    """In a child: record until told to stop; a failed record is written to ``failures`` and ends it."""
    runner = CliRunner()
    round_number = 0
    while not stop.is_set():
        round_number += 1
        rounds.value = round_number
        for ref in ("LC02-1", "LC02-2", "T7-1"):
            result = runner.invoke(cli, ["--db", database, "record", "JPN", ref, "--year", "2008",
                                         "--measures", f"round {round_number}"])
            if result.exit_code != 0:
                failures.write_text(f"{result.output}{result.exception!r}")
                return


def _sqlite(target: str) -> str:
    if "://" in target:
        pytest.skip("backup and restore are for SQLite files; PostgreSQL has pg_dump and pg_restore")
    return target


def test_a_backup_taken_while_others_write_is_consistent(tracker, store, tmp_path):
    _sqlite(store.target)
    store.engine.dispose()
    context = multiprocessing.get_context("spawn")
    stop, rounds = context.Event(), context.Value("i", 0)
    failures = tmp_path / "writer-failures.txt"
    writer = context.Process(target=_keep_recording, args=(store.target, stop, rounds, failures))
    writer.start()
    copies = []
    deadline = time.monotonic() + 120
    try:
        while rounds.value < 2 and writer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        while (len(copies) < 4 or rounds.value < 6) and writer.is_alive() and time.monotonic() < deadline:
            copy = tmp_path / f"copy-{len(copies)}.db"
            assert "Backed up" in tracker("backup", str(copy)).output
            copies.append(copy)
        seen_while_writing = rounds.value
    finally:
        stop.set()
        writer.join(30)
    assert not failures.exists(), f"a record failed while backups were taken: {failures.read_text()}"
    assert writer.exitcode == 0
    assert seen_while_writing >= 6
    for copy in copies:
        result = json.loads(Tracker(str(copy))("check", "--json").output)
        assert result["ok"] and result["entries"] == 3, result
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], "a temporary file was left"


def test_backup_refuses_to_overwrite_without_force(tracker, store, tmp_path):
    _sqlite(store.target)
    copy = tmp_path / "copy.db"
    copy.write_bytes(b"precious")
    assert "already exists: give another file name, or add --force" in tracker("backup", str(copy), expect=1).output
    assert copy.read_bytes() == b"precious"
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    tracker("backup", "--force", str(copy))
    assert "Planned" in Tracker(str(copy))("show", "JPN", "--year", "2008").output
    assert "is the database itself" in tracker("backup", "--force", store.target, expect=1).output


def test_backup_on_postgresql_points_to_pg_dump(target, tmp_path):
    if "://" not in target:
        pytest.skip("about PostgreSQL")
    Tracker(target)("init")
    assert "use pg_dump and pg_restore" in Tracker(target)("backup", str(tmp_path / "c.db"), expect=1).output


def test_restore_brings_back_the_backup_only_with_force(tracker, store, tmp_path):
    _sqlite(store.target)
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    copy = tmp_path / "copy.db"
    tracker("backup", str(copy))
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented")
    assert "already holds a database; give --force" in tracker("restore", str(copy), expect=1).output
    assert "Implemented" in tracker("show", "JPN", "--year", "2008").output
    tracker("restore", "--force", str(copy))
    assert "Implemented" not in tracker("show", "JPN", "--year", "2008").output
    assert "Planned" in tracker("show", "JPN", "--year", "2008").output
    fresh = tmp_path / "fresh.db"
    Tracker(str(fresh))("restore", str(copy))
    assert "Planned" in Tracker(str(fresh))("show", "JPN", "--year", "2008").output


def test_restore_refuses_what_is_not_an_intact_readable_tracker_database(tracker, store, tmp_path):
    _sqlite(store.target)
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    noise = tmp_path / "noise.db"
    noise.write_bytes(b"not a database at all" * 20)
    newer = tmp_path / "newer.db"
    tracker("backup", str(newer))
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff0000'")
    for source, message in ((other, "another program"), (noise, "not an SQLite file"),
                            (newer, "made by a newer version of tracker"),
                            (tmp_path / "missing.db", "There is no backup at")):
        assert message in tracker("restore", "--force", str(source), expect=1).output
    assert "Planned" in tracker("show", "JPN", "--year", "2008").output


def _raw(store, *statements: str) -> None:
    with store.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_check_finds_values_that_differ_from_their_history_and_lost_import_changes(tracker, store, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    tracker("contact", "JPN", "--year", "2008", "--name", "Hanako Sato")
    tracker("form", "--year", "2008", "--economy", "PER", "--out", str(tmp_path))
    tracker("import", str(fill(tmp_path / "PER-2008.xlsx", {"LC02-1": {"Status": "Implemented"},
                                                              "LC02-2": {"Status": "Planned"}})))
    assert "No problems found." in tracker("check").output

    _raw(store,
         "UPDATE entry SET measures = 'typed behind its back' WHERE status = 'planned' AND measures IS NULL "
         "AND economy_id = (SELECT id FROM economy WHERE code = 'JPN')",
         "UPDATE economy_return SET name = 'Someone else'",
         "UPDATE entry SET status_draft = TRUE WHERE status = 'implemented'",
         "DELETE FROM change WHERE import_id IS NOT NULL AND new_value = 'planned'")
    result = json.loads(tracker("check", "--json", expect=1).output)
    problems = "\n".join(result["problems"])
    assert "JPN LC02-1 2008 measures: stored 'typed behind its back', but its history ends at None" in problems
    assert "JPN 2008 contact name: stored 'Someone else', but its history ends at 'Hanako Sato'" in problems
    assert "PER LC02-2 2008 status: stored 'planned', but its history ends at None" in problems
    assert ("PER LC02-1 2008: its status is stored as an online draft, but its history says it is not one."
            in problems)
    assert "recorded 2 new and 0 changed entries, but the history holds changes for 1" in problems
    assert len(result["problems"]) == 5 and result["ok"] is False


def test_check_finds_broken_references_in_an_sqlite_file(tracker, store):
    _sqlite(store.target)
    with sqlite3.connect(store.path) as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        for item_id, name in [(1, "status"), (None, "contact_name")]:
            connection.execute("INSERT INTO change (economy_id, item_id, year, field, old_value, new_value, "
                               "changed_at, source) VALUES (9999, ?, 2008, ?, NULL, 'x', '2008-01-01', 'test')",
                               (item_id, name))
    output = tracker("check", expect=1).output
    assert "Broken reference: row" in output and "of table change points to a missing row of entry" in output
    assert "economy 9999 (not in the database) contact 2008 contact_name: the history ends at 'x'" in output


def test_check_finds_no_problem_in_answers_confirmed_by_a_form_returned_unchanged(tracker, store, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented", "--measures", "Act of 2008")
    tracker("form", "--year", "2009", "--economy", "JPN", "--out", str(tmp_path))
    imported = tracker("import", str(tmp_path / "JPN-2009.xlsx")).output
    assert "confirmed" in imported
    result = json.loads(tracker("check", "--json").output)
    assert result["ok"] is True and result["problems"] == []
    tracker("form", "--year", "2009", "--economy", "PER", "--out", str(tmp_path))
    tracker("import", str(fill(tmp_path / "PER-2009.xlsx", {"LC02-2": {"Status": "Planned"}},
                               contact={"Contact name": "Rosa Quispe"})))
    tracker("imports", "undo", "2")
    result = json.loads(tracker("check", "--json").output)
    assert result["problems"] == [], "an undo counts the entries it changed, not the contact point"
