"""The test databases themselves (tests/conftest.py): a PostgreSQL copy put back after its test
holds exactly what a new copy of the initialised database holds, so that the next test that gets it
cannot tell; one whose shape a test changed is dropped rather than handed on."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import POSTGRES_URL, Tracker, _Initialised

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not tested: set TRACKER_TEST_POSTGRES to a URL (.ci/run does)")


def _url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def test_a_used_postgresql_copy_put_back_holds_the_rows_and_sequences_of_the_initialised_one(templates):
    url = templates.initialised_postgres_database()
    tracker = Tracker(url)
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "Implemented", "--measures", "Done")
    tracker("round", "open", "2009", "--due", "2009-03-31")
    tracker("economies", "add", "ZZZ", "Nowhere")
    initialised = _Initialised(_url(templates.postgres))
    assert _Initialised(url).rows != initialised.rows

    templates.give_back_postgres(url)

    put_back = _Initialised(url)
    assert (put_back.shape, put_back.rows, put_back.sequences) == (initialised.shape, initialised.rows, initialised.sequences)
    assert templates.initialised_postgres_database() == url


def test_a_postgresql_copy_whose_shape_its_test_changed_is_dropped_not_handed_on(templates):
    url = templates.initialised_postgres_database()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE INDEX added_by_a_test ON economy (name)"))
    engine.dispose()

    templates.give_back_postgres(url)

    name = make_url(url).database
    assert name not in templates.postgres_ready and name not in templates.postgres_made
    admin = create_engine(POSTGRES_URL)
    with admin.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name}).scalar() == 0
    admin.dispose()
