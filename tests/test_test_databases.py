"""The test databases themselves (tests/conftest.py): a PostgreSQL copy put back after its test
holds exactly what a new copy of the initialised database holds, so that the next test that gets it
cannot tell; one whose shape a test changed is dropped rather than handed on; a set-up shared by
many tests is built once and each test gets it whole, whatever an earlier test did to its copy."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import POSTGRES_URL, Tracker, _Snapshot

postgresql_only = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL not tested: set TRACKER_TEST_POSTGRES to a URL (.ci/run does)")


def _url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@postgresql_only
def test_a_used_postgresql_copy_put_back_holds_the_rows_and_sequences_of_the_initialised_one(templates):
    url = templates.initialised_postgres_database()
    tracker = Tracker(url)
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "Implemented", "--measures", "Done")
    tracker("round", "open", "2009", "--due", "2009-03-31")
    tracker("economies", "add", "ZZZ", "Nowhere")
    initialised = _Snapshot(_url(templates.postgres))
    assert _Snapshot(url).rows != initialised.rows

    templates.give_back_postgres(url)

    put_back = _Snapshot(url)
    assert (put_back.shape, put_back.rows, put_back.sequences) == (initialised.shape, initialised.rows, initialised.sequences)
    assert templates.initialised_postgres_database() == url


@postgresql_only
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


def test_a_set_up_is_built_once_and_each_test_gets_it_whole(store, tracker, set_ups, tmp_path):
    builds = []

    def build(tracker, folder):
        builds.append(folder)
        tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned", "--measures", "Draft bill")
        (folder / "notes").mkdir()
        (folder / "notes" / "said.txt").write_text("as built")

    def entry(economy):
        rows = json.loads(tracker("show", economy, "--year", "2008", "--json").output)
        return next(row for row in rows if row["ref"] == "LC02-1")

    for attempt in ("first", "second"):
        set_ups.copy_into(build, store, tmp_path)
        assert (entry("JPN")["status"], entry("JPN")["measures"]) == ("planned", "Draft bill"), attempt
        assert (tmp_path / "notes" / "said.txt").read_text() == "as built", attempt
        tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented", "--measures", "Act 12")
        tracker("record", "KOR", "LC02-1", "--year", "2008", "--status", "implemented")
        (tmp_path / "notes" / "said.txt").write_text("changed by the test")
    assert len(builds) == 1, "built once, copied twice"
    assert entry("KOR")["status"] == "implemented"
    set_ups.copy_into(build, store, tmp_path)
    assert entry("KOR")["status"] is None
