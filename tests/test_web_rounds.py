"""Running the round from the browser, on both databases: opening a round with its due date,
writing and downloading the forms (all in one zip, or one economy's), closing and reopening with
a reason, setting a contact point; each through the library function the command calls, with the
command's refusals, and only for editors."""

from __future__ import annotations

import io
import json
import zipfile

from openpyxl import load_workbook

from webtools import add_accounts, client, csrf_of, signed_in


def rounds(tracker) -> dict[int, dict]:
    return {row["year"]: row for row in json.loads(tracker("round", "list", "--json").output)}


def post(web, path, **data):
    return web.post(path, data={"csrf": csrf_of(web.get("/rounds").text), **data})


def test_an_editor_opens_a_round_writes_its_forms_closes_and_reopens_it(store, tracker):
    add_accounts(store)
    web = client(store)
    signed_in(web, "eddie")
    assert "No round has been opened yet." in web.get("/rounds").text
    opened = post(web, "/rounds", year="2009", due="2009-03-31")
    assert opened.status_code == 303 and opened.headers["location"] == "/rounds?done=opened"
    assert (rounds(tracker)[2009]["state"], rounds(tracker)[2009]["due"]) == ("open", "2009-03-31")
    assert "Done: the round is open" in web.get(opened.headers["location"]).text

    everything = post(web, "/rounds/2009/forms", due="2009-04-15", return_to="spsg@example.org")
    assert everything.status_code == 200 and everything.headers["content-type"] == "application/zip"
    assert 'filename="forms-2009.zip"' in everything.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(everything.content)).namelist()
    assert len(names) == 21 and "JPN-2009.xlsx" in names
    one = post(web, "/rounds/2009/forms", economy="per")
    assert 'filename="PER-2009.xlsx"' in one.headers["content-disposition"]
    japan = zipfile.ZipFile(io.BytesIO(everything.content)).read("JPN-2009.xlsx")
    instructions = "\n".join(str(c.value) for row in load_workbook(io.BytesIO(japan))["Instructions"].iter_rows()
                             for c in row if c.value)
    assert "spsg@example.org" in instructions and "15 April 2009" in instructions
    assert rounds(tracker)[2009]["forms_issued"] == 21 and rounds(tracker)[2009]["due"] == "2009-04-15"

    assert post(web, "/rounds/2009/close").headers["location"] == "/rounds?done=closed"
    assert rounds(tracker)[2009]["state"] == "closed"
    refused = post(web, "/rounds/2009/forms")
    assert refused.status_code == 409 and "closed" in refused.text
    unexplained = post(web, "/rounds/2009/reopen", reason="  ")
    assert unexplained.status_code == 409 and "Say why the round is reopened" in unexplained.text
    assert post(web, "/rounds/2009/reopen", reason="Peru's late return").status_code == 303
    events = json.loads(tracker("history", "--year", "2009", "--json").output)
    assert [(e["new"], e["source"]) for e in events if e["field"] == "round"][0] == (
        "reopened: Peru's late return", "web (eddie)")


def test_an_address_to_return_to_with_unseen_characters_is_refused_from_the_browser(store, tracker):
    add_accounts(store)
    web = signed_in(client(store), "eddie")
    refused = post(web, "/rounds/2009/forms", return_to="spsg\u200b@example.org")
    assert refused.status_code == 409
    assert "The address to return the forms to contains an invisible character" in refused.text
    assert 2009 not in rounds(tracker)


def test_a_due_date_that_does_not_exist_is_refused_in_plain_words(store, tracker):
    add_accounts(store)
    web = client(store)
    signed_in(web, "eddie")
    refused = post(web, "/rounds", year="2009", due="2009-02-30")
    assert refused.status_code == 409 and "2009-02-30 is not a date that exists" in refused.text
    assert rounds(tracker) == {}


def test_only_editors_run_the_round(store, tracker):
    add_accounts(store)
    web = client(store)
    signed_in(web, "vera")
    page = web.get("/rounds").text
    assert "Open the round" not in page
    assert post(web, "/rounds", year="2009").status_code == 403
    assert web.post("/rounds", data={"year": "2009"}).status_code == 403
    assert rounds(tracker) == {}


def test_an_editor_sets_an_economys_contact_point(store, tracker):
    add_accounts(store)
    web = client(store)
    signed_in(web, "eddie")
    post(web, "/rounds", year="2009")
    page = web.get("/economies/PER?year=2009").text
    assert "Change the contact point for 2009" in page
    saved = web.post("/economies/PER/contact", data={"csrf": csrf_of(page), "year": "2009", "name": "Rosa Quispe",
                                                     "email": "rosa@example.pe", "title": "", "phone": ""})
    assert saved.status_code == 303 and saved.headers["location"] == "/economies/PER?year=2009#contact"
    assert "Rosa Quispe" in web.get("/economies/PER?year=2009").text
    history = json.loads(tracker("history", "PER", "--year", "2009", "--json").output)
    assert {(h["field"], h["new"], h["source"]) for h in history} == {
        ("contact_name", "Rosa Quispe", "web (eddie)"), ("contact_email", "rosa@example.pe", "web (eddie)")}


def test_closing_with_returns_not_accepted_asks_to_confirm_first(store, tracker):
    add_accounts(store)
    web = client(store)
    signed_in(web, "eddie")
    post(web, "/rounds", year="2009")
    tracker("record", "JPN", "LC02-1", "--year", "2009", "--status", "planned")
    asked = post(web, "/rounds/2009/close")
    assert asked.status_code == 409 and "Close the 2009 round?" in asked.text and "JPN</a>: received" in asked.text
    assert rounds(tracker)[2009]["state"] == "open"
    assert post(web, "/rounds/2009/close", force="yes").headers["location"] == "/rounds?done=closed"
    assert rounds(tracker)[2009]["state"] == "closed"
