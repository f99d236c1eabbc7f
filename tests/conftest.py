"""Fixtures: every database test runs on a real SQLite file and on the real PostgreSQL server.

PostgreSQL is used when TRACKER_TEST_POSTGRES holds a URL (``.ci/run`` sets it); each test has a
database of its own while it runs, so tests never see each other's rows.

A test that uses the initialised ``store`` starts from a copy of a database that each test worker
initialised once (migrations, catalogue, economies): copying a file, or ``CREATE DATABASE ...
TEMPLATE``, instead of running the migrations again for each test (0.6 s each). A PostgreSQL copy
is not dropped after its test (a DROP DATABASE waits for a checkpoint) but put back as the
initialised one was, row for row and sequence for sequence (through a connection the worker keeps
to it), and handed to the worker's next test;
one whose shape the test changed (a table, column, index, constraint or sequence more, less or
different) is dropped instead. The migration tests take an empty ``target`` and run the
migrations for real; their databases are dropped.

Hypothesis runs the profile named by HYPOTHESIS_PROFILE: ``ci`` (every example, as ``.ci/run``
sets) or ``dev`` (a few, the default for a run at one's desk).
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from hypothesis import settings
from sqlalchemy import Connection, MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from tracker import demo, store as store_module, users
from tracker.cli import cli
from tracker.initialise import initialise
from tracker.store import Store

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES")

settings.register_profile("ci", max_examples=150)
settings.register_profile("dev", max_examples=15)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _initialise(target: str) -> None:
    store = Store(target)
    initialise(store)
    store.engine.dispose()


#: What a test could change in a PostgreSQL database besides its rows: a copy put back whose
#: answers differ from the initialised database's is dropped, not handed to another test.
_SHAPE_QUERIES = (
    "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1",
    "SELECT table_schema, table_name, column_name, data_type, column_default, is_nullable"
    " FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3",
    "SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes"
    " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, 3",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY 1, 2",
    "SELECT schemaname, sequencename, start_value, increment_by FROM pg_sequences ORDER BY 1, 2",
    "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
    "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
)


def _shape(connection) -> list[list[tuple]]:
    """The answers to ``_SHAPE_QUERIES``, asked in one round trip (psycopg takes several
    statements at once when they have no parameters)."""
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute("; ".join(_SHAPE_QUERIES))
    answers = [[tuple(row) for row in cursor.fetchall()]]
    while cursor.nextset():
        answers.append([tuple(row) for row in cursor.fetchall()])
    cursor.close()
    return answers


class _Snapshot:
    """What a PostgreSQL database holds (the initialised one, or a set-up's), read once: its
    shape, its rows table by table (in an order that inserts parents first) and where each
    sequence stands, ready to be put back into a copy of it."""

    def __init__(self, url: str):
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            self.shape = _shape(connection)
            tables = MetaData()
            tables.reflect(connection)
            self.tables = tables.sorted_tables
            self.rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                         for table in self.tables}
            sequences = connection.execute(text(
                "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences ORDER BY 1")).all()
        engine.dispose()
        # DELETE, not TRUNCATE: on tables this small it takes a tenth of the time. Nothing here
        # needs to outlive a crash of the server. Sent as one script: one round trip, not fifty.
        self.emptying = "; ".join([
            "SET LOCAL synchronous_commit = off",
            *(f'DELETE FROM "{table.name}"' for table in reversed(self.tables))])
        self.sequences = "; ".join(
            f"ALTER SEQUENCE {sequence} RESTART" if value is None else f"SELECT setval('{sequence}', {int(value)})"
            for sequence, value in sequences)

    def put_back(self, connection) -> bool:
        """The database of ``connection`` (a copy of this one that a test has used) made to hold
        exactly what this one holds; False, and the database left as it is, when its shape is not
        this one's."""
        with connection.begin():
            if _shape(connection) != self.shape:
                return False
            driver = connection.connection.driver_connection
            driver.execute(self.emptying)
            for table in self.tables:
                if self.rows[table.name]:
                    connection.execute(table.insert(), self.rows[table.name])
            if self.sequences:
                driver.execute(self.sequences)
        return True


class Templates:
    """The databases of one test worker (pytest-xdist runs a session in each): the initialised
    ones that tests copy, made on first use; the PostgreSQL copies put back as initialised, ready
    for the next test; and every PostgreSQL database made, dropped at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.postgres_made: list[str] = []
        self.postgres_ready: list[str] = []
        self.keepers: dict[str, Connection] = {}

    @functools.cached_property
    def sqlite(self) -> Path:
        path = self.folder / "initialised.db"
        _initialise(str(path))
        assert not Path(f"{path}-wal").exists(), "the template's write-ahead log was not checkpointed"
        return path

    @functools.cached_property
    def postgres_admin(self):
        # CREATE and DROP DATABASE cannot run inside a transaction.
        return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")

    def new_postgres_database(self, template: str | None = None) -> str:
        """The URL of a new database: empty, or a copy of the database ``template``."""
        name = f"tracker_test_{uuid.uuid4().hex[:12]}"
        copying = f' TEMPLATE "{template}"' if template else ""
        with self.postgres_admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copying}'))
        self.postgres_made.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    @functools.cached_property
    def postgres(self) -> str:
        """The name of the initialised PostgreSQL database (nobody stays connected to it: a
        database someone is connected to cannot be copied)."""
        url = self.new_postgres_database()
        _initialise(url)
        return make_url(url).database

    @functools.cached_property
    def postgres_initialised(self) -> _Snapshot:
        return _Snapshot(make_url(POSTGRES_URL).set(database=self.postgres).render_as_string(hide_password=False))

    def initialised_postgres_database(self) -> str:
        """The URL of a database holding what the initialised one holds: one put back after an
        earlier test, or a new copy."""
        if self.postgres_ready:
            name = self.postgres_ready.pop()
            return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        return self.new_postgres_database(self.postgres)

    def put_back(self, url: str, snapshot: _Snapshot) -> bool:
        """Database ``url`` made to hold what ``snapshot`` holds (``_Snapshot.put_back``), through
        the connection this worker keeps to it: a new one would cost a new server process, whose
        first statements load the catalogue again. False when it cannot be (its shape differs, or
        rows the test left cannot be deleted), and then the connection is closed."""
        name = make_url(url).database
        if name not in self.keepers:
            self.keepers[name] = create_engine(url, poolclass=NullPool).connect()
        try:
            if snapshot.put_back(self.keepers[name]):
                return True
        except SQLAlchemyError:
            pass
        self.keepers.pop(name).close()
        return False

    def give_back_postgres(self, url: str) -> None:
        """After its test: a copy of the initialised database put back for the next test, or
        dropped when it cannot be (its test changed its shape). The test's own connections are
        ended first; the one kept for putting back stays (it is idle, holding no lock)."""
        name = make_url(url).database
        keeper = self.keepers.get(name)
        kept = keeper.connection.driver_connection.info.backend_pid if keeper is not None else 0
        with self.postgres_admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                    " WHERE datname = :name AND pid NOT IN (pg_backend_pid(), :kept)"),
                               {"name": name, "kept": kept})
        if self.put_back(url, self.postgres_initialised):
            self.postgres_ready.append(name)
        else:
            self.drop_postgres(name)

    def drop_postgres(self, name: str) -> None:
        if name in self.keepers:
            self.keepers.pop(name).close()
        with self.postgres_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.postgres_made.remove(name)

    def close(self) -> None:
        for name in list(self.postgres_made):
            self.drop_postgres(name)
        if "postgres_admin" in self.__dict__:
            self.postgres_admin.dispose()


#: The test files that take longest, longest first: pytest-xdist hands each worker whole files in
#: collection order (``--no-loadscope-reorder`` in pyproject.toml), so these start first and the
#: short ones fill in around them, instead of a long one starting last while the other worker
#: stands idle. Measure with ``--durations=0`` (summed per file) when a file grows.
LONGEST_FILES = (
    "test_readme.py", "test_web_browser.py", "test_fuzz.py", "test_web_workers.py", "test_publish_browser.py",
    "test_report.py", "test_web_routes.py", "test_concurrency.py", "test_rendering.py", "test_reader_memory.py",
    "test_xlsx_rows.py", "test_web_return_browser.py", "test_reviews_browser.py", "test_web_round_browser.py",
)


def pytest_collection_modifyitems(items) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.close()


class SetUps:
    """The set-ups that many tests of a file start from (a round with its forms out and some
    answers recorded, say), each run once per test worker and kind of database, then copied into
    the database and folder of every test that asks for it: the way the initialised database is
    copied, for set-ups that took up to a second a test.

    A set-up is a function ``build(tracker, folder)`` that runs commands on an initialised
    database and writes its files under ``folder``, which stands for the test's ``tmp_path``. The
    database is copied whole (SQLite) or its rows put back into the test's database (PostgreSQL),
    and the files copied under the test's ``tmp_path`` at the same places. What a set-up records
    of the moment it ran (an import's time, a form's issue) is the moment it ran once, earlier in
    the run."""

    def __init__(self, folder: Path, templates: Templates):
        self.folder = folder
        self.templates = templates
        self.made: dict[tuple, tuple[Path, Path | _Snapshot]] = {}

    def copy_into(self, build: Callable[["Tracker", Path], None], store: Store, tmp_path: Path) -> None:
        """The database of ``store`` and the folder ``tmp_path`` made to hold what ``build`` leaves."""
        kind = "sqlite" if store.is_sqlite else "postgresql"
        key = (build.__module__, build.__qualname__, kind)
        if key not in self.made:
            self.made[key] = self._make(build, kind, self.folder / f"set-up-{len(self.made)}")
        files, database = self.made[key]
        shutil.copytree(files, tmp_path, dirs_exist_ok=True)
        store.engine.dispose()
        if kind == "sqlite":
            for leftover in (Path(f"{store.path}-wal"), Path(f"{store.path}-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(database, store.path)
        else:
            assert self.templates.put_back(store.target, database), "the set-up changed the database's shape"

    def _make(self, build, kind: str, folder: Path) -> tuple[Path, Path | _Snapshot]:
        files = folder / "files"
        files.mkdir(parents=True)
        if kind == "sqlite":
            database = folder / "tracker.db"
            shutil.copyfile(self.templates.sqlite, database)
            build(Tracker(str(database)), files)
            assert not Path(f"{database}-wal").exists(), "the set-up's write-ahead log was not checkpointed"
            return files, database
        url = self.templates.new_postgres_database(self.templates.postgres)
        tracker = Tracker(url)
        build(tracker, files)
        tracker.close()
        rows = _Snapshot(url)
        self.templates.drop_postgres(make_url(url).database)
        return files, rows


@pytest.fixture(scope="session")
def set_ups(tmp_path_factory, templates) -> SetUps:
    return SetUps(tmp_path_factory.mktemp("set-ups"), templates)


@pytest.fixture
def set_up(store, tmp_path, set_ups) -> Callable[[Callable], None]:
    """``set_up(build)``: this test's database and ``tmp_path`` as ``build(tracker, tmp_path)``
    would have left them, from a copy made once per test worker (``SetUps``)."""
    return functools.partial(set_ups.copy_into, store=store, tmp_path=tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path, templates):
    """A database target (path or URL): a copy of the initialised database when the test uses
    the ``store`` (or the ``tracker`` on it), otherwise empty."""
    initialised = "store" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        if initialised:
            shutil.copyfile(templates.sqlite, path)
        yield str(path)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not tested: set TRACKER_TEST_POSTGRES to a URL (.ci/run does)")
    if not initialised:
        url = templates.new_postgres_database()
        yield url
        templates.drop_postgres(make_url(url).database)
        return
    url = templates.initialised_postgres_database()
    yield url
    templates.give_back_postgres(url)


@pytest.fixture
def store(target):
    """An initialised store: current schema, the APEC catalogue and the 21 economies."""
    store = Store(target)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory) -> demo.DemoResult:
    """The demo (what ``tracker demo`` writes), built once per test worker: the tests that start
    from it take a copy (``demo_copy``). tests/test_demo.py runs the command itself."""
    return demo.run_demo(tmp_path_factory.mktemp("built-demo") / "demo")


@pytest.fixture(scope="session")
def demo_copy(built_demo) -> Callable[[Path], demo.DemoResult]:
    """``demo_copy(folder)``: the demo's database, forms and reports copied into ``folder``, as
    ``tracker demo --out folder`` would have written them; what they are, at their new places."""
    built = built_demo.database.parent

    def copy(folder: Path) -> demo.DemoResult:
        shutil.copytree(built, folder, dirs_exist_ok=True)
        moved = [folder / path.relative_to(built) for path in [built_demo.database, *built_demo.reports, *built_demo.forms]]
        reports = len(built_demo.reports)
        return demo.DemoResult(moved[0], moved[1:1 + reports], list(built_demo.story), moved[1 + reports:])
    return copy


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Passwords hashed at argon2's lowest cost in the test processes: a sign-in then takes
    microseconds instead of 0.45 s. A ``tracker`` command run as a process of its own hashes at
    the real cost (test_web_routes signs in with such a hash)."""
    users.hash_passwords_with(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _kept_open(close: bool = True) -> None:
    """What a command's ``engine.dispose()`` does to an engine kept for the rest of its test."""


@contextmanager
def engines_kept_in(engines: dict, keep_connections: bool = True) -> Iterator[None]:
    """While inside, opening a database gives the engine kept in ``engines`` for it (made on first
    use): the commands a test runs one after another in this process then share it, as the
    requests of a long-lived process do, instead of each making an engine of its own and compiling
    every SQL statement again (a sixth of the time of the tests that run many commands). A
    PostgreSQL engine also keeps its connections from one command to the next, as a long-lived
    process's pool does, until the test ends (``Tracker.close``): a new server process for every
    command spent more of the server's time loading its catalogue than answering (unless
    ``keep_connections`` is false). An SQLite engine never pools (``store.create_engine_for``)."""
    make = store_module.create_engine_for

    def kept(target: str, read_only: bool = False):
        key = (target, read_only)
        if key not in engines:
            engine = engines[key] = make(target, read_only=read_only)
            if keep_connections and engine.dialect.name != "sqlite":
                engine.dispose = _kept_open
        return engines[key]

    store_module.create_engine_for = kept
    try:
        yield
    finally:
        store_module.create_engine_for = make


class Tracker:
    """Runs the ``tracker`` command on the test database, as a user would."""

    def __init__(self, target: str, keep_connections: bool = True):
        self.target = target
        self.keep_connections = keep_connections
        self.runner = CliRunner()
        self.engines: dict = {}

    def __call__(self, *args: str, expect: int = 0, input: str | None = None):
        with engines_kept_in(self.engines, self.keep_connections):
            result = self.runner.invoke(cli, ["--db", self.target, *args], input=input)
        assert result.exit_code == expect, (
            f"tracker {' '.join(args)} exited {result.exit_code}, expected {expect}:\n"
            f"{result.output}\n{result.exception!r}"
        )
        if expect != 0:
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                f"traceback instead of a message: {result.exception!r}"
            )
            assert "Traceback" not in result.output
        return result

    def close(self) -> None:
        """The kept engines' connections closed (their own ``dispose`` put back first)."""
        for engine in self.engines.values():
            vars(engine).pop("dispose", None)
            engine.dispose()
        self.engines.clear()


@pytest.fixture
def tracker(store):
    made = Tracker(store.target)
    yield made
    made.close()


@pytest.fixture
def bare_tracker(target):
    """The command on a database that has not been initialised."""
    made = Tracker(target)
    yield made
    made.close()
