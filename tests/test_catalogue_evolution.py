"""A catalogue that evolves: items added, retired and reworded, answers kept, closed years protected."""

import json

import pytest
from openpyxl import load_workbook

from formtools import snapshot
from tracker.workbook.layout import FORM_SHEET, HEADER_ROW

V1 = """\
[catalogue]
code: evolving
title: An evolving catalogue
version: 1

[instrument EV-1]
title: Evolving Instrument
body: Test Ministers

[instrument EV-2]
title: Another Instrument
body: Test Leaders

[item EV-A]
instrument: EV-1
category: Legal framework
text-kind: summary
text: Study cybercrime laws.
first-year: 2010

[item EV-B]
instrument: EV-1
category: Awareness
text-kind: summary
text: Hold an awareness day.
first-year: 2010
"""

REWORDED = "Enact comprehensive cybercrime laws."
V2 = (
    V1.replace("version: 1", "version: 2")
    .replace("text: Study cybercrime laws.", f"text: {REWORDED}\ntext-from: 2012")
    .replace("text: Hold an awareness day.\nfirst-year: 2010", "text: Hold an awareness day.\nfirst-year: 2010\nretired-year: 2012")
    + "\n[item EV-C]\ninstrument: EV-2\ncategory: Capacity\ntext-kind: summary\n"
      "text: Strengthen capacity to detect and prosecute cybercrime.\nfirst-year: 2012\n"
)


@pytest.fixture
def evolving(tracker, tmp_path):
    v1 = tmp_path / "v1.catalogue"
    v1.write_text(V1)
    tracker("catalog", "load", str(v1))
    tracker("record", "JPN", "EV-A", "--year", "2010", "--status", "planned")
    tracker("record", "JPN", "EV-A", "--year", "2011", "--status", "in_progress", "--measures", "Bill drafted")
    tracker("record", "JPN", "EV-B", "--year", "2011", "--status", "implemented")
    v2 = tmp_path / "v2.catalogue"
    v2.write_text(V2)
    return v2


def form_texts(tracker, tmp_path, year):
    tracker("form", "--year", str(year), "--economy", "JPN", "--out", str(tmp_path / "forms"))
    ws = load_workbook(tmp_path / "forms" / f"JPN-{year}.xlsx")[FORM_SHEET]
    return {row[0]: row[2] for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if row[0]}


def report_texts(tracker, tmp_path, year):
    path = tmp_path / f"report-{year}.xlsx"
    tracker("report", "--year", str(year), "--out", str(path))
    ws = load_workbook(path)["Commitments"]
    return {row[0]: row[1].removesuffix(f" (new in {year})") for row in ws.iter_rows(min_row=2, values_only=True)
            if row[0] and row[1]}


def refs(tracker, year):
    return [row["ref"] for row in json.loads(tracker("catalog", "list", "--year", str(year), "--json").output)]


def test_diff_shows_the_changes_without_making_them(evolving, tracker, store):
    before = snapshot(store)
    output = tracker("catalog", "diff", str(evolving)).output
    assert "added: 1  EV-C" in output
    assert "retired: 1  EV-B" in output
    assert "reworded: 1  EV-A" in output
    assert "unchanged: 0" in output
    assert snapshot(store) == before
    assert "Nothing: it is already loaded" in tracker("catalog", "diff", str(evolving.with_name("v1.catalogue"))).output


def test_reworded_item_keeps_its_answers_and_shows_the_wording_of_each_year(evolving, tracker, tmp_path):
    tracker("catalog", "load", str(evolving))
    assert "Nothing to do" in tracker("catalog", "load", str(evolving)).output
    show = {r["ref"]: r for r in json.loads(tracker("show", "JPN", "--year", "2011", "--json").output)}
    assert (show["EV-A"]["status"], show["EV-A"]["measures"]) == ("in_progress", "Bill drafted")

    listed = {r["ref"]: r["text"] for r in json.loads(tracker("catalog", "list", "--year", "2011", "--json").output)}
    assert listed["EV-A"] == "Study cybercrime laws."
    shown = tracker("catalog", "show", "EV-A").output
    assert "from 2010: Study cybercrime laws." in shown and f"from 2012: {REWORDED}" in shown
    assert form_texts(tracker, tmp_path, 2011)["EV-A"] == "Study cybercrime laws."
    assert form_texts(tracker, tmp_path, 2012)["EV-A"] == REWORDED
    assert report_texts(tracker, tmp_path, 2011)["EV-A"] == "Study cybercrime laws."
    assert report_texts(tracker, tmp_path, 2012)["EV-A"] == f"{REWORDED} (reworded in 2012)"
    for year, wording in ((2011, "Study cybercrime laws."), (2012, REWORDED)):
        shown_text = tracker("show", "JPN", "--year", str(year)).output
        assert wording in shown_text, f"tracker show {year} gives that year's wording"
    assert "Study cybercrime laws." not in report_texts(tracker, tmp_path, 2013).values()


def test_retired_item_leaves_the_denominator_from_its_retired_year(evolving, tracker, tmp_path):
    tracker("catalog", "load", str(evolving))
    assert {"EV-A", "EV-B"} <= set(refs(tracker, 2011)) and "EV-C" not in refs(tracker, 2011)
    assert {"EV-A", "EV-C"} <= set(refs(tracker, 2012)) and "EV-B" not in refs(tracker, 2012)
    assert "EV-B" not in form_texts(tracker, tmp_path, 2012)

    tracker("record", "JPN", "EV-A", "--year", "2012", "--status", "implemented")
    for year in (2011, 2012):
        [jpn] = [r for r in json.loads(tracker("summary", "--year", str(year), "--json").output) if r["code"] == "JPN"]
        assert jpn["applicable"] == len(refs(tracker, year))
        assert jpn["implementation_rate"] == pytest.approx(1 / len(refs(tracker, year)))
    # The retired item's answer stays, and still counts in the year it applied.
    assert json.loads(tracker("history", "JPN", "EV-B", "--json").output)[0]["new"] == "implemented"
    path = tmp_path / "r2011.xlsx"
    tracker("report", "--year", "2011", "--out", str(path))
    ws = load_workbook(path)["Matrix"]
    header = next(row for row in ws.iter_rows(values_only=True) if row[0] == "Ref")
    retired = next(row for row in ws.iter_rows(values_only=True) if row[0] == "EV-B")
    assert retired[header.index("JPN")] == "IM"  # the Matrix shows the two-letter code of Implemented
    assert "does not apply in 2012" in tracker("record", "JPN", "EV-B", "--year", "2012", "--status", "planned",
                                               expect=1).output


def test_refusals_name_the_item_and_change_nothing(evolving, tracker, store, tmp_path):
    before = snapshot(store)
    bad = tmp_path / "bad.catalogue"
    bad.write_text(V2.replace("text-from: 2012\n", ""))
    result = tracker("catalog", "load", str(bad), expect=1).output
    assert "item EV-A: its text changed; add 'text-from: YEAR'" in result
    bad.write_text(V1.replace("[item EV-B]\ninstrument: EV-1", "[item EV-B]\ninstrument: EV-2"))
    result = tracker("catalog", "load", str(bad), expect=1).output
    assert "item EV-B: it belongs to instrument EV-1" in result and "never reused" in result
    assert snapshot(store) == before


def test_a_closed_year_refuses_catalogue_changes_that_would_alter_it(evolving, tracker, store, tmp_path):
    tracker("round", "close", "2012")
    before = snapshot(store)
    result = tracker("catalog", "load", str(evolving), expect=1).output
    assert "item EV-A: this change would alter what the closed round 2012 shows" in result
    assert "item EV-B" in result and "item EV-C" in result
    assert 'tracker round reopen 2012 --reason' in result
    assert snapshot(store) == before

    later = tmp_path / "later.catalogue"
    later.write_text(V1.replace("text: Study cybercrime laws.", f"text: {REWORDED}\ntext-from: 2013"))
    assert "reworded EV-A" in tracker("catalog", "load", str(later)).output
    assert form_texts(tracker, tmp_path, 2013)["EV-A"] == REWORDED
    assert report_texts(tracker, tmp_path, 2012)["EV-A"] == "Study cybercrime laws."


def test_last_reported_status_says_when_it_answered_an_earlier_wording(evolving, tracker, store, tmp_path):
    """EV-A's last status (2011) answered "Study cybercrime laws.", reworded from 2012: the 2012 form
    and online return say so, as they do not for a status given under this year's wording."""
    tracker("catalog", "load", str(evolving))
    tracker("round", "open", "2012")
    tracker("form", "--year", "2012", "--economy", "JPN", "--out", str(tmp_path / "forms"))
    ws = load_workbook(tmp_path / "forms" / "JPN-2012.xlsx")[FORM_SHEET]
    shown = {row[0]: row[4] for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if row[0]}
    assert shown["EV-A"] == "In progress (2011; carried forward, under the 2010 wording)"
    from tracker.online_return import return_page

    online = {row["ref"]: row["last_reported"] for row in store.run(return_page, "JPN", 2012)["items"]}
    assert online["EV-A"] == shown["EV-A"]
    tracker("record", "JPN", "EV-A", "--year", "2012", "--status", "implemented")
    online = {row["ref"]: row["last_reported"] for row in store.run(return_page, "JPN", 2013)["items"]}
    assert online["EV-A"] == "Implemented (2012; carried forward)", "answered under the wording of 2013 too"
