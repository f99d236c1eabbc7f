"""One rule for years, from every command and page that writes a year's data: years up to next
year, refused beyond in the same words as `report`; a focal point writes only the year of an open
round, an editor any year that is not closed; `form` opens a round only for such a year."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import Workbook

from formtools import snapshot
from tracker.progress import entry_fingerprint
from tracker.years import latest_year
from webtools import add_accounts, client, csrf_of, signed_in

NEXT = date.today().year + 1
LATER = NEXT + 1
REFUSAL = f"{LATER} has not come yet: give a year up to {NEXT}."


def test_the_latest_year_is_next_year():
    assert latest_year(date(2026, 12, 31)) == 2027 and latest_year(date(2027, 1, 1)) == 2028


def test_report_states_the_rule_every_writing_command_states(tracker, tmp_path):
    assert REFUSAL in tracker("report", "--year", str(LATER), "--out", str(tmp_path / "r.xlsx"), expect=1).output


@pytest.mark.parametrize("args", [
    ["record", "JPN", "LC02-1", "--status", "planned"],
    ["contact", "JPN", "--name", "Hanako Sato"],
    ["form", "--economy", "JPN"],
])
def test_a_writing_command_refuses_a_year_after_next_and_changes_nothing(tracker, store, tmp_path, args):
    before = snapshot(store)
    result = tracker(*args, "--year", str(LATER), *(["--out", str(tmp_path)] if args[0] == "form" else []), expect=1)
    assert REFUSAL in result.output
    assert snapshot(store) == before
    assert json.loads(tracker("round", "list", "--json").output) == []


@pytest.mark.parametrize("command", ["open", "close", "reopen", "status"])
def test_round_commands_refuse_a_year_after_next(tracker, command):
    extra = ["--reason", "typo"] if command == "reopen" else []
    assert REFUSAL in tracker("round", command, str(LATER), *extra, expect=1).output


def test_an_import_refuses_a_row_of_a_year_after_next(tracker, store, tmp_path):
    wb = Workbook()
    wb.active.append(["Year", "Economy code", "Ref", "Status"])
    wb.active.append([LATER, "AUS", "LC02-1", "implemented"])
    wb.save(tmp_path / "table.xlsx")
    before = snapshot(store)
    assert REFUSAL in tracker("import", str(tmp_path / "table.xlsx"), expect=1).output
    assert snapshot(store) == before


def test_next_year_is_writable_and_form_opens_its_round(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", str(NEXT), "--status", "planned")
    tracker("form", "--year", str(NEXT), "--economy", "JPN", "--out", str(tmp_path))
    assert [row["year"] for row in json.loads(tracker("round", "list", "--json").output)] == [NEXT]


def test_form_does_not_reopen_a_closed_year(tracker, tmp_path):
    tracker("round", "open", "2008")
    tracker("round", "close", "2008")
    assert "The 2008 round is closed" in tracker("form", "--year", "2008", "--out", str(tmp_path), expect=1).output
    assert not list(tmp_path.glob("*.xlsx"))


@pytest.fixture
def web(store, tracker):
    add_accounts(store)
    tracker("round", "open", "2008")
    return client(store)


def _save(browser, year: int, economy: str = "JPN"):
    csrf = csrf_of(browser.get("/economies/JPN?year=2008").text)
    return browser.post(f"/economies/{economy}/items/LC02-1", data={"csrf": csrf, "year": str(year), "status": "planned",
                                                                  "shown": entry_fingerprint({})})


def _submit(browser, year: int):
    csrf = csrf_of(browser.get("/economies/JPN?year=2008").text)
    return browser.post("/economies/JPN/return", data={"csrf": csrf, "year": str(year)})


@pytest.mark.parametrize("name", ["fumiko", "eddie"])
def test_no_one_writes_a_year_after_next_from_the_browser(web, store, name):
    signed_in(web, name)
    before = snapshot(store)
    for response in (_save(web, LATER), _submit(web, LATER)):
        assert response.status_code == 400 and REFUSAL in response.text
    if name == "eddie":
        csrf = csrf_of(web.get("/reports").text)
        response = web.post("/reports/write", data={"csrf": csrf, "year": str(LATER)})
        assert response.status_code == 400 and REFUSAL in response.text
    assert snapshot(store) == before


def test_a_focal_point_writes_only_the_year_of_an_open_round(web, store):
    signed_in(web, "fumiko")
    before = snapshot(store)
    for year in (2006, NEXT):
        for response in (_save(web, year), _submit(web, year)):
            assert response.status_code == 409 and f"There is no {year} round open" in response.text
    assert "There is no 2006 round open" in web.get("/economies/JPN?year=2006").text
    assert 'class="entry"' not in web.get("/economies/JPN?year=2006").text
    assert snapshot(store) == before
    assert _save(web, 2008).status_code == 303


def test_an_editor_writes_any_year_that_is_not_closed(web, store, tracker):
    signed_in(web, "eddie")
    assert _save(web, 2006).status_code == 303
    assert _save(web, NEXT).status_code == 303
    tracker("round", "close", "2008")
    before = snapshot(store)
    response = _save(web, 2008)
    assert response.status_code == 409 and "The 2008 round is closed" in response.text
    assert snapshot(store) == before


def test_round_open_refuses_a_year_no_commitment_applies_in_as_form_does(tracker, store):
    before = snapshot(store)
    for command in (["round", "open", "1999"], ["form", "--year", "1999"]):
        assert "No checklist item applies in 1999" in tracker(*command, expect=1).output
    assert snapshot(store) == before
