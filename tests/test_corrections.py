"""A mistake can be taken back, on the record: a field cleared or an entry withdrawn from the
command line or by the marker typed in a form, through the one write path, each as old -> blank
in the history; a withdrawn entry counts nowhere."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from formtools import fill
from tracker.progress import CLEAR_MARKER
from tracker.workbook.layout import FORM_SHEET


def entry(tracker, code: str, ref: str, year: int) -> dict:
    return next(row for row in json.loads(tracker("show", code, "--year", str(year), "--json").output)
                if row["ref"] == ref)


def history_of(tracker, code: str, ref: str) -> list[tuple]:
    return [(row["year"], row["field"], row["old"], row["new"])
            for row in json.loads(tracker("history", code, ref, "--json").output)]


def test_clear_empties_the_fields_named_and_keeps_the_rest_on_the_record(tracker):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned", "--measures", "wrong text",
            "--evidence", "Act 12")
    result = tracker("record", "JPN", "LC02-1", "--year", "2008", "--clear", "measures", "--clear", "status")
    assert "measures: wrong text -> (blank)" in result.output and "status: Planned -> (blank)" in result.output
    assert entry(tracker, "JPN", "LC02-1", 2008) | {"ref": None} == {
        "ref": None, "status": None, "measures": None, "planned": None, "timeframe": None, "needs": None,
        "offers": None, "evidence": "Act 12"}
    assert set(history_of(tracker, "JPN", "LC02-1")[:2]) == {(2008, "status", "planned", None),
                                                             (2008, "measures", "wrong text", None)}


def test_clear_refuses_an_unknown_field_or_a_contradiction(tracker):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    wrong = tracker("record", "JPN", "LC02-1", "--year", "2008", "--clear", "colour", expect=1)
    assert "--clear colour: there is no such field; give one of status, measures" in wrong.output
    both = tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned", "--clear", "status", expect=1)
    assert "contradict each other" in both.output
    assert entry(tracker, "JPN", "LC02-1", 2008)["status"] == "planned"


def test_a_withdrawn_entry_leaves_the_counts_and_its_history_stays(tracker):
    tracker("record", "PER", "LC02-2", "--year", "2007", "--status", "implemented", "--needs", "training")
    summary = {r["code"]: r for r in json.loads(tracker("summary", "--year", "2007", "--json").output)}
    assert summary["PER"]["returned"] and summary["PER"]["implemented"] == 1

    result = tracker("record", "PER", "LC02-2", "--year", "2007", "--withdraw")
    assert "PER LC02-2 2007: withdrawn." in result.output
    summary = {r["code"]: r for r in json.loads(tracker("summary", "--year", "2007", "--json").output)}
    assert not summary["PER"]["returned"] and summary["PER"]["reported"] == 0
    status = {r["economy"]: r for r in json.loads(tracker("round", "status", "2007", "--json").output)}
    assert status["PER"]["returned"] is None and status["PER"]["items_answered"] == 0
    assert set(entry(tracker, "PER", "LC02-2", 2007).values()) == {"LC02-2", None}
    assert (2007, "status", None, "implemented") in history_of(tracker, "PER", "LC02-2")
    assert (2007, "status", "implemented", None) in history_of(tracker, "PER", "LC02-2")
    again = tracker("record", "PER", "LC02-2", "--year", "2007", "--withdraw", expect=1)
    assert "has no entry for 2007, so there is nothing to withdraw" in again.output


def test_the_clear_marker_typed_in_a_form_empties_the_answer(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2009", "--status", "planned", "--evidence", "wrong law")
    tracker("form", "--year", "2009", "--economy", "JPN", "--out", str(tmp_path))
    form = tmp_path / "JPN-2009.xlsx"
    instructions = " ".join(str(c.value) for row in load_workbook(form)["Instructions"].iter_rows() for c in row
                            if c.value)
    assert f"to empty it, type {CLEAR_MARKER} in its cell" in instructions
    fill(form, {"LC02-1": {"Evidence": f" {CLEAR_MARKER.upper()} "}})
    result = tracker("import", str(form))
    assert "JPN 2009 LC02-1: evidence wrong law -> (blank)" in result.output
    assert entry(tracker, "JPN", "LC02-1", 2009)["evidence"] is None
    assert entry(tracker, "JPN", "LC02-1", 2009)["status"] == "planned"


def test_the_status_drop_down_offers_the_clear_marker_and_choosing_it_empties_the_status(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2009", "--status", "planned", "--measures", "Draft bill")
    tracker("form", "--year", "2009", "--economy", "JPN", "--out", str(tmp_path))
    form = tmp_path / "JPN-2009.xlsx"
    wb = load_workbook(form)
    assert [c.value for c in wb["Lists"]["A"]][-1] == CLEAR_MARKER
    instructions = " ".join(str(c.value) for row in wb["Instructions"].iter_rows() for c in row if c.value)
    assert f"for the Status, choose {CLEAR_MARKER} at the end of its list" in instructions
    fill(form, {"LC02-1": {"Status": CLEAR_MARKER}})
    assert "JPN 2009 LC02-1: status Planned -> (blank)" in tracker("import", str(form)).output
    assert entry(tracker, "JPN", "LC02-1", 2009)["status"] is None
    assert entry(tracker, "JPN", "LC02-1", 2009)["measures"] == "Draft bill"


def test_a_form_written_after_a_withdrawal_shows_the_answer_before_it_or_blanks(tracker, tmp_path):
    tracker("record", "PER", "LC02-2", "--year", "2007", "--status", "implemented", "--needs", "training")
    tracker("record", "PER", "LC02-2", "--year", "2008", "--status", "planned", "--measures", "meant for 2009")
    tracker("record", "PER", "LC02-1", "--year", "2008", "--status", "partial", "--measures", "wrong item")
    for ref in ("LC02-1", "LC02-2"):
        tracker("record", "PER", ref, "--year", "2008", "--withdraw")
    tracker("form", "--year", "2008", "--economy", "PER", "--out", str(tmp_path))
    sheet = load_workbook(tmp_path / "PER-2008.xlsx")[FORM_SHEET]
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0] in ("Ref", "LC02-1", "LC02-2")}
    answers = {ref: dict(zip(rows["Ref"][4:], rows[ref][4:])) for ref in ("LC02-1", "LC02-2")}
    assert answers["LC02-1"] == {"Last reported status": "Not reported", "Status": None, "Measures undertaken": None,
                                 "Further measures planned": None, "Timeframe": None, "Capacity-building needs": None,
                                 "Capacity-building offers": None, "Evidence": None}
    assert answers["LC02-2"]["Last reported status"] == "Implemented (2007; carried forward)"
    assert (answers["LC02-2"]["Status"], answers["LC02-2"]["Capacity-building needs"]) == ("Implemented", "training")
    assert answers["LC02-2"]["Measures undertaken"] is None
