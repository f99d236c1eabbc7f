"""``tracker backup`` and ``tracker restore``: a consistent copy of an SQLite database, and back.

Both use SQLite's online backup API, which copies the database as one consistent snapshot while
others keep reading and writing it, and replaces a destination in one step. A copy is written to
a temporary file next to its destination and renamed into place only when complete. PostgreSQL
has its own tools for this (``pg_dump`` and ``pg_restore``; see docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from tracker.errors import Refused
from tracker.text import escaped
from tracker.store import (
    SQLITE_BUSY_TIMEOUT_MS,
    Store,
    check_sqlite_file,
    open_store,
    revision_state,
    sqlite_tables,
)

PG_ADVICE = "for PostgreSQL use pg_dump and pg_restore (docs/operations.md shows how)"


@dataclass
class Copied:
    """What was copied where, and the schema revision it holds."""

    source: str
    destination: str
    revision: str | None
    state: str  # the copy's schema state for this tracker: "current" or "old"


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    uri = f"file:{quote(str(path))}" + ("?mode=ro" if read_only else "")
    connection = sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    connection.isolation_level = None
    return connection


def _sqlite_file(store: Store, what: str) -> Path:
    if store.path is None:
        raise Refused(f"`tracker {what}` works on SQLite database files; {PG_ADVICE}.")
    return store.path


def _destination(file: str, force: bool, source: Path) -> Path:
    """Where the backup goes: ``file``, or ``tracker-YYYY-MM-DD.db`` in it when it is a folder;
    never the database or its journals, nor an existing file without ``force``."""
    destination = Path(file).expanduser().resolve()
    if destination.is_dir():
        destination = destination / f"tracker-{date.today().isoformat()}.db"
    if destination in {source.with_name(source.name + journal) for journal in ("", "-wal", "-shm", "-journal")}:
        raise Refused(f"{escaped(destination)} is the database itself (or its journal); give another file for the backup.")
    if not destination.parent.is_dir():
        raise Refused(f"Cannot write {escaped(destination)}: the folder {escaped(destination.parent)} does not exist; "
                      "create it first.")
    if destination.exists() and not force:
        raise Refused(f"{escaped(destination)} already exists: give another file name, or add --force to replace it.")
    return destination


def backup(target: str, file: str, force: bool = False) -> Copied:
    """Copy the live database ``target`` to ``file`` (refusing to replace a file without ``force``)."""
    store = open_store(target)
    source = _sqlite_file(store, "backup")
    destination = _destination(file, force, source)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    os.close(descriptor)
    try:
        os.chmod(temporary, source.stat().st_mode & 0o777)
        with closing(_connect(source, read_only=store.read_only)) as live, closing(sqlite3.connect(temporary)) as copy:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            _refuse_unless_intact(copy, Path(temporary), "the copy")
        os.replace(temporary, destination)
    except OSError as exc:
        raise Refused(f"Cannot write the backup {destination}: {exc.strerror or exc}.") from None
    finally:
        Path(temporary).unlink(missing_ok=True)
    return Copied(str(source), str(destination), store.current_revision(), "current")


def _revision(path: Path) -> str | None:
    """The schema revision recorded in a tracker database file, read without writing to it."""
    try:
        with closing(_connect(path, read_only=True)) as connection:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        raise Refused(f"{path} is not a readable tracker database ({exc}); nothing was replaced.") from None
    return row[0] if row else None


def _refuse_unless_intact(connection: sqlite3.Connection, path: Path, what: str) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise Refused(f"{what} ({path}) is damaged: {result[0]}; nothing was replaced.")


def restore(target: str, file: str, force: bool = False) -> Copied:
    """Replace the database ``target`` with the tracker database in ``file``, in one step.

    The file must be an intact tracker database of a schema this version can read (the current
    one, or an older one that `tracker db upgrade` brings up to date). An existing database is
    replaced only with ``force``."""
    source = Path(file).expanduser().resolve()
    if not source.is_file():
        raise Refused(f"There is no backup at {escaped(source)}: give the path of a file made by `tracker backup`; "
                      "nothing was replaced.")
    check_sqlite_file(source, create=False)
    if "alembic_version" not in sqlite_tables(source):
        raise Refused(f"{source} is not a tracker database (it has no tracker tables); nothing was replaced.")
    revision = _revision(source)
    state = revision_state(revision)
    if state not in ("current", "old"):
        raise Refused(f"{source} was made by a newer version of tracker (schema {revision}); this version "
                      "cannot read it. Upgrade tracker, then restore.")
    store = Store(target)
    destination = _sqlite_file(store, "restore")
    store.engine.dispose()
    if destination == source:
        raise Refused(f"{source} is the database itself; nothing to restore.")
    if destination.exists() and destination.stat().st_size > 0 and not force:
        raise Refused(f"{destination} already holds a database; give --force to replace it with {source}.")
    try:
        with closing(_connect(source, read_only=True)) as saved:
            _refuse_unless_intact(saved, source, "the backup")
            with closing(_connect(destination)) as live:
                saved.backup(live)
    except sqlite3.Error as exc:
        raise Refused(f"Cannot restore {source} to {destination}: {exc}; nothing was replaced.") from None
    return Copied(str(source), str(destination), revision, state)
