"""Capacity-building offers beside the needs, on both databases: carried by a form, a tidy table
and an old form without the column; and the matching of a year's needs with its offers, the same
in `tracker needs`, its page and JSON twin, and the report's Needs and offers sheet."""

from __future__ import annotations

import json

from openpyxl import Workbook, load_workbook

from formtools import fill
from tracker.workbook.layout import FORM_SHEET, HEADER_ROW
from webtools import add_accounts, client, signed_in

OFFERS = "Capacity-building offers"


def issued(tracker, tmp_path, economy="JPN", year=2008):
    tracker("form", "--year", str(year), "--economy", economy, "--out", str(tmp_path))
    return tmp_path / f"{economy}-{year}.xlsx"


def entries(tracker, economy, year=2008):
    return {r["ref"]: r for r in json.loads(tracker("show", economy, "--year", str(year), "--json").output)}


def test_a_form_carries_offers_into_the_entry_and_its_history(tracker, tmp_path):
    path = issued(tracker, tmp_path)
    fill(path, {"LC02-1": {"Status": "Implemented", "Capacity-building needs": "Judges' training",
                           OFFERS: "A forensics course\nfor investigators"}})
    assert "1 new" in tracker("import", str(path)).output
    assert entries(tracker, "JPN")["LC02-1"]["offers"] == "A forensics course\nfor investigators"
    history = json.loads(tracker("history", "JPN", "LC02-1", "--json").output)
    assert any(h["field"] == "offers" and h["new"] == "A forensics course\nfor investigators" for h in history)
    again = issued(tracker, tmp_path / "again", year=2009)  # prefilled with the latest answers
    rows = list(load_workbook(again)[FORM_SHEET].iter_rows(min_row=HEADER_ROW, values_only=True))
    by_title = dict(zip(rows[0], next(r for r in rows if r[0] == "LC02-1")))
    assert by_title[OFFERS] == "A forensics course\nfor investigators"


def test_a_form_made_before_the_offers_column_still_imports_and_leaves_offers_as_they_were(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--offers", "Kept as it was")
    path = issued(tracker, tmp_path)
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    column = next(c.column for c in ws[HEADER_ROW] if c.value == OFFERS)
    ws.delete_cols(column)
    wb.save(path)
    assert OFFERS not in [c.value for c in load_workbook(path)[FORM_SHEET][HEADER_ROW]]
    fill(path, {"LC02-1": {"Status": "Planned"}, "LC02-2": {"Status": "Implemented"}})
    result = tracker("import", str(path))
    assert "applied (form JPN 2008)" in result.output, result.output
    got = entries(tracker, "JPN")
    assert (got["LC02-1"]["status"], got["LC02-1"]["offers"]) == ("planned", "Kept as it was")
    assert got["LC02-2"]["status"] == "implemented" and got["LC02-2"]["offers"] is None


def test_a_tidy_table_carries_offers(tracker, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Economy code", "Year", "Ref", "Status", "Capacity-building needs", OFFERS])
    ws.append(["PER", 2008, "LC02-1", "Planned", "Drafting a cybercrime law", None])
    ws.append(["AUS", 2008, "LC02-1", "Implemented", None, "Help with drafting"])
    wb.save(tmp_path / "table.xlsx")
    assert "applied (table): 2 new" in tracker("import", str(tmp_path / "table.xlsx")).output
    assert entries(tracker, "AUS")["LC02-1"]["offers"] == "Help with drafting"
    assert entries(tracker, "PER")["LC02-1"]["needs"] == "Drafting a cybercrime law"


def tell_the_story(tracker):
    """2008: Peru and Chile need help on the laws, Japan offers it, Australia offers help on a
    commitment nobody asked about, Chile needs help where no one offers; Korea wrote an offer
    but sent no return (no status, no form), so it is not counted."""
    record = lambda economy, ref, *options: tracker("record", economy, ref, "--year", "2008", *options)
    record("PER", "LC02-1", "--status", "planned", "--needs", "Drafting a cybercrime law")
    record("CHL", "LC02-1", "--status", "in_progress", "--needs", "Training for prosecutors")
    record("CHL", "LC02-3", "--needs", "A CERT's first year")
    record("JPN", "LC02-1", "--status", "implemented", "--offers", "Drafting advice")
    record("AUS", "T7-1", "--status", "implemented", "--offers", "=Awareness material")
    record("KOR", "LC02-2", "--offers", "Written, never returned")
    record("JPN", "LC02-2", "--status", "implemented", "--needs", "  ")  # blank: nothing needed
    record("JPN", "LC02-1", "--year", "2007", "--status", "planned", "--offers", "An earlier year's offer")


def test_needs_are_matched_with_offers_from_the_economies_that_returned(tracker):
    tell_the_story(tracker)
    result = json.loads(tracker("needs", "--year", "2008", "--json").output)
    assert result["returned"] == ["AUS", "CHL", "JPN", "PER"]
    assert "KOR" in result["without_return"] and len(result["without_return"]) == 17
    assert [(c["ref"], c["state"], [(s["code"], s["text"]) for s in c["needs"]], [(s["code"], s["text"]) for s in c["offers"]])
            for c in result["commitments"]] == [
        ("LC02-1", "matched", [("CHL", "Training for prosecutors"), ("PER", "Drafting a cybercrime law")],
         [("JPN", "Drafting advice")]),
        ("LC02-3", "unmet", [("CHL", "A CERT's first year")], []),
        ("T7-1", "unasked", [], [("AUS", "=Awareness material")]),
    ]
    assert result["totals"] == {"needs": 3, "offers": 2, "economies_needing": 2, "economies_offering": 2,
                                "commitments_matched": 1, "commitments_unmet": 1, "commitments_unasked": 1}
    text = tracker("needs", "--year", "2008").output
    assert "LC02-1 (Needs and offers):" in text and "  offers JPN   Drafting advice" in text
    assert "Not counted, no return for 2008: BRN, CAN," in text and "KOR" in text.split("Not counted")[1]
    assert json.loads(tracker("needs", "--year", "2007", "--json").output)["commitments"][0]["offers"] == [
        {"code": "JPN", "name": "Japan", "text": "An earlier year's offer"}]
    assert "No checklist item applies in 1990" in tracker("needs", "--year", "1990", expect=1).output


def test_the_report_sheet_says_what_the_command_says(tracker, tmp_path):
    tell_the_story(tracker)
    command = json.loads(tracker("needs", "--year", "2008", "--json").output)
    tracker("report", "--year", "2008", "--out", str(tmp_path / "report.xlsx"))
    ws = load_workbook(tmp_path / "report.xlsx")["Needs and offers"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ("Ref", "Commitment", "Matching", "Needs (economy: what it needs)",
                       "Offers (economy: what it offers)")
    table = [r for r in rows[1:] if r[2]]
    assert table == [(c["ref"], c["commitment"], c["matching"],
                      "\n".join(f"{s['code']}: {s['text']}" for s in c["needs"]) or None,
                      "\n".join(f"{s['code']}: {s['text']}" for s in c["offers"]) or None)
                     for c in command["commitments"]]
    source = " ".join(r[0] for r in rows if r[0] and not r[2])
    sentence = tracker("needs", "--year", "2008").output.splitlines()[0]
    assert " ".join(sentence.split()) in " ".join(source.split())
    assert all(cell.data_type == "s" for row in ws.iter_rows() for cell in row if cell.value is not None
               and isinstance(cell.value, str))


def test_the_page_and_its_json_twin_show_the_matching(tracker, store):
    tell_the_story(tracker)
    tracker("record", "JPN", "LC02-3", "--year", "2008", "--offers", '<script>alert("owned")</script>')
    add_accounts(store)
    web = signed_in(client(store), "vera")
    data = web.get("/needs.json?year=2008").json()
    command = json.loads(tracker("needs", "--year", "2008", "--json").output)
    assert {k: v for k, v in data.items() if k != "sentence"} == command
    page = web.get("/needs?year=2008").text
    assert "<h2" in page and "Needs and offers" in page and "Drafting advice" in page
    assert '<script>alert("owned")' not in page and "&lt;script&gt;" in page
    assert "Not counted, no return for 2008" in page
    focal = signed_in(client(store), "fumiko")
    assert focal.get("/needs.json?year=2008").status_code == 403
    assert web.get("/needs.json?year=1990").status_code == 404
