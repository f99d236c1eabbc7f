"""Importing filled forms and tidy tables, and refusing what must be refused, database unchanged."""

import hashlib
import json
import os
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from formtools import fill, form_sheet_member, rewrite_member, snapshot
from openpyxl.packaging.custom import CustomPropertyList

from tracker.workbook.layout import FORM_SHEET, ID_SHEET


@pytest.fixture
def issue(tracker, tmp_path):
    """Write the form of an economy for a year and return its path."""

    def issue(economy="JPN", year=2008):
        tracker("form", "--year", str(year), "--economy", economy, "--out", str(tmp_path / "out"))
        return tmp_path / "out" / f"{economy}-{year}.xlsx"

    return issue


def entries(tracker, economy, year):
    return {r["ref"]: r for r in json.loads(tracker("show", economy, "--year", str(year), "--json").output)}


def test_a_form_filled_as_people_do_imports_exactly_what_was_typed(tracker, issue, tmp_path):
    path = issue("JPN", 2008)
    fill(path, {
        "LC02-1": {"Status": "  implemented ", "Measures undertaken": "Act amended in 2008",
                   "Evidence": "=HYPERLINK typed as text?"},
        "LC02-2": {"Status": "PARTIALLY IMPLEMENTED", "Timeframe": 2009.0},
        "LC02-3": {"Status": "in_progress", "Further measures planned": datetime(2009, 4, 1)},
        "T7-5": {"Status": "Not applicable", "Capacity-building needs": 12},
    }, contact={"Contact name": "Hanako Sato", "Contact e-mail": "h.sato@example.go.jp"},
        drop_validation=True, reverse_rows=True)
    # The "=..." text above was typed into a cell by openpyxl as a formula; make it a text cell as Excel would.
    wb = load_workbook(path)
    for row in wb[FORM_SHEET].iter_rows():
        for cell in row:
            if cell.value == "=HYPERLINK typed as text?":
                cell.data_type = "s"
    wb.save(path)

    result = tracker("import", str(path))
    assert "applied (form JPN 2008): 4 new, 0 changed, 22 unchanged" in result.output
    got = entries(tracker, "JPN", 2008)
    assert got["LC02-1"] | {} == {
        "ref": "LC02-1", "status": "implemented", "measures": "Act amended in 2008", "planned": None,
        "timeframe": None, "needs": None, "offers": None, "evidence": "=HYPERLINK typed as text?",
    }
    assert got["LC02-2"]["status"] == "partial" and got["LC02-2"]["timeframe"] == "2009"
    assert got["LC02-3"]["planned"] == "2009-04-01"
    assert got["T7-5"]["status"] == "not_applicable" and got["T7-5"]["needs"] == "12"
    assert sum(1 for r in got.values() if r["status"]) == 4
    assert "Hanako Sato" in tracker("show", "JPN", "--year", "2008").output
    history = json.loads(tracker("history", "JPN", "LC02-1", "--json").output)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert {h["source"] for h in history} == {f"import JPN-2008.xlsx, SHA-256 {digest}"}


def test_dry_run_shows_changes_and_writes_nothing(tracker, issue, store):
    tracker("record", "CHL", "LC02-3", "--year", "2008", "--status", "planned")
    path = fill(issue("CHL"), {"LC02-3": {"Status": "Implemented"}, "LC02-4": {"Status": "Planned"}})
    before = snapshot(store)
    result = tracker("import", "--dry-run", str(path))
    assert "would apply (form CHL 2008): 1 new, 1 changed, 24 unchanged" in result.output
    assert "CHL 2008 LC02-3: status Planned -> Implemented" in result.output
    assert "CHL 2008 LC02-4: status (blank) -> Planned" in result.output
    assert "Dry run: nothing was written." in result.output
    assert snapshot(store) == before
    as_json = json.loads(tracker("import", "--dry-run", "--json", str(path)).output)
    assert as_json[0]["status"] == "would apply" and as_json[0]["changed"] == 1
    assert {"economy": "CHL", "year": 2008, "ref": "LC02-3", "field": "status",
            "old": "planned", "new": "implemented", "confirmed": False} in as_json[0]["changes"]


def test_reimporting_the_same_file_changes_nothing(tracker, issue, store):
    path = fill(issue(), {"LC02-1": {"Status": "Planned"}})
    tracker("import", str(path))
    before = snapshot(store)
    again = tracker("import", str(path))
    assert "already imported" in again.output
    assert snapshot(store) == before


def test_prefilled_answers_carry_forward_and_blanks_never_erase(tracker, issue):
    tracker("record", "KOR", "LC02-1", "--year", "2007", "--status", "partial", "--measures", "Draft")
    path = issue("KOR", 2008)
    fill(path, {"LC02-1": {"Measures undertaken": None, "Status": "Implemented"}})
    tracker("import", str(path))
    got = entries(tracker, "KOR", 2008)["LC02-1"]
    assert got["status"] == "implemented" and got["measures"] is None
    assert entries(tracker, "KOR", 2007)["LC02-1"]["measures"] == "Draft"

    tracker("record", "KOR", "LC02-2", "--year", "2008", "--status", "planned", "--measures", "Keep me")
    path = issue("KOR", 2008)
    fill(path, {"LC02-2": {"Measures undertaken": None}})
    tracker("import", str(path))
    assert entries(tracker, "KOR", 2008)["LC02-2"]["measures"] == "Keep me"


def test_a_folder_imports_every_form_in_it(tracker, issue, tmp_path):
    fill(issue("AUS"), {"LC02-1": {"Status": "Implemented"}})
    fill(issue("NZL"), {"LC02-1": {"Status": "Planned"}})
    result = tracker("import", str(tmp_path / "out"))
    assert "Total: 2 file(s) applied, 0 refused" in result.output
    assert entries(tracker, "NZL", 2008)["LC02-1"]["status"] == "planned"


def test_tidy_table_imports_many_economies_and_years(tracker, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Legacy"
    ws.append(["Year", "economy code", "Ref", "Status", "Measures undertaken", "Notes we ignore"])
    ws.append([2007, "aus", "lc02-1", "implemented", "Cybercrime Act 2001", "x"])
    ws.append([2008.0, "AUS", "LC02-1", "Implemented", None, "y"])
    ws.append([2008, "PER", "T7-1", "planned", 2009, None])
    path = tmp_path / "legacy.xlsx"
    wb.save(path)
    result = tracker("import", str(path))
    assert "applied (table): 3 new" in result.output
    assert entries(tracker, "AUS", 2007)["LC02-1"]["measures"] == "Cybercrime Act 2001"
    assert entries(tracker, "PER", 2008)["T7-1"] | {} == {
        "ref": "T7-1", "status": "planned", "measures": "2009", "planned": None,
        "timeframe": None, "needs": None, "offers": None, "evidence": None,
    }


def test_conflict_with_a_later_change_in_the_database(tracker, issue, store):
    tracker("record", "SGP", "LC02-1", "--year", "2008", "--status", "planned", "--measures", "Bill drafted")
    path = issue("SGP", 2008)
    tracker("record", "SGP", "LC02-1", "--year", "2008", "--status", "in progress", "--measures", "Bill in parliament")
    fill(path, {"LC02-1": {"Status": "Implemented"}})
    before = snapshot(store)
    refused = tracker("import", str(path), expect=1)
    assert "cell F12 (Status): LC02-1 status was changed in the database after this form was issued" in refused.output
    assert "database: 'In progress', form: 'Implemented'" in refused.output
    assert snapshot(store) == before

    tracker("import", "--force", str(path))
    got = entries(tracker, "SGP", 2008)["LC02-1"]
    assert got["status"] == "implemented"
    assert got["measures"] == "Bill in parliament", "an untouched prefilled value must not undo a later change"


def test_a_corrected_copy_of_the_same_form_is_not_a_conflict(tracker, issue, tmp_path):
    path = issue("THA", 2008)
    first = fill(path, {"LC02-1": {"Status": "Planned"}}, out=tmp_path / "first.xlsx")
    corrected = fill(path, {"LC02-1": {"Status": "Implemented"}}, out=tmp_path / "corrected.xlsx")
    tracker("import", str(first))
    tracker("import", str(corrected))
    assert entries(tracker, "THA", 2008)["LC02-1"]["status"] == "implemented"


def _table(tmp_path, rows, header=("Economy code", "Ref", "Year", "Status")):
    wb = Workbook()
    wb.active.append(list(header))
    for row in rows:
        wb.active.append(list(row))
    path = tmp_path / "table.xlsx"
    wb.save(path)
    return path


def _zip(path, parts):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _bytes(path, data):
    path.write_bytes(data)
    return path


def _with_macro(form, out):
    with zipfile.ZipFile(form) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"\x00" * 100)
    return out


def _entity_bomb(form, out):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    return rewrite_member(form, "xl/workbook.xml", lambda text: bomb + text, out)


def _forged(form, out, economy="KOR"):
    return rewrite_member(form, "docProps/custom.xml", lambda t: t.replace(">JPN<", f">{economy}<"), out)


def _strip_identification(form, keep_sheet=False):
    wb = load_workbook(form)
    wb.custom_doc_props = CustomPropertyList()
    if not keep_sheet:
        del wb[ID_SHEET]
    wb.save(form)
    return form


REFUSALS = {
    "unknown ref": (lambda f, t: fill(f, {"LC02-1": {"Ref": "LC02-9"}}), "cell A12 (Ref): Unknown Ref 'LC02-9'"),
    "duplicate ref": (lambda f, t: fill(f, {"LC02-2": {"Ref": "LC02-1"}}), "LC02-1 appears twice (also A12)"),
    "bad status": (lambda f, t: fill(f, {"LC02-1": {"Status": "Done"}}), "cell F12 (Status): 'Done' is not a status"),
    "text too long": (lambda f, t: fill(f, {"LC02-1": {"Evidence": "x" * 10_001}}), "cell L12 (Evidence): Evidence of LC02-1 is 10,001 characters long"),
    "formula without cached value": (lambda f, t: fill(f, {"LC02-1": {"Measures undertaken": "=1+1"}}), "cell G12 (Measures undertaken): holds a formula whose value was never calculated"),
    "error value": (lambda f, t: rewrite_member(f, form_sheet_member(f), lambda x: re.sub(
        r'<c r="F13" s="(\d+)" t="inlineStr"><is><t>Planned</t></is></c>', r'<c r="F13" s="\1" t="e"><f>1/0</f><v>#DIV/0!</v></c>', x)),
        "cell F13 (Status): holds the spreadsheet error #DIV/0!"),
    "contact formula without value": (lambda f, t: fill(f, {}, contact={"Contact e-mail": "=B5"}),
        "cell B7 (Contact e-mail): holds a formula whose value was never calculated"),
    "bad contact e-mail": (lambda f, t: fill(f, {}, contact={"Contact e-mail": "not an address"}),
        "cells B5, B6, B7, B8 (contact point): 'not an address' is not an e-mail address"),
    "empty economy code in table": (lambda f, t: _table(t, [(None, "LC02-1", 2008, "Planned")]),
        "cell A2 (Economy code): empty; give the economy's code"),
    "no Form sheet": (lambda f, t: _table(t, [], header=("Something", "Else")), "no sheet named 'Form'"),
    "missing header": (lambda f, t: rewrite_member(f, form_sheet_member(f), lambda x: x.replace(">Status<", ">State<")), "no header row with the columns"),
    "forged economy": (lambda f, t: _forged(f, t / "forged.xlsx"), "signature does not match"),
    "identification removed": (lambda f, t: _strip_identification(f), "identification is missing"),
    "unknown economy in table": (lambda f, t: _table(t, [("XXX", "LC02-1", 2008, "Planned")]), "Unknown economy 'XXX'"),
    "bad year in table": (lambda f, t: _table(t, [("JPN", "LC02-1", "last year", "Planned")]), "'last year' is not a year"),
    "item not applying in table year": (lambda f, t: _table(t, [("JPN", "T7-1", 2004, "Planned")]), "T7-1 does not apply in 2004"),
    "csv renamed": (lambda f, t: _bytes(t / "data.xlsx", b"Economy code,Ref,Year,Status\nJPN,LC02-1,2008,Planned\n"), "not an Excel .xlsx workbook; it looks like a CSV text file; open it in Excel"),
    "legacy xls or encrypted": (lambda f, t: _bytes(t / "old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), "an Excel 97-2003 workbook (.xls) or a workbook protected by a password; save it as"),
    "random bytes": (lambda f, t: _bytes(t / "noise.xlsx", os.urandom(4096)), "not an Excel .xlsx workbook"),
    "zip without workbook": (lambda f, t: _zip(t / "z.xlsx", {"hello.txt": "hi"}), "this zip archive holds no workbook"),
    "macro-enabled": (lambda f, t: _with_macro(f, t / "macro.xlsx"), "contains macros (xl/vbaProject.bin), so it is a macro-enabled workbook (.xlsm); save it as a plain"),
    "decompression bomb": (lambda f, t: _zip(t / "bomb.xlsx", {"xl/workbook.xml": "<x/>", "xl/worksheets/sheet1.xml": b"\x00" * 50_000_000}), "decompression bomb"),
    "xml entities": (lambda f, t: _entity_bomb(f, t / "entities.xlsx"), "part xl/workbook.xml declares a document type or entities"),
    "over the size limit": (lambda f, t: _bytes(t / "huge.xlsx", b"\x00" * (21 * 1024 * 1024)), "over 20 MB"),
    "missing file": (lambda f, t: t / "nowhere.xlsx", "nowhere.xlsx: no such file or folder."),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_files_change_nothing(tracker, issue, store, tmp_path, case):
    make, message = REFUSALS[case]
    form = issue("JPN", 2008)
    fill(form, {"LC02-2": {"Status": "Planned"}})
    path = make(form, tmp_path)
    before = snapshot(store)
    result = tracker("import", str(path), expect=1)
    assert message in result.output
    assert "Not applied:" in result.output
    assert "Traceback" not in result.output
    assert snapshot(store) == before


def test_a_formula_with_a_cached_value_is_read_as_its_value(tracker, issue):
    form = fill(issue("JPN", 2008), {"LC02-1": {"Status": "Planned", "Measures undertaken": "=1+1"}})
    member = form_sheet_member(form)
    rewrite_member(form, member, lambda t: t.replace("<f>1+1</f><v />", "<f>1+1</f><v>2</v>"))
    rewrite_member(form, "xl/workbook.xml", lambda t: t.replace('fullCalcOnLoad="1"', ""))  # as Excel saves it
    assert "<f>1+1</f><v>2</v>" in zipfile.ZipFile(form).read(member).decode()
    tracker("import", str(form))
    assert entries(tracker, "JPN", 2008)["LC02-1"]["measures"] == "2"


def test_a_sheet_declaring_a_million_rows_is_read_within_bounds(tracker, issue):
    form = fill(issue("JPN", 2008), {"LC02-1": {"Status": "Planned"}})
    member = form_sheet_member(form)
    rewrite_member(form, member, lambda t: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', t))
    assert "A1:XFD1048576" in zipfile.ZipFile(form).read(member).decode()
    tracker("import", str(form))
    assert entries(tracker, "JPN", 2008)["LC02-1"]["status"] == "planned"


def test_content_past_the_rows_read_is_refused_not_ignored(tracker, issue, store):
    form = fill(issue("JPN", 2008), {"LC02-1": {"Status": "Planned"}})
    far_row = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>LC02-1</t></is></c></row>'
    rewrite_member(form, form_sheet_member(form), lambda t: t.replace("</sheetData>", far_row + "</sheetData>"))
    before = snapshot(store)
    refused = tracker("import", str(form), expect=1)
    assert "sheet Form, cell A1048576: holds something past row 2,040" in refused.output
    assert snapshot(store) == before


def test_one_bad_file_does_not_stop_the_good_ones(tracker, issue, tmp_path):
    good = fill(issue("AUS"), {"LC02-1": {"Status": "Implemented"}})
    bad = fill(issue("CAN"), {"LC02-1": {"Status": "Finished"}})
    result = tracker("import", str(good), str(bad), expect=1)
    assert "Total: 1 file(s) applied, 1 refused" in result.output
    assert f"Not applied: {bad.name}" in result.output
    assert entries(tracker, "AUS", 2008)["LC02-1"]["status"] == "implemented"
    assert entries(tracker, "CAN", 2008)["LC02-1"]["status"] is None


def test_a_form_from_another_database_is_refused(tracker, issue, tmp_path):
    from conftest import Tracker

    other = Tracker(str(tmp_path / "other.db"))
    other("init")
    other("form", "--year", "2008", "--economy", "JPN", "--out", str(tmp_path / "elsewhere"))
    path = fill(tmp_path / "elsewhere" / "JPN-2008.xlsx", {"LC02-1": {"Status": "Planned"}})
    assert "signature does not match" in tracker("import", str(path), expect=1).output


def test_the_hidden_sheet_identifies_a_form_whose_properties_were_lost(tracker, issue):
    form = _strip_identification(fill(issue("JPN", 2008), {"LC02-1": {"Status": "Planned"}}), keep_sheet=True)
    assert "applied (form JPN 2008)" in tracker("import", str(form)).output


def test_an_import_of_many_files_keeps_the_sqlite_log_between_them(tracker, store, tmp_path, target):
    """Each file is imported in a transaction of its own; one idle connection is held meanwhile
    (``Store.kept_open``). Without it each file's connection was the last to close, and SQLite
    checkpointed its log and removed it after every file."""
    if "://" in target:
        pytest.skip("the log is SQLite's")
    from pathlib import Path

    from tracker.file_import import import_files

    tracker("form", "--year", "2008", "--economy", "JPN", "--economy", "KOR", "--out", str(tmp_path / "out"))
    for name in ("JPN-2008.xlsx", "KOR-2008.xlsx"):
        fill(tmp_path / "out" / name, {"LC02-1": {"Status": "Implemented"}})
    log = Path(f"{store.path}-wal")
    after_each = []

    def progress(files):
        for file in files:
            yield file
            after_each.append(log.exists())

    results = import_files(store, [str(tmp_path / "out")], progress=progress)
    assert [r.status for r in results] == ["applied", "applied"]
    assert after_each == [True, True]
    assert not log.exists()  # the last connection closed: checkpointed and removed, as before
