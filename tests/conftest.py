"""Fixtures: every database test runs on a real SQLite file and on the real PostgreSQL server.

PostgreSQL is used when TRACKER_TEST_POSTGRES holds a URL (``.ci/run`` sets it); each test gets a
schema of its own, dropped afterwards, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tracker.cli import cli
from tracker.initialise import initialise
from tracker.store import Store

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """A database target (path or URL) with nothing in it."""
    if request.param == "sqlite":
        yield str(tmp_path / "tracker.db")
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not tested: set TRACKER_TEST_POSTGRES to a URL (.ci/run does)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(target):
    """An initialised store: current schema, the APEC catalogue and the 21 economies."""
    store = Store(target)
    initialise(store)
    yield store
    store.engine.dispose()


class Tracker:
    """Runs the ``tracker`` command on the test database, as a user would."""

    def __init__(self, target: str):
        self.target = target
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int = 0, input: str | None = None):
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


@pytest.fixture
def tracker(store):
    return Tracker(store.target)


@pytest.fixture
def bare_tracker(target):
    """The command on a database that has not been initialised."""
    return Tracker(target)
