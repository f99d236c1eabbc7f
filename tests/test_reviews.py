"""The review of each return, on both databases: received, then accepted or changes requested with
notes (whole return and per item), "received" again after the next import, kept in the history,
shown by `round status`, and `round close` refused while returns are not accepted."""

from __future__ import annotations

import json

import pytest

from formtools import fill
from tracker import reviews


@pytest.fixture
def returned_2009(tracker, tmp_path):
    """The 2009 round: Japan and Peru returned their forms; New Zealand had a form and sent nothing."""
    tracker("form", "--year", "2009", "--out", str(tmp_path / "out"), "--economy", "JPN", "--economy", "PER",
            "--economy", "NZL")
    forms = {code: tmp_path / "out" / f"{code}-2009.xlsx" for code in ("JPN", "PER", "NZL")}
    fill(forms["JPN"], {"LC02-1": {"Status": "Implemented"}})
    fill(forms["PER"], {"LC02-1": {"Status": "Planned"}})
    tracker("import", str(forms["JPN"]), str(forms["PER"]))
    return forms


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
    assert "review" in history and "Name the law adopted." in history


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
