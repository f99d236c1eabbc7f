"""The database: where it is, how it is opened, how its schema is kept current.

SQLite is the embedded default and PostgreSQL the shared one; the same code runs on both.
Every operation runs in one transaction (``Store.transaction``), so a killed process or a
refused import leaves the database as it was.
"""

from __future__ import annotations

import importlib.resources
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from tracker.errors import Refused

DEFAULT_TARGET = "tracker.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def database_url(target: str) -> str:
    """Turn ``--db`` into an SQLAlchemy URL: an URL stays as it is, anything else is a file path."""
    if "://" in target:
        return target
    return "sqlite:///" + str(Path(target).expanduser().resolve())


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions start (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _begin_immediate(connection) -> None:
    # Take the write lock when the transaction starts, so a read that turns into a write
    # never fails with "database is locked" half-way, and DDL is transactional.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine_for(target: str) -> Engine:
    """An engine for ``target`` (a file path or an SQLAlchemy URL), set up for safe concurrent use."""
    try:
        url = make_url(database_url(target))
        engine = create_engine(url)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise Refused(
            f"Cannot use database {target!r}: {exc}. Give a file path such as tracker.db "
            "or a URL such as postgresql+psycopg://user@host:5432/dbname."
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def alembic_config(connection=None, migrations: str | None = None) -> Config:
    """An alembic configuration for the migrations shipped inside the package (or ``migrations``)."""
    config = Config()
    location = migrations or str(importlib.resources.files("tracker.migrations"))
    config.set_main_option("script_location", location.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class Store:
    """An opened database. Hand out sessions with ``transaction()``."""

    def __init__(self, target: str, migrations: str | None = None):
        self.target = target
        self.migrations = migrations
        self.engine = create_engine_for(target)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, dry_run: bool = False) -> Iterator[Session]:
        """One unit of work: committed when the block ends (rolled back instead for a dry run),
        rolled back whole if it raises."""
        with _reachable(self.target):
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

    def current_revision(self) -> str | None:
        with _reachable(self.target), self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def schema_state(self) -> tuple[str, str | None]:
        """The schema's state and revision. The state is ``empty``, ``current``, ``old`` (upgrade
        needed) or ``newer`` (made by a newer tracker)."""
        current = self.current_revision()
        if current is None:
            return "empty", None
        script = ScriptDirectory.from_config(alembic_config(migrations=self.migrations))
        if current == script.get_current_head():
            return "current", current
        try:
            script.get_revision(current)
        except CommandError:
            return "newer", current
        return "old", current

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
        state, before = self.schema_state()
        if state == "newer":
            self._refuse_unless_current(state, before)
        if state == "current":
            return before, before
        with _reachable(self.target), self.engine.connect() as connection:
            if self.is_sqlite:
                # Batch migrations copy referenced tables; the PRAGMA only works outside a transaction.
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    command.upgrade(alembic_config(connection, self.migrations), "head")
                    if self.is_sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise Refused(
                                f"The upgrade would leave {len(broken)} broken references "
                                f"(first: {broken[0]}); nothing was changed."
                            )
            finally:
                if self.is_sqlite:
                    connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
        return before, self.current_revision()


def open_store(target: str) -> Store:
    """Open ``target`` for everyday work: its schema must be exactly the one this code expects."""
    store = Store(target)
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
        if isinstance(exc, OperationalError):
            advice = (f"Cannot use the database {target}: {reason}. Check the path or URL given with "
                      "--db or TRACKER_DB, that the server is running, and that no other program holds it.")
        elif isinstance(exc, IntegrityError):
            advice = (f"Someone else changed the same records in {target} at the same moment ({reason}); "
                      "nothing was written. Run the command again.")
        else:
            advice = f"The database {target} refused the operation ({reason}); nothing was written."
        raise Refused(advice) from None

