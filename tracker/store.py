"""The database: where it is, how it is opened, how its schema is kept current.

SQLite is the embedded default and PostgreSQL the shared one; the same code runs on both.
Every operation runs in one transaction (``Store.run`` with an ORM session, ``Store.read`` with
a Core connection), so a killed process or a refused import leaves the database as it was. They
are also the one place where a transaction that lost a race with another writer (a serialization
failure, a deadlock, a unique key taken at the same moment) is run again, so people never have to
retry what the tool can.

The ORM is imported only when a session is opened: a command that only reads through
``Store.read`` (``tracker show``) never pays for it.
"""

from __future__ import annotations

import importlib.resources
import os
import random
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar
from urllib.parse import quote
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, Table, create_engine, event, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from tracker import DEFAULT_DATABASE
from tracker.errors import Refused
from tracker.tables import SCHEMA_REVISION

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, SessionTransaction


SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_HEADER = b"SQLite format 3\x00"
#: How often a transaction that lost a race is run before the user is told.
ATTEMPTS = 6
#: PostgreSQL's codes for "run it again": serialization failure, deadlock, unique key taken.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "23505"})
#: The key of the PostgreSQL advisory lock that lets one schema change run at a time.
SCHEMA_LOCK_KEY = 0x7472_6B72
#: The execution option that marks a connection of ``Store.read``.
READING = "tracker_reading"

T = TypeVar("T")


def database_url(target: str) -> str:
    """Turn ``--db`` into an SQLAlchemy URL: an URL stays as it is, anything else is a file path."""
    if "://" in target:
        return target
    return "sqlite:///" + str(sqlite_path(target))


def sqlite_path(target: str) -> Path | None:
    """The file of an SQLite target (a plain path or a ``sqlite:///`` URL); None for a server."""
    if "://" not in target:
        return Path(target).expanduser().resolve()
    url = make_url(target)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:"):
        return Path(url.database).expanduser().resolve()
    return None


#: What SQLite keeps beside a database file: writing over any of these destroys the database.
DATABASE_JOURNALS = ("", "-wal", "-shm", "-journal")


def database_files(session: Session) -> set[Path]:
    """The files of the database ``session`` works on (none for a server): no output may go there."""
    url = session.get_bind().url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return set()
    database = Path(url.database).resolve()
    return {database.with_name(database.name + journal) for journal in DATABASE_JOURNALS}


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions start (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _set_read_only_pragmas(dbapi_connection, _record) -> None:
    # A read-only file keeps its journal mode: changing it would be a write.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _begin(connection) -> None:
    # Take the write lock when the transaction starts, so a read that turns into a write
    # never fails with "database is locked" half-way, and DDL is transactional. A read
    # (``Store.read``) takes none: write-ahead logging gives it a snapshot of its own.
    if connection.get_execution_options().get(READING):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _read_only_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` without writing anything, even its -wal/-shm files.

    In a folder we cannot write, a write-ahead-log database can only be read as immutable, which is
    exact as long as no log is pending (nobody can write there to add one).
    """
    uri = f"file:{quote(str(path))}?mode=ro"
    if not os.access(path.parent, os.W_OK) and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def create_engine_for(target: str, read_only: bool = False) -> Engine:
    """An engine for ``target`` (a file path or an SQLAlchemy URL), set up for safe concurrent use.

    ``read_only`` opens an SQLite file without writing to it (a read-only file or folder)."""
    try:
        url = make_url(database_url(target))
        sqlite = url.get_backend_name() == "sqlite"
        if read_only and sqlite:
            url = f"sqlite:///{_read_only_uri(Path(url.database))}&uri=true"
        # An SQLite connection is closed when it is given back, never kept idle in a pool: idle
        # connections kept by a long-lived process (a test run, the browser view's server) were
        # seen to end in "disk I/O error" once other processes had written the same file.
        engine = create_engine(url, poolclass=NullPool) if sqlite else create_engine(url)
    except ImportError as exc:
        raise Refused(_missing_driver_message(target, exc)) from None
    except (ArgumentError, ValueError) as exc:
        raise Refused(
            f"Cannot use database {target!r}: {exc}. Give a file path such as tracker.db "
            "or a URL such as postgresql+psycopg://user@host:5432/dbname."
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_read_only_pragmas if read_only else _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin_deferred if read_only else _begin)
    return engine


def _missing_driver_message(target: str, exc: ImportError) -> str:
    """What to install when the driver a URL names is missing: PostgreSQL's driver is an extra
    (``tracker[postgres]``), so that a user of SQLite files does not install it."""
    url = make_url(target)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() != "postgresql":
        return (f"Cannot use database {shown!r}: its driver is not installed ({exc}). Give a file path such as "
                "tracker.db or a URL such as postgresql+psycopg://user@host:5432/dbname.")
    if url.get_driver_name() != "psycopg":
        return (f"Cannot use database {shown!r}: the driver {url.get_driver_name()} is not installed. The tracker "
                "reaches PostgreSQL through psycopg: write the URL as postgresql+psycopg://user@host:5432/dbname "
                "and install the driver with pip install 'tracker[postgres]'.")
    return (f"Cannot use database {shown!r}: PostgreSQL's driver, psycopg, is not installed. Install it "
            "with pip install 'tracker[postgres]' (into the environment tracker runs from) and run the "
            "command again.")


def check_sqlite_file(path: Path, create: bool) -> bool:
    """Refuse, before anything opens it, a path that is not a tracker database; return whether it
    can only be read. Nothing is created or written here.

    ``create`` allows a file that does not exist yet (``tracker init``), in a folder that does.
    """
    if path.is_dir():
        raise Refused(f"{path} is a folder, not a database file. Give the path of a file, such as {path / DEFAULT_DATABASE}.")
    if not path.exists():
        if not create:
            raise Refused(f"No database at {path}; create it with `tracker init` (or check --db and TRACKER_DB).")
        folder = path.parent
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            raise Refused(f"Cannot create the database {path}: {folder} is a file, not a folder.")
        if folder != path.parent:
            raise Refused(f"Cannot create the database {path}: the folder {path.parent} does not exist. "
                          "Create it first, or check the path.")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise Refused(f"Cannot create the database {path}: no permission to create files in {folder}.")
        return False
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise Refused(f"Cannot read the database {path}: {exc.strerror or exc}.") from None
    read_only = not os.access(path, os.W_OK) or not (
        os.access(path.parent, os.W_OK)
        or all(os.access(f"{path}{suffix}", os.W_OK) for suffix in ("-wal", "-shm"))
    )
    if not header:
        return read_only
    if header != SQLITE_HEADER:
        raise Refused(f"{path} is not a tracker database (it is not an SQLite file at all); it was not "
                      "touched. Check --db, or give a new file name to `tracker init`.")
    tables = sqlite_tables(path)
    if tables and "alembic_version" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise Refused(f"{path} is the SQLite database of another program (tables {shown}), not a tracker "
                      "database; it was not touched. Give tracker a file of its own.")
    return read_only


def sqlite_tables(path: Path) -> set[str]:
    """The tables of an SQLite file, read without writing to it."""
    try:
        connection = sqlite3.connect(_read_only_uri(path), uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            return {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise Refused(f"{path} is not a readable SQLite database ({exc}); it was not touched.") from None


def alembic_config(connection=None, migrations: str | None = None):
    """An alembic configuration for the migrations shipped inside the package (or ``migrations``).

    Alembic is imported here, not with the module: only commands that check an unexpected
    revision or change the schema need it, and it would double every command's start-up."""
    from alembic.config import Config

    config = Config()
    location = migrations or str(importlib.resources.files("tracker.migrations"))
    config.set_main_option("script_location", location.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def revision_state(current: str | None, migrations: str | None = None) -> str:
    """What a schema revision means to this code: ``empty`` (none), ``current``, ``old`` (an
    upgrade brings it up to date) or ``newer`` (made by a newer tracker).

    The everyday answer, "current", comes from ``models.SCHEMA_REVISION`` (a test keeps it equal
    to the migrations' head); only another revision is looked up among the migrations."""
    if current is None:
        return "empty"
    if migrations is None and current == SCHEMA_REVISION:
        return "current"
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config(migrations=migrations))
    if current == script.get_current_head():
        return "current"
    try:
        script.get_revision(current)
    except CommandError:
        return "newer"
    return "old"


def stored_revision(connection: Connection) -> str | None:
    """The schema revision alembic recorded in the database (None when it has none), read from
    its version table directly."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


#: What each transaction in progress has taken (``held`` and ``hold``), dropped with the transaction.
_HELD: WeakKeyDictionary[SessionTransaction, dict] = WeakKeyDictionary()


def held(session: Session, key) -> object | None:
    """What the transaction in progress, or one it is nested in, noted under ``key`` with
    ``hold``: a row locked once stays locked until the transaction ends, and an import of one
    form asks for its economy's lock three times and for its round's twice (a round trip each
    on a database server)."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    while transaction is not None:
        notes = _HELD.get(transaction)
        if notes is not None and key in notes:
            return notes[key]
        transaction = transaction.parent
    return None


def hold(session: Session, key, value: object = True) -> None:
    """Note ``value`` under ``key`` for the innermost transaction in progress (call it after the
    statement that took the lock). A savepoint rolled back gives back the locks taken in it, and
    its notes go with it; those of a savepoint released are forgotten too, so the next asker
    takes the lock once more, which costs a statement and is harmless."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    _HELD.setdefault(transaction, {})[key] = value


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert rows that all give the same columns, in one go, in the session's transaction (the
    write path's new entries and history), handing them to the driver with as little as possible
    in between: through psycopg by ``COPY``, which took half the time of the driver's
    ``executemany`` for a form's history rows (measured: 7 ms against 15 ms for 393 rows);
    through sqlite3 by its own ``executemany``, each value converted as SQLAlchemy would (it
    spent more per row than SQLite itself: 4.5 s of an import of 200 forms, SQLite 1.6 s);
    with any other driver, as SQLAlchemy's ``executemany``."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.driver not in ("psycopg", "pysqlite"):
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    driver_connection = session.connection().connection.driver_connection
    if dialect.driver == "pysqlite":
        quote_name = dialect.identifier_preparer.quote
        command = (f"INSERT INTO {quote_name(table.name)} ({', '.join(map(quote_name, columns))}) "
                   f"VALUES ({', '.join('?' * len(columns))})")
        converting = [(index, _memoised(process)) for index, column in enumerate(columns)
                      if (process := table.c[column].type.dialect_impl(dialect).bind_processor(dialect))]
        values = []
        for row in rows:
            value = list(map(row.__getitem__, columns))
            for index, convert in converting:
                value[index] = convert(value[index])
            values.append(value)
        driver_connection.executemany(command, values)
        return
    from psycopg import sql

    command = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with driver_connection.cursor() as cursor, cursor.copy(command) as copy:
        for row in rows:
            copy.write_row(list(map(row.__getitem__, columns)))


def _memoised(process: Callable) -> Callable:
    """SQLAlchemy's conversion of a column's values, worked out once per value (a batch's rows
    share their moment)."""
    done: dict = {}

    def convert(value):
        if value not in done:
            done[value] = process(value)
        return done[value]

    return convert


def is_retryable(exc: DBAPIError) -> bool:
    """Whether the database refused only because another transaction got there first: on
    PostgreSQL by its SQLSTATE; on SQLite, "database is locked" when a lock was taken without
    waiting (as while another process switches a new file to write-ahead logging)."""
    if isinstance(exc.orig, sqlite3.OperationalError):
        return "database is locked" in str(exc.orig)
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def retrying(target: str, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (one whole transaction) again when it lost a race, a few times, with a short
    random pause; what it still cannot do becomes a message."""
    with _reachable(target):
        for number in range(1, ATTEMPTS + 1):
            try:
                return attempt()
            except DBAPIError as exc:
                if number == ATTEMPTS or not is_retryable(exc):
                    raise
                time.sleep(random.uniform(0.005, 0.03) * number)
    raise AssertionError("unreachable")


class Store:
    """An opened database. Work on it with ``run()`` (or a single ``transaction()``), or only
    read it with ``read()``.

    ``create`` (the default, for ``tracker init`` and the demo) lets a missing SQLite file be
    created; every other command opens its database with ``open_store``, which refuses a path
    where there is no database, so a typo never leaves a file behind.
    """

    def __init__(self, target: str, migrations: str | None = None, create: bool = True):
        self.target = target
        self.migrations = migrations
        self.path = sqlite_path(target)
        self.read_only = check_sqlite_file(self.path, create) if self.path else False
        self.engine = create_engine_for(target, read_only=self.read_only)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def _session(self, dry_run: bool) -> Iterator[Session]:
        from sqlalchemy.orm import Session

        with Session(self.engine, expire_on_commit=False) as session:
            transaction = session.begin()
            try:
                yield session
            except BaseException:
                transaction.rollback()
                raise
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()

    @contextmanager
    def transaction(self, dry_run: bool = False) -> Iterator[Session]:
        """One unit of work, tried once: committed when the block ends (rolled back instead for a
        dry run), rolled back whole if it raises."""
        with _reachable(self.target), self._session(dry_run) as session:
            yield session

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Hold one idle connection to an SQLite file while a run of transactions goes on (an
        import of many files). Each transaction's own connection is then not the last to close,
        so SQLite does not checkpoint its log and remove it after each one: 4 ms a file, 6% of
        an import of 50 forms. SQLite still checkpoints as the log grows. A server needs nothing."""
        if not self.is_sqlite:
            yield
            return
        with _reachable(self.target):
            connection = self.engine.raw_connection()
        try:
            yield
        finally:
            connection.close()

    def run(self, function: Callable[..., T], *args, dry_run: bool = False, **kwargs) -> T:
        """``function(session, *args, **kwargs)`` in one transaction, run again from the start
        if it lost a race with another writer. Every writing command goes through here."""

        def attempt() -> T:
            with self._session(dry_run) as session:
                return function(session, *args, **kwargs)

        return retrying(self.target, attempt)

    def read(self, function: Callable[..., T], *args, **kwargs) -> T:
        """``function(connection, *args, **kwargs)`` in one read transaction on a Core
        ``Connection``, with no ORM imported: for reading commands that must answer at once.

        The transaction reads one snapshot (SQLite's write-ahead log; PostgreSQL's repeatable
        read, read only) and takes no write lock, so it neither waits for writers nor holds them
        up. Like ``run``, it is tried again if it lost a race, and what the database refuses is a
        message."""
        options = {READING: True}
        if not self.is_sqlite:
            options |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}

        def attempt() -> T:
            with self.engine.connect() as connection:
                connection.execution_options(**options)
                with connection.begin():
                    return function(connection, *args, **kwargs)

        return retrying(self.target, attempt)

    def read_session(self, function: Callable[..., T], *args, **kwargs) -> T:
        """``function(session, *args, **kwargs)`` on an ORM session over ``read``'s transaction:
        for a page that only shows what the library's ORM functions gather, writing nothing (on
        PostgreSQL a write would be refused; on SQLite no write lock is taken)."""

        def on_session(connection: Connection) -> T:
            from sqlalchemy.orm import Session

            with Session(bind=connection) as session:
                return function(session, *args, **kwargs)

        return self.read(on_session)

    def current_revision(self) -> str | None:
        """The schema revision stored, read like any read: without waiting for a writer."""
        if self._is_empty_file():
            return None
        return self.read(stored_revision)

    def _is_empty_file(self) -> bool:
        return self.path is not None and (not self.path.exists() or self.path.stat().st_size == 0)

    def _state(self, current: str | None) -> str:
        return revision_state(current, self.migrations)

    def schema_state(self) -> tuple[str, str | None]:
        """The schema's state and revision. The state is ``empty``, ``current``, ``old`` (upgrade
        needed) or ``newer`` (made by a newer tracker). Reading it writes nothing."""
        current = self.current_revision()
        return self._state(current), current

    def require_current_schema(self) -> None:
        """Refuse to work on a database whose schema is not the one this code expects."""
        self._refuse_unless_current(*self.schema_state())

    def _refuse_unless_current(self, state: str, revision: str | None) -> None:
        if state == "empty":
            raise Refused(
                f"The database {self.target} has no tracker tables yet. Run `tracker init` first."
            )
        if state == "old":
            raise Refused(
                f"The database {self.target} was made by an older tracker. "
                "Run `tracker db upgrade` to bring it up to date (your data is kept)."
            )
        if state == "newer":
            raise Refused(
                f"The database {self.target} was made by a newer version of tracker "
                f"(schema {revision}); this version will not touch it. "
                "Upgrade tracker instead."
            )

    def upgrade(self) -> tuple[str | None, str]:
        """Bring the schema to the newest revision in one transaction; return (before, after)."""
        before, after, _ = self.upgrade_then(None)
        return before, after

    def upgrade_then(self, then: Callable[[Session], T] | None) -> tuple[str | None, str, T | None]:
        """Bring the schema to the newest revision and run ``then(session)``, all in one
        transaction; return (revision before, revision after, what ``then`` returned).

        One schema change runs at a time (SQLite's write lock, a PostgreSQL advisory lock), and
        the state is read under that lock, so parallel ``init`` runs all succeed."""
        if self.read_only:
            state, revision = self.schema_state()
            if state == "current" and then is None:
                return revision, revision, None
            raise Refused(f"The database {self.target} is read-only (no permission to write it or its "
                          "folder); it cannot be initialised or upgraded.")
        return retrying(self.target, lambda: self._upgrade_once(then))

    def _upgrade_once(self, then):
        with self.engine.connect() as connection:
            if self.is_sqlite:
                # Batch migrations copy referenced tables; the PRAGMA only works outside a transaction.
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    if not self.is_sqlite:
                        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY})")
                    before = stored_revision(connection)
                    state = self._state(before)
                    if state == "newer":
                        self._refuse_unless_current(state, before)
                    if state != "current":
                        from alembic import command

                        command.upgrade(alembic_config(connection, self.migrations), "head")
                    after = stored_revision(connection)
                    extra = self._then(connection, then)
                    self._refuse_broken_references(connection)
            finally:
                if self.is_sqlite:
                    connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
        return before, after, extra

    @staticmethod
    def _then(connection: Connection, then):
        if then is None:
            return None
        from sqlalchemy.orm import Session

        with Session(bind=connection, expire_on_commit=False) as session:
            result = then(session)
            session.flush()
        return result

    def _refuse_broken_references(self, connection: Connection) -> None:
        if self.is_sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise Refused(
                    f"The upgrade would leave {len(broken)} broken references "
                    f"(first: {broken[0]}); nothing was changed."
                )


def open_store(target: str) -> Store:
    """Open ``target`` for everyday work: it must exist, with exactly the schema this code expects."""
    store = Store(target, create=False)
    store.require_current_schema()
    return store


@contextmanager
def _reachable(target: str) -> Iterator[None]:
    """Turn what the database refuses into a message instead of a traceback: cannot connect or
    locked too long, a row written by someone else at the same moment, anything else it rejects."""
    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if isinstance(exc, OperationalError) and "readonly" in reason:
            advice = (f"The database {target} is read-only (no permission to write it or its folder): "
                      "commands that only read work, this one needs to write. Nothing was written.")
        elif isinstance(exc, OperationalError) and "disk is full" in reason:
            advice = (f"The disk holding the database {target} is full; nothing was written. "
                      "Free some space and run the command again.")
        elif isinstance(exc, OperationalError):
            advice = (f"Cannot use the database {target}: {reason}. Check the path or URL given with "
                      "--db or TRACKER_DB, that the server is running, and that no other program holds it.")
        elif isinstance(exc, IntegrityError):
            advice = (f"Someone else changed the same records in {target} at the same moment ({reason}); "
                      "nothing was written. Run the command again.")
        else:
            advice = f"The database {target} refused the operation ({reason}); nothing was written."
        raise Refused(advice) from None
