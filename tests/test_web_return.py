"""The online return page on both databases: what it shows (the economy's Excel form, read by the
same code), one save of the whole page through the one write path, a refused save that keeps what
was typed, submitting with unanswered items confirmed first and a second submission that records
nothing, updating until the round closes, and who may do what."""

from __future__ import annotations

import html
import json
import re

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from formtools import fill, snapshot
from tracker.forms import FORM_SHEET, HEADER_ROW
from webtools import add_accounts, client, csrf_of, signed_in

HOSTILE = '<script>alert("owned")</script>=1+1'


def build_round_2008(tracker, folder):
    tracker("record", "JPN", "LC02-2", "--year", "2007", "--status", "planned", "--measures", "Draft bill\nsecond line")
    tracker("record", "JPN", "LC02-3", "--year", "2007", "--status", "implemented")
    tracker("contact", "JPN", "--year", "2007", "--name", "Kenji Sato", "--email", "kenji@example.jp")
    tracker("form", "--year", "2008", "--due", "2008-03-31", "--out", str(folder / "forms"))


@pytest.fixture
def round_2008(tracker, set_up):
    """The 2008 round open with forms out; Japan answered two items in 2007, with a contact point."""
    set_up(build_round_2008)
    return tracker


@pytest.fixture
def web(store, round_2008):
    add_accounts(store)
    return client(store)


def page_fields(page: str) -> dict[str, str]:
    """What the browser would post for the return form as loaded: every input, select and text box."""
    form = re.search(r'<form id="return-form".*?</form>', page, re.S).group(0)
    fields = {name: html.unescape(value) for name, value in re.findall(r'<input[^>]* name="([^"]+)" value="([^"]*)"', form)}
    for name, options in re.findall(r'<select[^>]* name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        fields[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea[^>]* name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[name] = html.unescape(text).replace("\n", "\r\n")  # as a browser sends a text box
    return fields


def show(tracker, economy="JPN", year=2008) -> dict:
    return {row["ref"]: row for row in json.loads(tracker("show", economy, "--year", str(year), "--json").output)}


def returned(tracker, economy="JPN"):
    return status_row(tracker, economy)["returned"]


def submitted(tracker, economy="JPN"):
    """The return on record (its file, or the online submission), None while none came in."""
    return status_row(tracker, economy)["file"]


def status_row(tracker, economy):
    status = json.loads(tracker("round", "status", "2008", "--json").output)
    return next(row for row in status if row["economy"] == economy)


def form_rows(path) -> dict[str, list]:
    wb = load_workbook(path, read_only=True)
    rows = list(wb[FORM_SHEET].iter_rows(min_row=HEADER_ROW, values_only=True))
    wb.close()
    titles = rows[0]
    return {row[0]: dict(zip(titles, row)) for row in rows[1:] if row[0]}


def test_the_page_shows_what_the_economys_form_shows(web, round_2008, tmp_path):
    signed_in(web, "fumiko")
    data = web.get("/economies/JPN/return.json?year=2008").json()
    form = form_rows(tmp_path / "forms" / "JPN-2008.xlsx")
    assert [row["ref"] for row in data["items"]] == list(form)
    for row in data["items"]:
        on_form = form[row["ref"]]
        assert row["last_reported"] == on_form["Last reported status"]
        assert row["text"] == on_form["Commitment"] and (row["deadline"] or None) == (on_form["Deadline"] or None)
        assert row["measures"] == on_form["Measures undertaken"]
    assert {row["ref"]: row for row in data["items"]}["LC02-2"]["last_reported"] == "Planned (2007; carried forward)"
    assert data["contact"]["name"] == "Kenji Sato" and data["contact_from"] == 2007
    page = web.get("/economies/JPN/return?year=2008").text
    assert '<option value="planned" selected>Planned</option>' in page
    assert 'name="contact:name" value="Kenji Sato"' in page and "carried forward from 2007" in page
    assert "Not submitted yet" in page and "0 of" in page


def test_one_save_keeps_everything_typed_on_the_page(web, round_2008):
    signed_in(web, "fumiko")
    page = web.get("/economies/JPN/return?year=2008").text
    fields = page_fields(page) | {"status:LC02-1": "in_progress", "evidence:LC02-1": "A first law",
                                  "needs:LC02-3": "Training\r\nfor judges", "status:LC02-4": "partial",
                                  "contact:phone": "+81 3 1234 5678"}
    response = web.post("/economies/JPN/return/save", data=fields)
    assert response.status_code == 303 and response.headers["location"] == "/economies/JPN/return?year=2008"
    after = web.get(response.headers["location"]).text
    assert re.search(r"Saved at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC:", after)
    assert "LC02-1" in after.split('role="status"')[1].split("</p>")[0]
    entries = show(round_2008)
    assert entries["LC02-1"]["status"] == "in_progress" and entries["LC02-1"]["evidence"] == "A first law"
    assert entries["LC02-3"]["needs"] == "Training\nfor judges" and entries["LC02-3"]["status"] == "implemented"
    assert entries["LC02-2"]["measures"] == "Draft bill\nsecond line"  # carried forward as the form does
    assert entries["LC02-4"]["status"] == "partial"
    history = json.loads(round_2008("history", "JPN", "--year", "2008", "--json").output)
    assert {h["source"] for h in history} == {"web (fumiko)"}
    assert any(h["field"] == "contact_phone" and h["new"] == "+81 3 1234 5678" for h in history)
    assert "Saved at" not in web.get("/economies/JPN/return?year=2008").text  # said once
    again = web.post("/economies/JPN/return/save", data=page_fields(web.get("/economies/JPN/return?year=2008").text))
    assert again.status_code == 303
    assert "nothing had changed" in web.get(again.headers["location"]).text
    assert json.loads(round_2008("history", "JPN", "--year", "2008", "--json").output) == history


def test_a_refused_save_changes_nothing_and_keeps_what_was_typed(web, store, round_2008):
    signed_in(web, "fumiko")
    fields = page_fields(web.get("/economies/JPN/return?year=2008").text)
    before = snapshot(store)
    response = web.post("/economies/JPN/return/save", data=fields | {"measures:LC02-1": HOSTILE,
                                                                     "contact:email": "not an address"})
    assert response.status_code == 409
    assert "Nothing was saved" in response.text and "is not an e-mail address" in response.text
    assert str(escape(HOSTILE)) in response.text and HOSTILE not in response.text
    assert 'value="not an address"' in response.text
    assert snapshot(store) == before


def test_a_save_over_answers_changed_meanwhile_is_refused_and_an_untouched_item_keeps_them(web, store, round_2008):
    signed_in(web, "fumiko")
    fields = page_fields(web.get("/economies/JPN/return?year=2008").text)
    round_2008("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned", "--evidence", "Saved meanwhile")
    before = snapshot(store)
    response = web.post("/economies/JPN/return/save", data=fields | {"evidence:LC02-1": "Mine"})
    assert response.status_code == 409 and "Someone else saved LC02-1" in response.text
    assert "yours &#39;Mine&#39;, now saved &#39;Saved meanwhile&#39;" in response.text
    assert '<section class="item conflict" id="LC02-1"' in response.text and ">Mine</textarea>" in response.text
    assert snapshot(store) == before
    assert web.post("/economies/JPN/return/save", data=fields | {"evidence:LC02-4": "Other"}).status_code == 303
    entries = show(round_2008)
    assert entries["LC02-1"]["evidence"] == "Saved meanwhile" and entries["LC02-4"]["evidence"] == "Other"


def test_submitting_asks_about_unanswered_items_then_records_the_return_once(web, store, round_2008):
    signed_in(web, "fumiko")
    fields = page_fields(web.get("/economies/JPN/return?year=2008").text) | {"status:LC02-1": "implemented"}
    response = web.post("/economies/JPN/return", data=fields)
    assert response.status_code == 200 and "unanswered?" in response.text
    unanswered = re.findall(r'<li><a href="[^"]*#([^"]+)">', response.text)
    entries = show(round_2008)
    assert unanswered == [ref for ref, row in entries.items() if not row["status"]] and "LC02-1" not in unanswered
    assert entries["LC02-1"]["status"] == "implemented" and submitted(round_2008) is None
    confirm = web.post("/economies/JPN/return", data={"csrf": csrf_of(response.text), "year": "2008", "confirm": "yes"})
    assert confirm.status_code == 303
    assert "Return submitted at" in web.get(confirm.headers["location"]).text
    assert submitted(round_2008).startswith("online return") and returned(round_2008) is not None
    before = snapshot(store)
    page = web.get("/economies/JPN/return?year=2008").text
    assert "Return received" in page and "not submitted yet" not in page
    again = web.post("/economies/JPN/return", data=page_fields(page) | {"confirm": "yes"})
    assert again.status_code == 303
    assert "Nothing changed since the return came in" in web.get(again.headers["location"]).text
    assert snapshot(store) == before


def test_a_submitted_return_is_updated_until_the_round_closes(web, store, round_2008):
    signed_in(web, "fumiko")
    fields = page_fields(web.get("/economies/JPN/return?year=2008").text)
    web.post("/economies/JPN/return", data=fields | {"confirm": "yes"})
    first = returned(round_2008)
    web.post("/economies/JPN/return/save", data=fields | {"timeframe:LC02-2": "2009"})
    page = web.get("/economies/JPN/return?year=2008").text
    assert "changes saved since then are not submitted yet" in page
    assert web.post("/economies/JPN/return", data=page_fields(page)).status_code == 200  # unanswered: asks again
    assert web.post("/economies/JPN/return", data=page_fields(page) | {"confirm": "yes"}).status_code == 303
    assert returned(round_2008) > first
    round_2008("round", "close", "2008", "--force")
    page = web.get("/economies/JPN/return?year=2008").text
    assert 'id="return-form"' not in page and "round is closed" in page
    before = snapshot(store)
    response = web.post("/economies/JPN/return/save", data=fields | {"csrf": csrf_of(page), "timeframe:LC02-2": "2010"})
    assert response.status_code == 409 and "round is closed" in response.text
    assert snapshot(store) == before


def test_who_may_read_and_change_a_return(web, store, round_2008):
    before = snapshot(store)
    signed_in(web, "fumiko")
    csrf = csrf_of(web.get("/economies/JPN/return?year=2008").text)
    assert web.post("/economies/JPN/return/save", data={"year": "2008", "status:LC02-1": "planned"}).status_code == 403
    assert web.post("/economies/JPN/return", data={"year": "2008", "confirm": "yes"}).status_code == 403
    assert web.get("/economies/AUS/return?year=2008").status_code == 403
    assert web.get("/economies/AUS/return.json?year=2008").status_code == 403
    assert web.post("/economies/AUS/return/save", data={"csrf": csrf, "year": "2008"}).status_code == 403
    response = web.post("/economies/JPN/return", data={"csrf": csrf, "year": "2009", "confirm": "yes"})
    assert response.status_code == 409 and "There is no 2009 round open" in response.text
    item = web.get("/items/LC02-2.json").json()
    assert [row["code"] for row in item["economies"]] == ["JPN"]
    assert web.get("/items/LC02-2").status_code == 200
    signed_in(web, "vera")
    page = web.get("/economies/JPN/return?year=2008").text
    assert 'id="return-form"' not in page and "Kenji Sato" in page
    assert web.post("/economies/JPN/return/save", data={"csrf": csrf_of(page), "year": "2008"}).status_code == 403
    assert snapshot(store) == before


def test_an_editor_answers_for_any_economy(web, store, round_2008):
    signed_in(web, "eddie")
    fields = page_fields(web.get("/economies/AUS/return?year=2008").text)
    before = snapshot(store)
    response = web.post("/economies/AUS/return/save", data=fields | {"year": "1990"})
    assert response.status_code == 409 and "No checklist item applies in 1990" in response.text
    assert snapshot(store) == before
    assert web.post("/economies/AUS/return/save", data=fields | {"status:LC02-1": "planned"}).status_code == 303
    assert show(round_2008, "AUS")["LC02-1"]["status"] == "planned"
    before = snapshot(store)
    response = web.post("/economies/AUS/return", data=fields | {"year": "2009", "contact:email": "not an address",
                                                                "confirm": "yes"})
    assert response.status_code == 409 and "There is no 2009 round open, so there is no return to submit" in response.text
    assert snapshot(store) == before  # the round checked before anything is saved
    history = json.loads(round_2008("history", "AUS", "--year", "2008", "--json").output)
    assert {h["source"] for h in history} == {"web (eddie)"}


def test_the_same_return_as_a_form_and_online_gives_the_same_entries(web, round_2008, tmp_path):
    answers = {"LC02-1": {"Status": "Partially implemented", "Measures undertaken": "Law passed",
                          "Capacity-building offers": "Drafting advice"},
               "LC02-4": {"Status": "Not applicable", "Evidence": HOSTILE}}
    contact = {"Contact name": "Kenji Sato", "Contact phone": "+81 3 0000 0000"}
    filled = fill(tmp_path / "forms" / "JPN-2008.xlsx", answers, contact, out=tmp_path / "JPN-2008-filled.xlsx")
    round_2008("import", str(filled))
    by_form = show(round_2008)
    round_2008("record", "KOR", "LC02-2", "--year", "2007", "--status", "planned", "--measures", "Draft bill\nsecond line")
    round_2008("record", "KOR", "LC02-3", "--year", "2007", "--status", "implemented")
    round_2008("contact", "KOR", "--year", "2007", "--name", "Kenji Sato", "--email", "kenji@example.jp")
    signed_in(web, "eddie")
    fields = page_fields(web.get("/economies/KOR/return?year=2008").text)
    fields |= {"status:LC02-1": "partial", "measures:LC02-1": "Law passed", "offers:LC02-1": "Drafting advice",
               "status:LC02-4": "not_applicable",
               "evidence:LC02-4": HOSTILE, "contact:phone": "+81 3 0000 0000"}
    assert web.post("/economies/KOR/return/save", data=fields).status_code == 303
    assert show(round_2008, "KOR") == by_form and by_form["LC02-1"]["offers"] == "Drafting advice"
    contacts = [web.get(f"/economies/{code}/return.json?year=2008").json()["contact"] for code in ("JPN", "KOR")]
    assert contacts[0] == contacts[1] and contacts[0]["phone"] == "+81 3 0000 0000"


def test_answers_saved_online_are_kept_but_make_a_return_only_once_submitted(web, round_2008):
    """Saving records the page's answers as a draft: kept and shown, while the economy stays without
    a return (and to chase) until the return is submitted (every place: tests/test_returns.py)."""
    signed_in(web, "fumiko")
    page = web.get("/economies/JPN/return?year=2008").text
    assert web.post("/economies/JPN/return/save", data=page_fields(page)).status_code == 303
    after = web.get("/economies/JPN/return?year=2008").text
    assert "Saved answers are not submitted" in after and "counts as received only once it is submitted" in after
    assert show(round_2008)["LC02-2"]["status"] == "planned"  # carried forward and saved for 2008
    assert returned(round_2008) is None and submitted(round_2008) is None
    assert "JPN" in round_2008("round", "status", "2008").output.partition("To chase:")[2]
    summary = {row["code"]: row for row in json.loads(round_2008("summary", "--year", "2008", "--json").output)}
    assert not summary["JPN"]["returned"]
    assert web.post("/economies/JPN/return", data=page_fields(after) | {"confirm": "yes"}).status_code == 303
    assert returned(round_2008) is not None and submitted(round_2008).startswith("online return")
    summary = {row["code"]: row for row in json.loads(round_2008("summary", "--year", "2008", "--json").output)}
    assert summary["JPN"]["returned"]
