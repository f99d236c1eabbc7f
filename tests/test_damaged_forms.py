"""A damaged form is named: every item of the year's checklist that a form has no row for is a
warning in the preview and the import (text and --json); the rest applies and the exit code is 0."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from formtools import fill, snapshot
from tracker.workbook.layout import FORM_SHEET, HEADER_ROW


def delete_rows_of(path, *refs):
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    for ref in refs:
        row = next(r for r in range(HEADER_ROW + 1, ws.max_row + 1) if ws.cell(row=r, column=1).value == ref)
        ws.delete_rows(row)
    wb.save(path)
    return path


def test_a_form_with_deleted_rows_names_each_missing_item_and_applies_the_rest(tracker, store, tmp_path):
    tracker("record", "JPN", "LC02-2", "--year", "2008", "--status", "planned")
    tracker("form", "--year", "2009", "--economy", "JPN", "--out", str(tmp_path))
    form = fill(tmp_path / "JPN-2009.xlsx", {"LC02-1": {"Status": "Implemented"}})
    delete_rows_of(form, "LC02-2", "T7-5")

    before = snapshot(store)
    preview = tracker("import", "--dry-run", str(form)).output
    assert snapshot(store) == before
    for text in (preview, tracker("import", str(form)).output):
        assert "Warning: JPN-2009.xlsx, sheet Form: the form has no row for LC02-2, so its answer for 2009 was " \
               "neither confirmed nor changed." in text
        assert "no row for T7-5" in text
        assert text.count("Warning:") == 2
    shown = {row["ref"]: row["status"] for row in json.loads(tracker("show", "JPN", "--year", "2009", "--json").output)}
    assert shown["LC02-1"] == "implemented"
    assert shown["LC02-2"] is None  # carried forward on no row: not confirmed


def test_the_warnings_are_a_list_in_json(tracker, tmp_path):
    tracker("form", "--year", "2009", "--economy", "PER", "--out", str(tmp_path))
    form = delete_rows_of(tmp_path / "PER-2009.xlsx", "LC02-3")
    [result] = json.loads(tracker("import", "--json", str(form)).output)
    assert result["status"] == "applied"
    assert len(result["warnings"]) == 1 and "no row for LC02-3" in result["warnings"][0]
    assert result["problems"] == []


def test_a_whole_form_has_no_warnings(tracker, tmp_path):
    tracker("form", "--year", "2009", "--economy", "PER", "--out", str(tmp_path))
    [result] = json.loads(tracker("import", "--json", str(tmp_path / "PER-2009.xlsx")).output)
    assert result["warnings"] == []
