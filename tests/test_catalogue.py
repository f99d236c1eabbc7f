"""The catalogue file format and loading it."""

import json

import pytest
from sqlalchemy import func, select

from tracker import catalogue
from tracker.errors import Refused
from tracker.models import Entry, Instrument, Item

SMALL = """\
[catalogue]
code: test-cat
title: A test catalogue
version: 1

[instrument TI-1]
title: Test Instrument
body: Test Ministers
adopted: 2010-05

[item TX-1]
instrument: TI-1
category: Legal framework
text-kind: verbatim
text: Enact a law
  by the end of 2011.
deadline: 2011-12
first-year: 2010

[item TX-2]
instrument: TI-1
category: Awareness
text-kind: summary
text: Raise awareness.
first-year: 2011
retired-year: 2013
"""


def test_built_in_catalogue_has_every_instrument_and_marks_text_kinds():
    parsed = catalogue.parse_catalogue(catalogue.built_in_path().read_text(), "built-in")
    codes = {i["code"] for i in parsed.instruments}
    assert codes == {
        "SHANGHAI-2001", "LOSCABOS-2002", "TELMIN5-2002", "CSS-2002", "AMM-2004",
        "SOM-2005", "TELMIN6-2005", "AMM-2005", "TELMIN7-2008",
    }
    by_ref = {i["ref"]: i for i in parsed.items}
    assert [r for r in by_ref if r.startswith("LC02")] == ["LC02-1", "LC02-2", "LC02-3", "LC02-4"]
    assert by_ref["LC02-1"]["text-kind"] == "verbatim"
    assert by_ref["LC02-1"]["deadline"].isoformat() == "2003-10-31"
    assert by_ref["LC02-1"]["text"].startswith("Endeavor to enact a comprehensive set of laws")
    assert {i["text-kind"] for i in parsed.items} == {"verbatim", "summary"}
    assert sum(1 for i in parsed.items if i["instrument"] == "TELMIN7-2008") == 6


def test_continuation_lines_join_the_text():
    parsed = catalogue.parse_catalogue(SMALL, "small.catalogue")
    assert parsed.items[0]["text"] == "Enact a law by the end of 2011."
    assert parsed.items[1]["retired-year"] == 2013


@pytest.mark.parametrize(
    "broken, message",
    [
        (SMALL.replace("text-kind: verbatim", "text-kind: exact"), "line 14: text-kind 'exact' is not verbatim or summary"),
        (SMALL.replace("first-year: 2010\n", ""), "line 11: [item TX-1] lacks 'first-year'"),
        (SMALL.replace("deadline: 2011-12", "deadline: 2011-13"), "line 17: deadline '2011-13' is not a real date"),
        (SMALL.replace("instrument: TI-1\ncategory: Awareness", "instrument: TI-9\ncategory: Awareness"),
         "names instrument 'TI-9'"),
        (SMALL.replace("[item TX-2]", "[item TX-1]"), "[item TX-1] appears twice"),
        (SMALL.replace("body: Test Ministers", "bodie: Test Ministers"), "line 8: unknown key 'bodie'"),
        (SMALL.replace("[catalogue]\n", ""), "line 1: expected a [section] header"),
        (SMALL + "\nnonsense here\n", "line 28: expected a [section] header"),
    ],
)
def test_malformed_file_is_refused_with_file_and_line(broken, message):
    with pytest.raises(Refused) as caught:
        catalogue.parse_catalogue(broken, "mine.catalogue")
    assert "mine.catalogue" in str(caught.value)
    assert message in str(caught.value)


def test_loading_is_idempotent_and_updates_by_ref_without_touching_progress(store, tmp_path, tracker):
    path = tmp_path / "mine.catalogue"
    path.write_text(SMALL)
    first = tracker("catalog", "load", str(path))
    assert "items 2 added" in first.output and "1 instruments added" in first.output
    tracker("record", "AUS", "tx-1", "--year", "2011", "--status", "planned")
    assert "Nothing to do" in tracker("catalog", "load", str(path)).output

    path.write_text(SMALL.replace("Raise awareness.", "Raise public awareness.\ntext-from: 2012").replace("[item TX-1]", "[item TX-0]\ninstrument: TI-1\ncategory: X\ntext-kind: summary\ntext: New.\nfirst-year: 2012\n\n[item TX-1]"))
    again = tracker("catalog", "load", str(path)).output
    assert "items 1 added, 0 updated, 1 reworded" in again and "reworded TX-2" in again and "added TX-0" in again
    with store.transaction() as session:
        assert session.scalar(select(Item.text).where(Item.ref == "TX-2")) == "Raise public awareness."
        assert session.scalar(select(func.count()).select_from(Entry)) == 1
        assert session.scalar(select(Entry.status)) == "planned"
    shown = json.loads(tracker("catalog", "list", "--year", "2013", "--json").output)
    refs = [row["ref"] for row in shown]
    assert "TX-0" in refs and "TX-1" in refs and "TX-2" not in refs


def test_malformed_file_changes_nothing(store, tmp_path, tracker):
    path = tmp_path / "bad.catalogue"
    path.write_text(SMALL.replace("first-year: 2011", "first-year: soon"))
    result = tracker("catalog", "load", str(path), expect=1)
    assert "bad.catalogue, line 25: first-year 'soon' is not a year" in result.output
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Instrument).where(Instrument.code == "TI-1")) == 0


def test_missing_catalogue_file_is_a_message(tracker, tmp_path):
    result = tracker("catalog", "load", str(tmp_path / "nowhere.catalogue"), expect=1)
    assert "There is no file" in result.output


def test_refs_of_another_catalogue_are_not_taken_over(tracker, tmp_path):
    path = tmp_path / "clash.catalogue"
    path.write_text(SMALL.replace("[item TX-1]", "[item LC02-1]"))
    assert "belong to another catalogue" in tracker("catalog", "load", str(path), expect=1).output


def test_catalog_list_and_show(tracker):
    rows = json.loads(tracker("catalog", "list", "--json").output)
    assert len(rows) == 26
    assert {"ref", "instrument", "text", "deadline"} <= set(rows[0])
    loscabos = next(r for r in rows if r["ref"] == "LC02-1")
    assert loscabos["deadline"] == "2003-10-31"
    assert loscabos["instrument"] == "APEC Leaders' Statement on Fighting Terrorism and Promoting Growth"
    assert "Los Cabos, Mexico" in tracker("catalog", "show", "lc02-1").output
    assert "Did you mean LC02-1" in tracker("catalog", "show", "LC021", expect=1).output
