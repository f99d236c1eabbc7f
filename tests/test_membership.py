"""Economies: codes of 2 to 8 capitals or digits starting with a letter; one added by mistake is
removed while nothing refers to it; otherwise membership years, outside which it is on no form,
report, matrix or denominator (``rates.economies_for``), and its past stays."""

from __future__ import annotations

import json

import pytest

from tracker.rates import economies_for
from webtools import add_accounts, client, signed_in


@pytest.mark.parametrize("code", ["123", "1AB", "ABCDEFGHI", "A", "AB-1"])
def test_a_code_outside_the_rule_is_refused(tracker, code):
    result = tracker("economies", "add", code, "Mistake", expect=1)
    assert "use 2 to 8 capital letters or digits, starting with a letter, such as JPN" in result.output


def test_an_economy_nothing_refers_to_can_be_removed(tracker):
    tracker("economies", "add", "xy1", "Added by mistake")
    assert "XY1" in tracker("economies", "list").output
    assert "Removed XY1" in tracker("economies", "remove", "XY1").output
    assert "XY1" not in tracker("economies", "list").output


def test_an_economy_with_a_past_is_not_removed_but_can_leave(tracker, tmp_path, store):
    tracker("record", "PER", "LC02-1", "--year", "2008", "--status", "implemented")
    refused = tracker("economies", "remove", "PER", expect=1)
    assert "PER has entries on record, so it cannot be removed" in refused.output
    assert "tracker economies leave PER --from YEAR" in refused.output

    tracker("economies", "leave", "PER", "--from", "2009")
    codes = lambda year: {r["code"] for r in json.loads(tracker("summary", "--year", str(year), "--json").output)}
    assert "PER" in codes(2008) and "PER" not in codes(2009)
    assert "PER" not in {r["economy"] for r in json.loads(tracker("round", "status", "2009", "--json").output)}
    with store.transaction() as session:
        assert "PER" not in {e.code for e in economies_for(session, 2009)}
    wrote = tracker("form", "--year", "2009", "--out", str(tmp_path))
    assert "Wrote 20 forms" in wrote.output and not (tmp_path / "PER-2009.xlsx").exists()
    refused = tracker("form", "--year", "2009", "--economy", "PER", "--out", str(tmp_path), expect=1)
    assert "PER left in 2009, so it takes no part in 2009" in refused.output
    add_accounts(store)
    web = signed_in(client(store), "eddie")
    assert "PER" not in {e["code"] for e in web.get("/matrix.json?year=2009").json()["economies"]}
    assert "PER" in {e["code"] for e in web.get("/matrix.json?year=2008").json()["economies"]}
    history = json.loads(tracker("history", "PER", "--json").output)
    assert history and history[0]["new"] == "implemented"

    refused = tracker("economies", "join", "PER", "--from", "2011", expect=1)
    assert "one period of membership is kept" in refused.output
    tracker("economies", "join", "PER", "--from", "2009")  # the leaving taken back
    assert {"PER"} <= codes(2008) & codes(2009) & codes(2011)


def test_an_economy_joining_later_is_counted_from_that_year(tracker):
    tracker("economies", "add", "NEW1", "Newcomer")
    tracker("economies", "join", "NEW1", "--from", "2010")
    codes = lambda year: {r["code"] for r in json.loads(tracker("summary", "--year", str(year), "--json").output)}
    assert "NEW1" not in codes(2009) and "NEW1" in codes(2010)
    assert "(member 2010-)" in tracker("economies", "list").output


def test_economies_list_keeps_its_names_in_one_column_whatever_the_codes_length(tracker):
    tracker("economies", "add", "LONGCODE", "Eight letters")
    lines = tracker("economies", "list").output.splitlines()
    starts = {line.index(name) for line in lines for name in ("Eight letters", "Japan") if name in line}
    assert len(starts) == 1, lines
