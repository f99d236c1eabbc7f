"""Taking an import back: undo, undo of the undo, and a refused undo, all as new history."""

import json

import pytest
from sqlalchemy import func, select

from formtools import fill
from tracker.models import Change

LIST_KEYS = {"id", "file", "sha256", "economy", "year", "at", "changes", "confirmed", "undone", "mail_from", "mail_sent_at"}


@pytest.fixture
def imported(tracker, tmp_path):
    """JPN 2008 answered by hand, then a bad form import that changes two answers and adds one."""
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned", "--measures", "Draft bill")
    tracker("contact", "JPN", "--year", "2008", "--name", "Hanako Sato")
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(tmp_path))
    path = fill(tmp_path / "JPN-2008.xlsx", {
        "LC02-1": {"Status": "Not started", "Measures undertaken": "Wrong file"},
        "LC02-2": {"Status": "Implemented", "Evidence": "Act 99"},
    }, contact={"Contact name": "Someone Else", "Contact e-mail": "someone@example.org"})
    tracker("import", str(path))
    return tracker


def answers(tracker):
    rows = json.loads(tracker("show", "JPN", "--year", "2008", "--json").output)
    return {r["ref"]: (r["status"], r["measures"], r["evidence"]) for r in rows if r["ref"] in ("LC02-1", "LC02-2")}


def listed(tracker):
    return json.loads(tracker("imports", "list", "--json").output)


def change_rows(store):
    with store.transaction() as session:
        return session.scalar(select(func.count()).select_from(Change))


def test_undo_and_undo_of_the_undo(imported, store, tmp_path):
    tracker = imported
    after_import = answers(tracker)
    assert after_import == {"LC02-1": ("not_started", "Wrong file", None), "LC02-2": ("implemented", None, "Act 99")}
    [row] = listed(tracker)
    assert set(row) == LIST_KEYS
    assert (row["file"], row["economy"], row["year"], row["undone"]) == ("JPN-2008.xlsx", "JPN", 2008, False)
    assert row["changes"] == 6 and len(row["sha256"]) == 64
    rows_before = change_rows(store)

    output = tracker("imports", "undo", str(row["id"])).output
    assert f"Undid import {row['id']}" in output and "6 values restored" in output
    assert answers(tracker) == {"LC02-1": ("planned", "Draft bill", None), "LC02-2": (None, None, None)}
    assert "Hanako Sato" in tracker("show", "JPN", "--year", "2008").output
    assert "someone@example.org" not in tracker("show", "JPN", "--year", "2008").output
    assert change_rows(store) == rows_before + 6  # history only grows
    first, undo = listed(tracker)
    assert first["undone"] is True and undo["undone"] is False
    assert undo["file"] == f"undo of import {first['id']}" and undo["sha256"] is None and undo["changes"] == 6
    assert "already undone" in tracker("imports", "undo", str(first["id"]), expect=1).output
    again = tracker("import", str(tmp_path / "JPN-2008.xlsx")).output
    assert "already imported" in again and "It was undone since" in again
    assert answers(tracker)["LC02-1"] == ("planned", "Draft bill", None)

    history = json.loads(tracker("history", "--import", str(undo["id"]), "--json").output)
    assert len(history) == 6 and all(h["source"].startswith("tracker imports undo") for h in history)
    assert {(h["ref"], h["field"], h["old"], h["new"]) for h in history} >= {
        ("LC02-1", "status", "not_started", "planned"), ("LC02-2", "status", "implemented", None),
    }

    tracker("imports", "undo", str(undo["id"]))
    assert answers(tracker) == after_import
    first, undo, redo = listed(tracker)
    assert (first["undone"], undo["undone"], redo["undone"]) == (False, True, False)
    assert change_rows(store) == rows_before + 12


def test_undo_refused_when_a_later_change_touched_the_same_values(imported, store):
    tracker = imported
    [row] = listed(tracker)
    tracker("record", "JPN", "LC02-2", "--year", "2008", "--status", "partial")
    rows_before = change_rows(store)
    result = tracker("imports", "undo", str(row["id"]), expect=1)
    assert "JPN LC02-2 2008 status" in result.output and "--force" in result.output
    assert "LC02-1" not in result.output
    assert change_rows(store) == rows_before and listed(tracker)[0]["undone"] is False

    tracker("imports", "undo", str(row["id"]), "--force")
    assert answers(tracker)["LC02-2"] == (None, None, None)
    assert answers(tracker)["LC02-1"] == ("planned", "Draft bill", None)


def test_undo_of_an_unknown_import_and_in_a_closed_year(imported, store):
    tracker = imported
    assert "There is no import 999" in tracker("imports", "undo", "999", expect=1).output
    tracker("round", "close", "2008", "--force")
    rows_before = change_rows(store)
    assert "The 2008 round is closed" in tracker("imports", "undo", str(listed(tracker)[0]["id"]), expect=1).output
    assert change_rows(store) == rows_before and len(listed(tracker)) == 1


def test_imports_list_counts_answers_returned_unchanged_as_confirmed_not_changed(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2007", "--status", "planned", "--measures", "Draft bill")
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(tmp_path))
    assert "0 new, 0 changed, 1 confirmed" in tracker("import", str(tmp_path / "JPN-2008.xlsx")).output
    row = json.loads(tracker("imports", "list", "--json").output)[-1]
    assert (row["changes"], row["confirmed"]) == (2, 2)
    assert tracker("imports", "list").output.rstrip().endswith("(JPN 2008): 0 values changed, 2 values confirmed")
