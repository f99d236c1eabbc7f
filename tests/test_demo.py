"""The demo tells five years, and its figures say so: the rounds and who returned each year, the
wrong file undone, the round reopened, the catalogue's second version from 2010, the public facts
and the rates, worked out again here from the answers."""

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tracker.cli import cli
from tracker.demo import ABSENT, LATE, REOPEN_REASON, WRONG_FILE


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(cli, ["--db", str(folder / "unused.db"), "demo", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder, result.output


def tracker_json(demo, *args):
    result = CliRunner().invoke(cli, ["--db", str(demo[0] / "demo.db"), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def trend_rows(demo, year) -> dict[str, list]:
    """The report's Trend sheet: each row's figures by its label."""
    sheet = load_workbook(demo[0] / f"progress-{year}.xlsx", read_only=True)["Trend"]
    rows = [[value for value in row if value is not None] for row in sheet.iter_rows(values_only=True)]
    return {row[0]: row[1:] for row in rows if row and not isinstance(row[0], (int, float))}


def test_five_rounds_with_economies_returning_some_years_and_not_others(demo):
    rounds = {r["year"]: (r["state"], r["returned"], r["forms_issued"]) for r in tracker_json(demo, "round", "list")}
    assert rounds == {2006: ("closed", 15, 0), 2007: ("closed", 17, 0), 2008: ("closed", 16, 21),
                      2009: ("closed", 16, 0), 2010: ("open", 15, 21)}
    for year, absent in ABSENT.items():
        returned = {row["code"] for row in tracker_json(demo, "summary", "--year", str(year)) if row["returned"]}
        assert returned.isdisjoint(set(absent) - {LATE.get(year)}), year
        assert len(returned) == 21 - len(absent) + (year in LATE), year
    assert "PNG" not in {row["code"] for row in tracker_json(demo, "summary", "--year", "2008") if row["returned"]}
    assert "Reports: " in demo[1] and (demo[0] / "progress-2008.xlsx").exists() and (demo[0] / "progress-2010.xlsx").exists()


def test_the_wrong_file_is_undone_and_the_fresh_form_stands(demo):
    year, code = WRONG_FILE
    imports = [row for row in tracker_json(demo, "imports", "list") if row["economy"] == code and row["year"] == year]
    assert [(row["file"], row["undone"]) for row in imports] == [
        (f"{code}-{year}-draft.xlsx", True), (f"undo of import {imports[0]['id']}", False), (f"{code}-{year}.xlsx", False)]
    statuses = [row["status"] for row in tracker_json(demo, "show", code, "--year", str(year))]
    assert len(statuses) == 26 and None not in statuses
    assert statuses.count("implemented") < 26, "the draft's every 'Implemented' is gone"


def test_the_closed_round_was_reopened_with_its_reason_for_the_late_return(demo):
    events = [row["new"] for row in reversed(tracker_json(demo, "history", "--year", "2008")) if row["field"] == "round"]
    assert events == ["opened: due 2008-03-31", "closed", f"reopened: {REOPEN_REASON}", "closed"]
    late = [row for row in tracker_json(demo, "imports", "list") if row["economy"] == LATE[2008]]
    assert [(row["file"], row["year"]) for row in late] == [("PER-2008.xlsx", 2008), ("PER-2010.xlsx", 2010)]


def test_the_second_catalogue_applies_from_2010_with_its_breaks(demo):
    refs = {year: [row["ref"] for row in tracker_json(demo, "catalog", "list", "--year", str(year))] for year in (2009, 2010)}
    assert set(refs[2010]) - set(refs[2009]) == {"T8-1", "AD10-1"} and set(refs[2009]) - set(refs[2010]) == {"T7-2"}
    wordings = tracker_json(demo, "catalog", "show", "T7-1")["wordings"]
    assert [w["from_year"] for w in wordings] == [2008, 2010]
    trend = trend_rows(demo, 2010)
    assert trend["Economies that returned"] == [15, 17, 16, 16, 15]
    assert trend["Commitments that apply"] == [20, 20, 26, 26, 27]


def test_the_public_facts_of_the_cybercrime_convention(demo):
    def answer(code, year):
        return next(row for row in tracker_json(demo, "show", code, "--year", str(year)) if row["ref"] == "AMM05-1")
    assert answer("USA", 2006)["status"] == "partial" and "Ratified" in answer("USA", 2006)["measures"]
    assert answer("USA", 2010)["status"] == "implemented"
    for code in ("JPN", "CAN"):
        assert answer(code, 2010)["status"] == "in_progress"
        assert answer(code, 2010)["measures"].startswith("Signed the Convention on Cybercrime on 23 November 2001")


@pytest.mark.parametrize("year", [2008, 2010])
def test_rates_worked_out_again_from_the_answers(demo, year):
    summary = {row["code"]: row for row in tracker_json(demo, "summary", "--year", str(year))}
    done = applicable = 0
    for code, row in summary.items():
        if not row["returned"]:
            continue
        statuses = [answer["status"] for answer in tracker_json(demo, "show", code, "--year", str(year))]
        economy_done = statuses.count("implemented") + statuses.count("partial") / 2
        economy_applicable = len(statuses) - statuses.count("not_applicable")
        assert row["implementation_rate"] == pytest.approx(economy_done / economy_applicable), code
        done, applicable = done + economy_done, applicable + economy_applicable
    assert trend_rows(demo, year)["Region-wide"][-1] == pytest.approx(done / applicable, abs=0.0005)


def test_needs_and_offers_that_match_and_some_that_do_not(demo):
    by_ref = {c["ref"]: c for c in tracker_json(demo, "needs", "--year", "2010")["commitments"]}
    assert {ref: c["state"] for ref, c in by_ref.items()} == {
        "LC02-1": "matched", "LC02-3": "matched", "T5-2": "unmet", "CSS-3": "unasked"}
    # Thailand's need of 2008 is carried forward on its 2010 form and returned as it was.
    assert [s["code"] for s in by_ref["LC02-3"]["needs"]] == ["PNG", "THA"] and [s["code"] for s in by_ref["LC02-3"]["offers"]] == ["AUS"]
    assert tracker_json(demo, "needs", "--year", "2008")["totals"]["commitments_matched"] == 1


def test_check_finds_no_problem_in_the_demo_database(demo):
    """Five rounds of forms returned (many answers confirmed as carried forward), an import undone
    and kept reports: `tracker check` holds every one of them to its history."""
    result = tracker_json(demo, "check")
    assert result["problems"] == [] and result["imports"] > 20 and result["report_files"] == 5
