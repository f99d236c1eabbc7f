"""The yearly round: opening, forms and returns against it, status, closing and reopening."""

import json

import pytest

from formtools import fill, snapshot

STATUS_KEYS = {
    "economy", "form_issued", "returned", "file", "items_answered", "items_applicable",
    "last_updated", "contact_name", "contact_email", "last_contacted", "late", "has_returned", "review",
}


@pytest.fixture
def issue(tracker, tmp_path):
    def issue(*economies, year=2009, due=None):
        args = ["form", "--year", str(year), "--out", str(tmp_path / "out")]
        for code in economies:
            args += ["--economy", code]
        if due:
            args += ["--due", due]
        tracker(*args)
        return {code: tmp_path / "out" / f"{code}-{year}.xlsx" for code in economies}

    return issue


def status_of(tracker, year):
    return {row["economy"]: row for row in json.loads(tracker("round", "status", str(year), "--json").output)}


def applying(tracker, year):
    return len(json.loads(tracker("catalog", "list", "--year", str(year), "--json").output))


def test_round_status_after_forms_partial_and_late_returns(tracker, issue):
    tracker("contact", "PER", "--year", "2008", "--name", "Ana Quispe", "--email", "a.quispe@example.gob.pe")
    forms = issue("JPN", "PER", "NZL", due="2009-03-31")
    items = applying(tracker, 2009)
    fill(forms["JPN"], {"LC02-1": {"Status": "Implemented"}, "LC02-2": {"Status": "Planned"}},
         contact={"Contact name": "Hanako Sato", "Contact e-mail": "h.sato@example.go.jp"})
    fill(forms["NZL"], {"LC02-1": {"Status": "In progress"}})
    tracker("import", str(forms["JPN"]), str(forms["NZL"]))

    rows = status_of(tracker, 2009)
    assert all(set(row) == STATUS_KEYS for row in rows.values())
    assert len(rows) == 21
    jpn, nzl, per, aus = rows["JPN"], rows["NZL"], rows["PER"], rows["AUS"]
    assert jpn["form_issued"] and jpn["returned"] and jpn["file"] == "JPN-2009.xlsx"
    assert (jpn["items_answered"], jpn["items_applicable"]) == (2, items)
    assert (nzl["items_answered"], nzl["late"]) == (1, False)
    assert jpn["contact_name"] == "Hanako Sato" and jpn["contact_email"] == "h.sato@example.go.jp"
    assert jpn["last_updated"] is not None and per["last_updated"] is None
    # The due date (2009) has passed: PER had a form and sent nothing back; AUS had no form but is late too.
    assert per["form_issued"] and per["returned"] is None and per["file"] is None and per["late"] is True
    assert aus["form_issued"] is None and aus["late"] is True
    assert per["contact_email"] == "a.quispe@example.gob.pe"  # last year's focal point, to chase

    text = tracker("round", "status", "2009").output
    assert "Round 2009: open, due 2009-03-31" in text
    assert "3 forms issued, 2 returned, 19 late" in text
    chase = text.split("To chase:")[1]
    assert "PER" in chase and "a.quispe@example.gob.pe" in chase and "JPN" not in chase


def test_round_without_due_date_is_never_late(tracker, issue):
    issue("JPN")
    assert not any(row["late"] for row in status_of(tracker, 2009).values())
    listed = json.loads(tracker("round", "list", "--json").output)
    assert [(r["year"], r["state"], r["due"], r["forms_issued"], r["returned"]) for r in listed] == [
        (2009, "open", None, 1, 0)
    ]


def test_open_close_reopen_are_in_the_history(tracker):
    assert "Opened the 2010 round, due 2010-04-30" in tracker("round", "open", "2010", "--due", "2010-04-30").output
    assert "Already open" in tracker("round", "open", "2010").output
    tracker("round", "close", "2010")
    assert "is not closed" in tracker("round", "reopen", "2011", "--reason", "x", expect=1).output
    tracker("round", "reopen", "2010", "--reason", "A corrected return from Peru")
    rows = json.loads(tracker("history", "--year", "2010", "--json").output)
    events = [row["new"] for row in rows if row["field"] == "round"]
    assert events == ["reopened: A corrected return from Peru", "closed", "opened: due 2010-04-30"]
    assert all(row["source"].startswith("tracker round ") for row in rows)
    assert json.loads(tracker("round", "list", "--json").output)[0]["state"] == "open"


def test_a_closed_year_refuses_an_import_and_the_database_is_unchanged(tracker, issue, store):
    form = issue("JPN")["JPN"]
    fill(form, {"LC02-1": {"Status": "Implemented"}})
    tracker("record", "JPN", "LC02-2", "--year", "2009", "--status", "planned")
    tracker("round", "close", "2009", "--force")
    before = snapshot(store)

    result = tracker("import", str(form), expect=1)
    assert "The 2009 round is closed" in result.output
    assert 'tracker round reopen 2009 --reason' in result.output
    assert snapshot(store) == before

    for command in (
        ["record", "JPN", "LC02-1", "--year", "2009", "--status", "implemented"],
        ["contact", "JPN", "--year", "2009", "--name", "Late Person"],
        ["form", "--year", "2009", "--economy", "JPN"],
    ):
        assert "The 2009 round is closed" in tracker(*command, expect=1).output
    assert snapshot(store) == before
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")  # other years stay open

    tracker("round", "reopen", "2009", "--reason", "Japan's return arrived late")
    assert "applied" in tracker("import", str(form)).output
    assert status_of(tracker, 2009)["JPN"]["items_answered"] == 2
