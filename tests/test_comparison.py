"""Like-for-like change on a story whose catalogue grows and retires a commitment and whose
returning economies change; every expected figure is worked out here from the recorded statuses."""

import json
import re

import pytest

from test_catalogue_evolution import V1, V2

# (economy, ref, year) -> status. EV-A applies in both years, EV-B is retired in 2012, EV-C new in
# 2012; AUS and JPN return in both years, CAN only in 2011, CHL only in 2012.
STORY = {
    ("AUS", "EV-A", 2011): "planned", ("AUS", "EV-B", 2011): "implemented", ("AUS", "LC02-1", 2011): "partial",
    ("AUS", "EV-A", 2012): "implemented", ("AUS", "EV-C", 2012): "not_started", ("AUS", "LC02-1", 2012): "partial",
    ("JPN", "EV-A", 2011): "implemented", ("JPN", "LC02-2", 2011): "not_applicable",
    ("JPN", "EV-A", 2012): "implemented", ("JPN", "LC02-2", 2012): "not_applicable", ("JPN", "EV-C", 2012): "implemented",
    ("JPN", "LC02-3", 2012): "partial",
    ("CAN", "EV-A", 2011): "implemented", ("CAN", "EV-B", 2011): "implemented",
    ("CHL", "EV-C", 2012): "partial", ("CHL", "EV-A", 2012): "planned",
}


def rate(statuses, applicable):
    denominator = applicable - statuses.count("not_applicable")
    return (statuses.count("implemented") + 0.5 * statuses.count("partial")) / denominator


@pytest.fixture
def story(tracker, tmp_path):
    for number, text in ((1, V1), (2, V2)):
        path = tmp_path / f"v{number}.catalogue"
        path.write_text(text)
        tracker("catalog", "load", str(path))
    for (economy, ref, year), status in STORY.items():
        tracker("record", economy, ref, "--year", str(year), "--status", status)
    return tracker


def refs(tracker, year):
    return {row["ref"] for row in json.loads(tracker("catalog", "list", "--year", str(year), "--json").output)}


def expected(story):
    common = refs(story, 2011) & refs(story, 2012)
    assert refs(story, 2012) - common == {"EV-C"} and refs(story, 2011) - common == {"EV-B"}
    both = ("AUS", "JPN")

    def statuses(codes, year, items):
        return [s for (e, r, y), s in STORY.items() if e in codes and y == year and r in items]

    economies = {code: rate(statuses([code], 2012, common), len(common)) - rate(statuses([code], 2011, common), len(common))
                 for code in both}
    region = (rate(statuses(both, 2012, common), 2 * len(common)) - rate(statuses(both, 2011, common), 2 * len(common)))
    added = rate(statuses(("AUS", "JPN", "CHL"), 2012, {"EV-C"}), 3)
    return economies, region, added, len(common)


def test_summary_measures_change_like_for_like(story):
    economies, region, added, common = expected(story)
    rows = {row["code"]: row for row in json.loads(story("summary", "--year", "2012", "--json").output)}
    for code, change in economies.items():
        assert rows[code]["rate_change"] == pytest.approx(change), code
        assert rows[code]["rate_change_since"] == 2011
        assert f"the {common} commitments that applied in both 2011 and 2012" in rows[code]["rate_change_basis"]
    assert rows["CHL"]["rate_change"] is None, "no return in 2011: nothing like for like to compare"
    assert rows["CAN"]["rate_change"] is None and not rows["CAN"]["returned"]
    naive = rows["AUS"]["implementation_rate"] - rate([s for (e, _, y), s in STORY.items() if e == "AUS" and y == 2011],
                                                      common + 1)
    assert naive != pytest.approx(economies["AUS"]), "the story must tell like-for-like from a naive difference"

    text = story("summary", "--year", "2012").output
    assert f"{100 * region:+.1f} pp" in text.split("Region-wide")[1].splitlines()[0]
    assert "1 commitment added in 2012 (EV-C)" in text and "1 commitment retired after 2011 (EV-B)" in text
    assert "1 economy returned in 2012 but not in 2011 (CHL)" in text and "1 economy returned in 2011 but not in 2012 (CAN)" in text
    assert f"1 commitment new in 2012: {100 * added:.1f}% implemented" in text


def test_report_measures_change_like_for_like_and_its_findings_are_its_tables(story, tmp_path):
    from openpyxl import load_workbook

    economies, region, added, common = expected(story)
    path = tmp_path / "report.xlsx"
    story("report", "--year", "2012", "--out", str(path))
    wb = load_workbook(path)
    rows = [list(r) for r in wb["Economies"].iter_rows(min_row=2, values_only=True)]
    by_code = {r[0]: r for r in rows if r[0] and r[1]}
    for code, change in economies.items():
        assert by_code[code][11] == pytest.approx(100 * change, abs=0.05), code
    assert by_code["CHL"][11] is None and by_code["CAN"][12] == "No return"
    total = next(r for r in rows if r[0] is None and r[1])
    assert total[11] == pytest.approx(100 * region, abs=0.05)

    commitments = {r[0]: r for r in wb["Commitments"].iter_rows(min_row=2, values_only=True) if r[0] and r[1]}
    assert commitments["EV-C"][1].endswith("(new in 2012)") and commitments["EV-C"][11] is None
    assert commitments["EV-A"][11] == pytest.approx(100 * (1.0 - 0.5), abs=0.05), "AUS planned -> implemented, JPN implemented"
    assert "EV-B" not in commitments, "retired: no longer applies"

    findings = " ".join(str(r[0]) for r in wb["Key findings"].iter_rows(values_only=True) if r[0])
    assert f"changed by {100 * region:+.1f} pp" in findings
    assert f"1 commitment new in 2012: {100 * added:.1f}% implemented" in findings
    shown_percents = {f"{100 * v:.1f}%" for r in commitments.values() for v in r[10:11] if v is not None}
    shown_percents |= {f"{100 * total[9]:.1f}%", f"{100 * total[10]:.1f}%", f"{100 * added:.1f}%"}
    for figure in re.findall(r"\d+\.\d%", findings):
        assert figure in shown_percents, f"{figure} of the findings is in no table"
    assert re.findall(r"[+-]\d+\.\d pp", findings) == [f"{total[11]:+.1f} pp"]

    trend = " ".join(str(r[0]) for r in wb["Trend"].iter_rows(values_only=True) if r[0])
    assert ("Break between 2011 and 2012: 1 commitment added in 2012 (EV-C); 1 commitment retired after 2011 (EV-B); "
            "1 economy returned in 2012 but not in 2011 (CHL); 1 economy returned in 2011 but not in 2012 (CAN).") in trend.replace("  ", " ")
