"""What `--db` may point at: a typo, a missing folder, another program's file, a read-only
database. Nothing that is not a tracker database is ever created or written; `init` is one
transaction that parallel runs share safely and that never downgrades a newer catalogue."""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

import tracker.initialise
from conftest import Tracker
from tracker.catalogue import built_in_path
from tracker.models import Catalogue
from tracker.store import head_revision, Store

NOBODY = 65534


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_typo_in_the_database_path_creates_nothing(tmp_path):
    typo = tmp_path / "demoo.db"
    for args in (["summary", "--year", "2008"], ["db", "current"], ["db", "upgrade"], ["check"],
                 ["record", "JPN", "LC02-1", "--year", "2008", "--status", "planned"]):
        output = Tracker(str(typo))(*args, expect=1).output
        assert f"No database at {typo}; create it with `tracker init`" in output
    assert list(tmp_path.iterdir()) == []


def test_path_problems_name_the_path(tmp_path):
    (tmp_path / "some.db").write_bytes(b"")
    output = Tracker(str(tmp_path / "some.db" / "r.db"))("init", expect=1).output
    assert f"{tmp_path / 'some.db'} is a file, not a folder" in output
    output = Tracker(str(tmp_path))("summary", "--year", "2008", expect=1).output
    assert f"{tmp_path} is a folder, not a database file" in output


@pytest.mark.parametrize("content", [b"PK\x03\x04 a zip, not a database" + bytes(200), b"hello\n" * 50])
def test_a_file_that_is_not_sqlite_is_refused_and_never_written(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    for args in (["init"], ["db", "current"], ["summary", "--year", "2008"]):
        assert "not an SQLite file at all" in Tracker(str(path))(*args, expect=1).output
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_another_programs_sqlite_database_is_refused_and_never_written(tmp_path):
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    connection.commit()
    connection.close()
    before = digest(path)
    for args in (["init"], ["db", "current"], ["db", "upgrade"], ["economies", "list"]):
        output = Tracker(str(path))(*args, expect=1).output
        assert "the SQLite database of another program (tables invoices)" in output
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_db_current_on_an_empty_file_does_not_write_it(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    assert "none (no tracker tables yet" in Tracker(str(path))("db", "current").output
    assert path.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
    Tracker(str(path))("init")
    assert Store(str(path)).schema_state()[0] == "current"


def _as_nobody(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, "-m", "tracker", *args],
        capture_output=True, text=True, timeout=60, cwd="/",
    )


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root and setpriv to run tracker as a user without write permission")
def test_a_read_only_database_in_a_read_only_folder_can_be_read():
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "tracker.db"
        for args in (["init"], ["record", "JPN", "LC02-1", "--year", "2008", "--status", "planned"]):
            subprocess.run([sys.executable, "-m", "tracker", "--db", str(path), *args], check=True,
                           capture_output=True, timeout=60)
        for suffix in ("-wal", "-shm"):
            assert not Path(f"{path}{suffix}").exists(), "the last connection checkpoints and removes the log"
        secret = folder / "secret.db"
        shutil.copy(path, secret)
        secret.chmod(0o000)
        path.chmod(0o444)
        folder.chmod(0o555)
        before = digest(path)
        shown = _as_nobody("--db", str(path), "show", "JPN", "--year", "2008")
        assert shown.returncode == 0, shown.stderr
        assert "Planned" in shown.stdout
        assert _as_nobody("--db", str(path), "db", "current").stdout.startswith(f"{head_revision()} (up to date)")
        refused = _as_nobody("--db", str(path), "record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented")
        assert refused.returncode == 1
        assert f"The database {path} is read-only" in refused.stderr and "Traceback" not in refused.stderr
        assert digest(path) == before
        unreadable = _as_nobody("--db", str(secret), "show", "JPN", "--year", "2008")
        assert unreadable.returncode == 1 and f"Cannot read the database {secret}: Permission denied" in unreadable.stderr
        created = _as_nobody("--db", str(folder / "new.db"), "init")
        assert created.returncode == 1 and f"no permission to create files in {folder}" in created.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["secret.db", "tracker.db"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_init_is_one_transaction(target, tmp_path, monkeypatch):
    """A failure while loading the built-in data leaves no schema behind either."""
    broken = tmp_path / "broken.catalogue"
    broken.write_text(built_in_path().read_text(encoding="utf-8").replace("\n[catalogue]\n", "\n[catalog]\n"))
    monkeypatch.setattr(tracker.initialise, "built_in_path", lambda: broken)
    store = Store(target)
    try:
        with pytest.raises(Exception, match="catalogue"):
            tracker.initialise.initialise(store)
        assert store.schema_state() == ("empty", None)
    finally:
        store.engine.dispose()


def test_init_never_downgrades_a_newer_catalogue(tracker, store, tmp_path):
    text = built_in_path().read_text(encoding="utf-8")
    with store.transaction() as session:
        built_in = session.scalar(select(Catalogue))
        version, title = built_in.version, built_in.title
    newer = tmp_path / "newer.catalogue"
    newer.write_text(text.replace(f"version: {version}", "version: 2999.1", 1)
                     .replace(f"title: {title}", "title: A newer edition", 1))
    tracker("catalog", "load", str(newer))
    output = tracker("init").output
    assert "apec-cyber@2999.1 kept: it is newer than the one built in" in output
    with store.transaction() as session:
        assert session.scalars(select(Catalogue.version)).all() == ["2999.1"]
        assert session.scalar(select(Catalogue.title)) == "A newer edition"


def test_years_out_of_range_are_refused_everywhere(tracker):
    latest = date.today().year + 1
    for args in (["summary", "--year", "-5"], ["catalog", "list", "--year", "1899"]):
        assert f"is not a plausible year: give a year from 1900 up to {latest}" in tracker(*args, expect=1).output
    for args in (["summary", "--year", "9223372036854775808"], ["show", "JPN", "--year", "2201"],
                 ["record", "JPN", "LC02-1", "--year", "9223372036854775808", "--status", "planned"]):
        assert f"has not come yet: give a year up to {latest}." in tracker(*args, expect=1).output


def test_invalid_utf8_in_an_argument_is_a_message(tmp_path):
    database = tmp_path / "t.db"
    Tracker(str(database))("init")
    for args in ([b"record", b"JPN", b"LC02-1", b"--year", b"2008", b"--measures", b"ok \xff"],
                 [b"economies", b"add", b"XYZ", b"Bad \xff name"]):
        result = subprocess.run([sys.executable.encode(), b"-m", b"tracker", b"--db", str(database).encode(), *args],
                                capture_output=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert b"is not valid UTF-8 text" in result.stderr and b"Traceback" not in result.stderr


def test_every_command_closes_its_connections(tracker, store):
    """A PostgreSQL server takes a fixed number of connections: a command must give back the ones
    it opened when it ends, not when Python happens to collect its engine (here it never does)."""
    if store.is_sqlite:
        pytest.skip("SQLite has no server whose connections run out")
    name = f"closing-{uuid.uuid4().hex[:12]}"
    named = Tracker(make_url(store.target).update_query_dict({"application_name": name})
                    .render_as_string(hide_password=False), keep_connections=False)

    def open_connections():
        """The commands' own: the other test workers' connections come and go meanwhile. A backend
        leaves pg_stat_activity when its process has ended, a moment after the client hung up, so
        the count is read until it is 0 or 10 s have passed; a connection never given back stays."""
        deadline = time.monotonic() + 10
        with store.engine.connect() as connection:
            while True:
                count = connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"), {"name": name})
                if count == 0 or time.monotonic() > deadline:
                    return count
                time.sleep(0.05)
                connection.rollback()

    gc.disable()
    try:
        for command in (["summary", "--year", "2008"], ["show", "JPN", "--year", "2008"], ["db", "current"],
                        ["record", "JPN", "LC02-1", "--year", "2008", "--status", "planned"]):
            for _ in range(3):
                named(*command)
            assert open_connections() == 0, command
    finally:
        gc.enable()
