"""The review of each return, on both databases: received, then accepted or changes requested with
notes (whole return and per item), "received" again after the next import, kept in the history,
shown by `round status`, and `round close` refused while returns are not accepted."""

from __future__ import annotations

import json

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from starlette.testclient import TestClient

from formtools import fill
from tracker import reviews
from webtools import add_accounts, client, csrf_of, signed_in

HOSTILE = '<script>alert("owned")</script>=1+1'


def client_of(browser: TestClient) -> TestClient:
    """Another browser on the same application."""
    return TestClient(browser.app, follow_redirects=False)


def build_returned_2009(tracker, folder):
    tracker("form", "--year", "2009", "--out", str(folder / "out"), "--economy", "JPN", "--economy", "PER",
            "--economy", "NZL")
    fill(folder / "out" / "JPN-2009.xlsx", {"LC02-1": {"Status": "Implemented"}})
    fill(folder / "out" / "PER-2009.xlsx", {"LC02-1": {"Status": "Planned"}})
    tracker("import", str(folder / "out" / "JPN-2009.xlsx"), str(folder / "out" / "PER-2009.xlsx"))


@pytest.fixture
def returned_2009(set_up, tmp_path):
    """The 2009 round: Japan and Peru returned their forms; New Zealand had a form and sent nothing."""
    set_up(build_returned_2009)
    return {code: tmp_path / "out" / f"{code}-2009.xlsx" for code in ("JPN", "PER", "NZL")}


def status_rows(tracker, year=2009) -> dict[str, dict]:
    return {row["economy"]: row for row in json.loads(tracker("round", "status", str(year), "--json").output)}


def test_a_return_is_received_then_accepted_or_sent_back_with_notes(tracker, returned_2009):
    rows = status_rows(tracker)
    assert rows["JPN"]["review"]["state"] == "received" and rows["NZL"]["review"] is None

    accepted = tracker("returns", "accept", "JPN", "--year", "2009", "--note", "Complete, thank you.")
    assert "The 2009 return of JPN is now accepted: Complete, thank you." in accepted.output
    sent_back = tracker("returns", "request-changes", "per", "--year", "2009", "--note", "Please add evidence.",
                        "--item", "lc02-1", "Name the law adopted.")
    assert "now changes requested: Please add evidence." in sent_back.output and "LC02-1: Name the law" in sent_back.output

    rows = status_rows(tracker)
    jpn, per = rows["JPN"]["review"], rows["PER"]["review"]
    assert (jpn["state"], jpn["label"], jpn["note"], jpn["items"]) == ("accepted", "accepted", "Complete, thank you.", [])
    assert jpn["by"].startswith("tracker returns accept") and jpn["at"]
    assert per["state"] == "changes_requested" and per["items"] == [{"ref": "LC02-1", "note": "Name the law adopted."}]

    text = tracker("round", "status", "2009").output
    assert "changes requested" in text and "Reviewed: 1 accepted, 1 with changes requested, 0 received" in text
    history = tracker("history", "--year", "2009").output
    assert "PER 2009 return review: changes requested: Please add evidence.; LC02-1: Name the law adopted." in history


def test_the_next_import_makes_the_return_received_again(tracker, returned_2009):
    tracker("returns", "request-changes", "PER", "--year", "2009", "--item", "LC02-1", "Which law?")
    fill(returned_2009["PER"], {"LC02-1": {"Status": "Implemented", "Evidence": "Law 123"}})
    tracker("import", str(returned_2009["PER"]))
    review = status_rows(tracker)["PER"]["review"]
    assert (review["state"], review["note"], review["items"]) == ("received", None, [])
    # The request stays in the history, with who and when.
    assert "Which law?" in tracker("history", "PER", "--year", "2009").output


@pytest.mark.parametrize("args, message", [
    (["request-changes", "PER"], "Say what PER should change"),
    (["accept", "NZL"], "NZL has no return for 2009 to review"),
    (["accept", "PER", "--item", "XX-9", "Hm"], "'XX-9' is not an item of the 2009 return"),
    (["request-changes", "PER", "--item", "LC02-1", "  "], "The note on LC02-1 is blank"),
    (["accept", "ZZZ"], "ZZZ"),
])
def test_a_review_that_cannot_be_made_is_refused_with_the_reason(tracker, returned_2009, args, message):
    result = tracker("returns", *args, "--year", "2009", expect=1)
    assert message in result.output and "Traceback" not in result.output
    assert status_rows(tracker)["PER"]["review"]["state"] == "received"


def test_closing_lists_the_returns_not_accepted_and_needs_force(tracker, returned_2009, store):
    tracker("returns", "accept", "JPN", "--year", "2009")
    refused = tracker("round", "close", "2009", expect=1)
    assert "1 return of 2009 is not accepted yet: PER (received)" in refused.output and "--force" in refused.output
    with store.transaction() as session:
        assert reviews.not_accepted(session, 2009) == [("PER", "received")]
    tracker("returns", "accept", "PER", "--year", "2009")
    tracker("round", "close", "2009")
    assert "closed" in tracker("returns", "accept", "PER", "--year", "2009", expect=1).output


def test_force_closes_with_returns_not_accepted(tracker, returned_2009):
    assert "Closed the 2009 round" in tracker("round", "close", "2009", "--force").output


def test_the_round_counts_returns_one_way(tracker):
    """Answers recorded without a file count as a return in the totals, the rows and the review."""
    tracker("record", "JPN", "LC02-1", "--year", "2007", "--status", "implemented")
    status = tracker("round", "status", "2007").output
    assert "1 returned" in status
    assert status_rows(tracker, 2007)["JPN"]["has_returned"] is True


@pytest.fixture
def web(store, returned_2009):
    add_accounts(store)
    return client(store)


def review(browser, code, data, page="/?year=2009"):
    token = csrf_of(browser.get(page).text)
    return browser.post(f"/economies/{code}/review", data={"csrf": token, "year": "2009"} | data)


def test_an_editor_reviews_from_the_round_page_and_the_focal_point_reads_the_notes(web, tracker):
    signed_in(web, "eddie")
    page = web.get("/?year=2009").text
    assert 'id="review-JPN"' in page and 'id="review-NZL"' not in page and 'value="changes_requested"' in page
    response = review(web, "JPN", {"state": "changes_requested", "note": HOSTILE, "note:LC02-1": "Which law?",
                                   "page": "round"})
    assert response.status_code == 303 and response.headers["location"] == "/?year=2009#review-JPN"
    assert escape(HOSTILE) in web.get("/?year=2009").text and HOSTILE not in web.get("/?year=2009").text
    assert status_rows(tracker)["JPN"]["review"]["items"] == [{"ref": "LC02-1", "note": "Which law?"}]

    focal = signed_in(client_of(web), "fumiko")
    data = focal.get("/economies/JPN/return.json?year=2009").json()
    assert data["review"]["state"] == "changes_requested" and data["review"]["note"] == HOSTILE
    assert {row["ref"]: row["review_note"] for row in data["items"]}["LC02-1"] == "Which law?"
    page = focal.get("/economies/JPN/return?year=2009").text
    assert "Review: changes requested" in page and "Which law?" in page and 'id="review-form"' not in page
    assert "submit the return again" in page


def test_only_editors_review_with_a_token_and_refusals_are_pages(web, store):
    focal = signed_in(web, "fumiko")
    assert review(focal, "JPN", {"state": "accepted"}, "/economies/JPN/return?year=2009").status_code == 403
    viewer = signed_in(client_of(web), "vera")
    assert review(viewer, "JPN", {"state": "accepted"}).status_code == 403
    editor = signed_in(client_of(web), "eddie")
    assert editor.post("/economies/JPN/review", data={"year": "2009", "state": "accepted"}).status_code == 403
    refused = review(editor, "NZL", {"state": "accepted"})
    assert refused.status_code == 409 and "NZL has no return for 2009 to review" in refused.text
    assert review(editor, "JPN", {"state": "changes_requested"}).status_code == 409
    with store.transaction() as session:
        assert reviews.not_accepted(session, 2009) == [("JPN", "received"), ("PER", "received")]
    accepted = review(editor, "JPN", {"state": "accepted", "page": "return"}, "/economies/JPN/return?year=2009")
    assert accepted.headers["location"] == "/economies/JPN/return?year=2009#review"
    assert "Review: accepted" in editor.get("/economies/JPN/return?year=2009").text


def test_the_round_page_says_when_a_year_has_no_round_and_counts_returns_one_way(web, tracker):
    tracker("record", "JPN", "LC02-1", "--year", "2007", "--status", "implemented")
    signed_in(web, "vera")
    data = web.get("/.json?year=2007").json()
    assert data["round_status"]["totals"]["returned"] == data["summary"]["region"]["economies_returned"] == 1
    page = web.get("/?year=2007").text
    assert "There is no 2007 round: it was never opened" in page and "answers on record" in page


def test_the_reports_returns_sheet_shows_each_review(tracker, returned_2009, tmp_path):
    tracker("returns", "accept", "JPN", "--year", "2009")
    tracker("returns", "request-changes", "PER", "--year", "2009", "--note", "Evidence, please.")
    tracker("report", "--year", "2009", "--out", str(tmp_path / "progress-2009.xlsx"))
    sheet = load_workbook(tmp_path / "progress-2009.xlsx", read_only=True)["Returns"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(row for row in rows if row[0] == "Economy code")
    review = {row[0]: row[header.index("Review")] for row in rows[rows.index(header) + 1:] if row[1]}
    assert (review["JPN"], review["PER"], review["NZL"]) == ("Accepted", "Changes requested", None)
