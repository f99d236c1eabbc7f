"""History and provenance: filtered history, the reports log, and a report rebuilt as of a moment."""

import hashlib
import json
import re
from datetime import datetime, timedelta

from openpyxl import load_workbook

from formtools import fill
from tracker.catalogue import built_in_path

HISTORY_KEYS = {"changed_at", "economy", "ref", "year", "field", "old", "new", "confirmed", "draft", "source", "file", "import_id"}


def history(tracker, *args):
    return json.loads(tracker("history", *args, "--json").output)


def test_history_by_economy_item_year_and_import(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2007", "--status", "planned")
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "in_progress")
    tracker("record", "PER", "LC02-1", "--year", "2008", "--status", "implemented")
    tracker("record", "PER", "LC02-2", "--year", "2008", "--status", "partial")
    tracker("form", "--year", "2008", "--economy", "PER", "--out", str(tmp_path))
    path = fill(tmp_path / "PER-2008.xlsx", {"LC02-2": {"Status": "Implemented"}})
    tracker("import", str(path))
    [imported] = json.loads(tracker("imports", "list", "--json").output)

    rows = history(tracker, "--item", "LC02-1")
    assert all(set(r) == HISTORY_KEYS for r in rows)
    assert [(r["economy"], r["year"], r["new"]) for r in rows] == [
        ("PER", 2008, "implemented"), ("JPN", 2008, "in_progress"), ("JPN", 2007, "planned"),
    ]
    assert all(r["source"].startswith("tracker record (") and r["import_id"] is None for r in rows)
    year = history(tracker, "--year", "2008")
    assert {(r["economy"], r["ref"]) for r in year if r["field"] != "round"} == {
        ("JPN", "LC02-1"), ("PER", "LC02-1"), ("PER", "LC02-2"),
    }
    assert [(r["new"], r["source"]) for r in year if r["field"] == "round"] == [("opened", "tracker form")]
    assert len(history(tracker, "JPN", "--year", "2007")) == 1
    assert history(tracker, "JPN", "LC02-1") == history(tracker, "JPN", "--item", "lc02-1")

    [change] = history(tracker, "--import", str(imported["id"]))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (change["economy"], change["ref"], change["old"], change["new"]) == ("PER", "LC02-2", "partial", "implemented")
    assert change["source"] == f"import PER-2008.xlsx, SHA-256 {digest}" and change["import_id"] == imported["id"]
    assert change["file"] == "PER-2008.xlsx"
    text = tracker("history", "--import", str(imported["id"])).output
    assert "PER 2008 LC02-2 status: Partially implemented -> Implemented" in text and digest in text
    assert "There is no import 77" in tracker("history", "--import", "77", expect=1).output


def cells(path):
    workbook = load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in workbook}


def test_report_as_of_gives_the_cells_of_the_report_produced_then(tracker, tmp_path):
    tracker("record", "AUS", "LC02-1", "--year", "2007", "--status", "planned")
    tracker("record", "AUS", "LC02-1", "--year", "2008", "--status", "partial", "--measures", "Bill tabled")
    tracker("record", "CHL", "LC02-2", "--year", "2008", "--status", "implemented")
    tracker("contact", "AUS", "--year", "2008", "--name", "Jo Citizen", "--email", "jo@example.gov.au")
    tracker("contact", "PER", "--year", "2007", "--name", "Ana Quispe", "--email", "ana@example.gob.pe")
    published = tmp_path / "published.xlsx"
    tracker("report", "--year", "2008", "--out", str(published))
    [logged] = json.loads(tracker("reports", "list", "--json").output)
    assert logged["file"] == str(published) and logged["year"] == 2008 and logged["as_of"] is None
    assert logged["sha256"] == hashlib.sha256(published.read_bytes()).hexdigest()
    moment = logged["written_at"]

    # Later: answers change, a new economy reports, a contact changes, an earlier year changes too,
    # and a new version of the catalogue is loaded.
    newer = tmp_path / "newer.catalogue"
    newer.write_text(re.sub(r"(?m)^version: .*$", "version: 9999.1", built_in_path().read_text()))
    tracker("catalog", "load", str(newer))
    tracker("record", "AUS", "LC02-1", "--year", "2008", "--status", "implemented", "--measures", "Act passed")
    tracker("record", "NZL", "LC02-3", "--year", "2008", "--status", "planned")
    tracker("record", "AUS", "LC02-2", "--year", "2007", "--status", "implemented")
    tracker("contact", "AUS", "--year", "2008", "--name", "Sam Other", "--email", "sam@example.gov.au")
    tracker("contact", "PER", "--year", "2007", "--name", "Luis Rojas", "--email", "luis@example.gob.pe")
    now = tmp_path / "now.xlsx"
    tracker("report", "--year", "2008", "--out", str(now))
    assert cells(now) != cells(published)
    assert any("Ana Quispe (given for 2007)" in row for row in cells(published)["Returns"])

    rebuilt = tmp_path / "rebuilt.xlsx"
    output = tracker("report", "--year", "2008", "--as-of", moment, "--out", str(rebuilt)).output
    assert "As of" in output
    before, again = cells(published), cells(rebuilt)
    assert list(before) == list(again)
    for sheet in before:
        assert again[sheet] == before[sheet], sheet
    about = {row[0]: row[2] for row in again["About"] if row and row[0]}
    assert isinstance(about["Data as of (latest change included)"], datetime)
    assert about["Data as of (latest change included)"] <= datetime.fromisoformat(moment)

    logs = json.loads(tracker("reports", "list", "--json").output)
    assert [(r["file"], r["as_of"]) for r in logs] == [
        (str(published), None), (str(now), None), (str(rebuilt), datetime.fromisoformat(moment).isoformat()),
    ]

    # A date means the end of that day; a moment before any change gives an empty year.
    early = datetime.fromisoformat(moment) - timedelta(days=400)
    empty = tmp_path / "empty.xlsx"
    tracker("report", "--year", "2008", "--as-of", early.date().isoformat(), "--out", str(empty))
    findings = " ".join(str(row[0]) for row in cells(empty)["Key findings"] if row and row[0])
    assert "No economy has returned for 2008" in findings
    assert "not a date" in tracker("report", "--year", "2008", "--as-of", "last week", expect=2).output
