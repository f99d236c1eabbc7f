"""The schema belongs to alembic: one head, a clean upgrade, no drift from the models, and a
downgrade that the upgrade can follow again, on both databases."""

import importlib.resources
import shutil

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from tracker.errors import Refused
from tracker.initialise import initialise
from tracker.models import SCHEMA_REVISION, Base, Economy, Entry, Item
from tracker.progress import record_entries
from tracker.reviews import review_of
from tracker.store import Store, alembic_config, head_revision


def test_the_models_name_the_head_revision():
    """``models.SCHEMA_REVISION`` answers the everyday schema check without alembic: it must be the
    migrations' head (update it with every new migration)."""
    assert SCHEMA_REVISION == head_revision()


def test_single_head():
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_upgrade_from_empty_reaches_head(target):
    store = Store(target)
    assert store.schema_state() == ("empty", None)
    before, after = store.upgrade()
    assert (before, after) == (None, head_revision())
    assert store.schema_state() == ("current", head_revision())
    assert {"entry", "item", "economy", "change"} <= set(inspect(store.engine).get_table_names())


def test_models_match_migrations(target):
    store = Store(target)
    store.upgrade()
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_then_upgrade_step_by_step(target):
    store = Store(target)
    store.upgrade()
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    for revision in revisions:
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), revision.down_revision or "base")
    assert store.current_revision() is None
    assert "entry" not in inspect(store.engine).get_table_names()
    store.upgrade()
    assert store.schema_state() == ("current", head_revision())


def test_sqlite_is_set_up_for_concurrent_use(tmp_path):
    store = Store(str(tmp_path / "t.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(store):
    with pytest.raises(IntegrityError):
        with store.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO entry (economy_id, item_id, year, updated_at, updated_by) "
                    "VALUES (99999, 99999, 2008, '2008-01-01', 'test')"
                )
            )


def test_schema_made_by_a_newer_tracker_is_refused(target, tmp_path):
    store = Store(target)
    store.upgrade()
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff0000'"))
    assert store.schema_state() == ("newer", "ffff0000")
    with pytest.raises(Refused, match="newer version of tracker"):
        store.require_current_schema()
    with pytest.raises(Refused, match="newer version of tracker"):
        store.upgrade()


def _migrations_with_one_more_revision(tmp_path) -> str:
    """A copy of the shipped migrations plus an empty revision: "the code" of a later tracker."""
    location = tmp_path / "migrations"
    shutil.copytree(importlib.resources.files("tracker.migrations"), location,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (location / "versions" / "9999_later.py").write_text(
        f"revision = '9999'\ndown_revision = {head_revision()!r}\nbranch_labels = None\n"
        "depends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    )
    return str(location)


def test_older_schema_asks_for_an_upgrade_and_keeps_data(target, tmp_path):
    initialise(Store(target))
    later = Store(target, migrations=_migrations_with_one_more_revision(tmp_path))
    assert later.schema_state() == ("old", head_revision())
    with pytest.raises(Refused, match="tracker db upgrade"):
        later.require_current_schema()
    assert later.upgrade() == (head_revision(), "9999")
    later.require_current_schema()
    with later.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Item)) > 0


def test_a_row_written_twice_at_once_is_a_message_not_a_traceback(store):
    """What a second writer meets when another committed the same entry first: a unique key."""
    with pytest.raises(Refused, match="Someone else changed the same records"):
        with store.transaction() as session:
            session.add(Economy(code="JPN", name="Japan again", active=True))
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Economy).where(Economy.code == "JPN")) == 1


def test_upgrade_to_0002_keeps_data_and_records_the_loaded_catalogue_version(target):
    store = Store(target)
    initialise(store)
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0001")
        assert "round" not in inspect(connection).get_table_names()
        connection.execute(text("UPDATE catalogue SET loaded_at = '2008-01-02 03:04:05'"))
    store.upgrade()
    with store.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT c.code, v.version, v.loaded_at FROM catalogue_version v JOIN catalogue c ON c.id = v.catalogue_id"
        )).all()
        items = connection.execute(text("SELECT count(*) FROM item")).scalar()
    assert [(code, str(loaded)[:19]) for code, _, loaded in rows] == [("apec-cyber", "2008-01-02 03:04:05")]
    assert items > 0


def _history_row(connection, economy_id: int, item_id: int | None, year: int) -> None:
    connection.execute(text(
        "INSERT INTO change (economy_id, item_id, year, field, new_value, changed_at, source) "
        "VALUES (:economy, :item, :year, 'status', 'planned', '2008-01-01', 'test')"
    ), {"economy": economy_id, "item": item_id, "year": year})


def test_upgrade_to_0004_keeps_entries_and_history_and_checks_history_against_entries(target):
    """From 0004 a change of an entry's field must name an entry that exists (the economy and the
    item are checked through it); a contact point's change names no item and is not held to one."""
    store = Store(target)
    initialise(store)
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        item = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        record_entries(session, economy, 2008, [(item, {"status": "planned", "measures": "A law."})], "test")
        economy_id, item_id = economy.id, item.id
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003_accounts")
        assert "ix_entry_year" in {index["name"] for index in inspect(connection).get_indexes("entry")}
    store.upgrade()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM entry")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM change")).scalar() == 2
    with store.engine.begin() as connection:
        _history_row(connection, economy_id, item_id, 2008)
        _history_row(connection, economy_id, None, 2008)
    for economy, item, year in [(economy_id, item_id, 2009), (economy_id + 1000, item_id, 2008),
                                (economy_id, item_id + 1000, 2008)]:
        with pytest.raises(IntegrityError):
            with store.engine.begin() as connection:
                _history_row(connection, economy, item, year)


def test_upgrade_to_0008_keeps_entries_and_starts_every_return_received(target):
    """0008 adds the reviews: the entries stay, and a return that came in before is "received"."""
    store = Store(target)
    initialise(store)
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        item = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        record_entries(session, economy, 2008, [(item, {"status": "planned"})], "test")
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007_returns_and_membership")
        assert "return_review" not in inspect(connection).get_table_names()
    store.upgrade()
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        assert session.scalar(select(func.count()).select_from(Entry)) == 1
        assert review_of(session, economy, 2008)["state"] == "received"


def test_upgrade_to_0009_keeps_imports_and_leaves_their_mail_empty(target):
    """0009 adds the sender and date of an e-mailed workbook to the imports; those before it came
    as files, and keep every other value."""
    store = Store(target)
    initialise(store)
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007_returns_and_membership")
        connection.execute(text(
            "INSERT INTO file_import (file_name, sha256, kind, imported_at, new, changed, unchanged) "
            "VALUES ('JPN-2008.xlsx', :digest, 'form', '2009-03-21 10:00:00', 3, 1, 22)"
        ), {"digest": "a" * 64})
    store.upgrade()
    with store.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT file_name, sha256, new, changed, unchanged, mail_from, mail_sent_at FROM file_import"
        )).all()
    assert [tuple(row) for row in rows] == [("JPN-2008.xlsx", "a" * 64, 3, 1, 22, None, None)]


def test_upgrade_to_0010_keeps_accounts_and_forgets_only_their_failure_counts(target):
    store = Store(target)
    initialise(store)
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007_returns_and_membership")
        connection.execute(text(
            "INSERT INTO account (name, role, password_hash, created_at, failed_sign_ins, last_failed_at) "
            "VALUES ('vera', 'viewer', 'a hash', '2026-01-02 03:04:05', 7, '2026-01-02 03:04:05')"))
    store.upgrade()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT name, role, password_hash FROM account")).all() == [("vera", "viewer", "a hash")]
        assert "failed_sign_ins" not in {c["name"] for c in inspect(connection).get_columns("account")}
        assert connection.execute(text("SELECT count(*) FROM sign_in_attempt")).scalar() == 0


def test_upgrade_to_0012_keeps_entries_and_gives_them_no_offers(target):
    """The offers column comes blank: every entry and its needs stay, and offers can be written at once."""
    store = Store(target)
    initialise(store)
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        item = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        record_entries(session, economy, 2008, [(item, {"status": "planned", "needs": "Training."})], "test")
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0012_offers").down_revision
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), before)
        assert "offers" not in {column["name"] for column in inspect(connection).get_columns("entry")}
    store.upgrade()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT status, needs, offers FROM entry")).all() == [("planned", "Training.", None)]
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        item = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        record_entries(session, economy, 2008, [(item, {"offers": "Drafting advice."})], "test")
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT needs, offers FROM entry")).all() == [("Training.", "Drafting advice.")]


def test_upgrade_to_0013_keeps_accounts_and_their_passwords(target):
    """The table of one-time password links is new; the accounts (and so their passwords) stay,
    and a link names an account that exists."""
    from tracker import users

    store = Store(target)
    initialise(store)
    with store.transaction() as session:
        users.add_user(session, "amina", "admin", None, "s3cret pass")
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0007_returns_and_membership")
        assert "password_reset" not in inspect(connection).get_table_names()
    store.upgrade()
    with store.transaction() as session:
        assert users.sign_in(session, "amina", "s3cret pass", users.utcnow(), "127.0.0.1").viewer.role == "admin"
        users.issue_password_link(session, "amina", "test", users.utcnow())
    with pytest.raises(IntegrityError):
        with store.engine.begin() as connection:
            connection.execute(text("INSERT INTO password_reset (account_id, token_sha256, created_at, expires_at, "
                                    "issued_by) VALUES (999, 'x', '2030-01-01', '2030-01-02', 'test')"))


def test_upgrade_to_0015_keeps_entries_and_history_and_counts_them_as_returned_as_before(target):
    """Drafts are new: answers recorded before are no drafts, and their economy stays returned, now
    and as rebuilt from the history."""
    from tracker.models import utcnow
    from tracker.returns import returned_economies

    store = Store(target)
    initialise(store)
    with store.transaction() as session:
        economy = session.scalar(select(Economy).where(Economy.code == "JPN"))
        item = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        record_entries(session, economy, 2008, [(item, {"status": "planned"})], "test")
        jpn = economy.id
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0014_shared_state")
        assert "status_draft" not in {column["name"] for column in inspect(connection).get_columns("entry")}
    store.upgrade()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT status, status_draft FROM entry")).all() == [("planned", False)]
        assert connection.execute(text("SELECT field, draft FROM change")).all() == [("status", False)]
    with store.transaction() as session:
        assert jpn in returned_economies(session, 2008)
        assert jpn in returned_economies(session, 2008, as_of=utcnow())
