"""Recording progress, the history it leaves, and the checklist, through the command."""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.models import Change, Entry


def show(tracker, economy, year):
    return {row["ref"]: row for row in json.loads(tracker("show", economy, "--year", str(year), "--json").output)}


def test_record_then_show_every_field(tracker):
    tracker(
        "record", "jpn", "lc02-1", "--year", "2008", "--status", "  implemented ",
        "--measures", "Act amended", "--planned", "Review", "--timeframe", "2009",
        "--needs", "Training for judges", "--offers", "Forensics course", "--evidence", "https://example.go.jp/act",
    )
    rows = show(tracker, "JPN", 2008)
    assert rows["LC02-1"] == {
        "ref": "LC02-1", "status": "implemented", "measures": "Act amended", "planned": "Review",
        "timeframe": "2009", "needs": "Training for judges", "offers": "Forensics course", "evidence": "https://example.go.jp/act",
    }
    assert len(rows) == 26
    assert rows["T7-1"]["status"] is None


@pytest.mark.parametrize("typed", ["Partially implemented", "PARTIAL", " partially IMPLEMENTED ", "partial"])
def test_status_by_key_or_label_in_any_case(tracker, typed):
    tracker("record", "AUS", "LC02-2", "--year", "2005", "--status", typed)
    assert show(tracker, "AUS", 2005)["LC02-2"]["status"] == "partial"


def test_items_that_do_not_apply_are_not_shown_or_recorded(tracker):
    assert "T7-1" not in show(tracker, "AUS", 2005)
    result = tracker("record", "AUS", "T7-1", "--year", "2005", "--status", "planned", expect=1)
    assert "does not apply in 2005" in result.output


def test_history_after_two_edits_newest_first(tracker, store):
    tracker("record", "CHL", "LC02-3", "--year", "2006", "--status", "planned")
    tracker("record", "CHL", "LC02-3", "--year", "2006", "--status", "implemented", "--evidence", "CSIRT decree")
    tracker("record", "CHL", "LC02-3", "--year", "2006", "--status", "implemented")
    rows = json.loads(tracker("history", "chl", "lc02-3", "--json").output)
    assert [(r["field"], r["old"], r["new"]) for r in rows] == [
        ("evidence", None, "CSIRT decree"),
        ("status", "planned", "implemented"),
        ("status", None, "planned"),
    ]
    assert all(r["year"] == 2006 and r["source"].startswith("tracker record") for r in rows)
    assert "nothing changed" in tracker("record", "CHL", "LC02-3", "--year", "2006", "--status", "Implemented").output
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Change)) == 3
        assert session.scalar(select(func.count()).select_from(Entry)) == 1


def test_blank_option_keeps_what_is_stored(tracker):
    tracker("record", "PER", "T6-1", "--year", "2007", "--status", "planned", "--measures", "Draft law")
    tracker("record", "PER", "T6-1", "--year", "2007", "--measures", "   ", "--status", "in progress")
    assert show(tracker, "PER", 2007)["T6-1"]["measures"] == "Draft law"


def test_contact_point_and_last_updated(tracker):
    tracker("contact", "NZL", "--year", "2008", "--name", "Aroha Smith", "--title", "Adviser",
            "--email", "aroha@example.govt.nz", "--phone", "+64 4 000 0000")
    output = tracker("show", "NZL", "--year", "2008").output
    assert "Aroha Smith (Adviser, aroha@example.govt.nz, +64 4 000 0000)" in output
    history = json.loads(tracker("history", "NZL", "--json").output)
    assert {r["field"] for r in history} == {"contact_name", "contact_title", "contact_email", "contact_phone"}
    latest = max(datetime.fromisoformat(r["changed_at"]) for r in history)
    assert f"Last updated: {latest:%Y-%m-%d %H:%M} UTC\n" in output  # to the minute, as people read it
    assert "not an e-mail address" in tracker("contact", "NZL", "--year", "2008", "--name", "A", "--email", "nope", expect=1).output


#: Runs the ``tracker`` command in a child process, as the installed script does, and prints last
#: (on standard error) the modules it loaded that reading through SQLAlchemy Core alone would not.
LOADED_ORM = (
    "import atexit, sys\n"
    "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.orm') "
    "or m == 'tracker.models'), file=sys.stderr))\n"
    "from tracker.cli import main\n"
    "sys.argv = ['tracker', *sys.argv[1:]]\n"
    "main()\n"
)


def test_show_reads_without_the_orm(tracker):
    """``tracker show`` answers through SQLAlchemy Core: importing the ORM and mapping the models
    would cost more than the rest of the command (the start-up target of issue 9)."""
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented", "--evidence", "Act 128")
    tracker("contact", "JPN", "--year", "2008", "--name", "Hanako Sato")
    child = subprocess.run([sys.executable, "-c", LOADED_ORM, "--db", tracker.target, "show", "JPN", "--year", "2008"],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert "Contact point: Hanako Sato" in child.stdout and "LC02-1: Implemented" in child.stdout
    assert "evidence: Act 128" in child.stdout
    assert child.stderr.splitlines()[-1] == "[]"


#: Runs the command as the installed script does, then says (on standard error) how many objects
#: the garbage collector had set aside by the time Python began to shut down.
FROZEN_AT_EXIT = (
    "import atexit, gc, sys\n"
    "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
    "from tracker.cli import main\n"
    "sys.argv = ['tracker', *sys.argv[1:]]\n"
    "main()\n"
)


def test_the_command_leaves_the_last_collection_out_and_keeps_its_write(tracker):
    """Python's last full collection at exit took longer than ``show``'s own work, so the script
    freezes what is loaded once the command is done; what the command wrote is committed by then."""
    child = subprocess.run([sys.executable, "-c", FROZEN_AT_EXIT, "--db", tracker.target, "record", "JPN", "LC02-1",
                            "--year", "2008", "--status", "planned"], capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert int(child.stderr.split("frozen ")[-1]) > 10_000
    assert show(tracker, "JPN", 2008)["LC02-1"]["status"] == "planned"


@pytest.mark.parametrize(
    "args, expect, message",
    [
        (["record", "XXX", "LC02-1", "--year", "2008", "--status", "planned"], 1, "Unknown economy 'XXX'"),
        (["record", "Japan", "LC02-1", "--year", "2008", "--status", "planned"], 1, "Did you mean JPN"),
        (["record", "JPN", "LC02-7", "--year", "2008", "--status", "planned"], 1, "Unknown item 'LC02-7'. Did you mean"),
        (["record", "JPN", "LC02-1", "--year", "2008", "--status", "finished"], 1, "'finished' is not a status"),
        (["record", "JPN", "LC02-1", "--year", "2008"], 1, "Nothing to record"),
        (["record", "JPN", "LC02-1", "--year", "20008", "--status", "planned"], 1, "has not come yet"),
        (["record", "JPN", "LC02-1", "--status", "planned"], 2, "Missing option '--year'"),
        (["record", "JPN", "LC02-1", "--year", "soon"], 2, "'soon' is not a valid integer"),
        (["record", "JPN", "LC02-1", "--year", "2008", "--measures", "x" * 10_001], 1, "the limit is 10,000"),
        (["record", "JPN", "LC02-1", "--year", "2008", "--measures", "bell\x07"], 1, "--measures contains a control character, U+0007"),
        (["show", "Nowhere", "--year", "2008"], 1, "Unknown economy"),
        (["history", "JPN", "NOPE-1"], 1, "Unknown item"),
        (["economies", "add", "JPN", "Japan again"], 1, "already exists"),
        (["economies", "add", "J P", "Bad"], 1, "not a valid economy code"),
        (["economies", "rename", "XYZ", "Name"], 1, "Unknown economy"),
        (["contact", "JPN", "--year", "2008"], 1, "give its name with --name"),
        (["no-such-command"], 2, "No such command"),
    ],
)
def test_user_mistakes_get_a_message_and_exit_code(tracker, store, args, expect, message):
    result = tracker(*args, expect=expect)
    assert message in result.output
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Change)) == 0


def test_economies_list_add_rename(tracker):
    rows = json.loads(tracker("economies", "list", "--json").output)
    assert len(rows) == 21
    assert {"code": "TWN", "name": "Chinese Taipei", "active": True, "joined_in": None, "left_in": None} in rows
    assert {"code": "HKG", "name": "Hong Kong, China", "active": True, "joined_in": None, "left_in": None} in rows
    tracker("economies", "add", "xyz", "Example  Economy")
    assert "Example Economy -> Renamed Economy" in tracker("economies", "rename", "XYZ", "Renamed Economy").output
    rows = json.loads(tracker("economies", "list", "--json").output)
    assert {"code": "XYZ", "name": "Renamed Economy", "active": True, "joined_in": None, "left_in": None} in rows


def test_init_twice_says_nothing_changed(tracker):
    assert "Nothing to do" in tracker("init").output
    assert "up to date" in tracker("db", "current").output
    assert "Already up to date" in tracker("db", "upgrade").output


def test_commands_on_an_uninitialised_database_say_to_run_init(bare_tracker):
    if "://" not in bare_tracker.target:
        Path(bare_tracker.target).touch()  # an empty file is an empty SQLite database
    assert "Run `tracker init` first" in bare_tracker("economies", "list", expect=1).output
    assert "no tracker tables yet" in bare_tracker("db", "current").output


def test_unreachable_server_is_a_message(tmp_path):
    from conftest import Tracker

    result = Tracker("postgresql+psycopg://nobody@127.0.0.1:1/none")("economies", "list", expect=1)
    assert "Cannot use the database" in result.output
    missing_dir = Tracker(str(tmp_path / "no" / "such" / "dir" / "t.db"))("init", expect=1)
    assert f"the folder {tmp_path / 'no' / 'such' / 'dir'} does not exist" in missing_dir.output
    assert not (tmp_path / "no").exists()


def test_unknown_driver_is_a_message(tmp_path):
    from conftest import Tracker

    assert "Cannot use database" in Tracker("nosuchdb://x/y")("init", expect=1).output
