"""The summary's figures, recomputed by hand in the test from the entries it recorded."""

import json

import pytest

STATUSES = {
    # economy: statuses for the first items of 2008, in catalogue order
    "AUS": ["implemented", "implemented", "partial", "not_applicable", "planned"],
    "CAN": ["partial", "partial", "not_started"],
    "CHL": ["not_applicable", "not_applicable"],
}


def test_summary_rates_match_the_formula(tracker):
    items = [row["ref"] for row in json.loads(tracker("catalog", "list", "--year", "2008", "--json").output)]
    applying = len(items)
    for code, statuses in STATUSES.items():
        for ref, status in zip(items, statuses):
            tracker("record", code, ref, "--year", "2008", "--status", status)
    tracker("record", "CHL", items[5], "--year", "2008", "--measures", "text only, no status")
    rows = {row["code"]: row for row in json.loads(tracker("summary", "--year", "2008", "--json").output)}

    assert len(rows) == 21
    assert rows["AUS"]["reported"] == 5
    assert rows["AUS"]["coverage"] == pytest.approx(5 / applying)
    assert rows["AUS"]["implementation_rate"] == pytest.approx((2 + 0.5) / (applying - 1))
    assert rows["CAN"]["implementation_rate"] == pytest.approx(1.0 / applying)
    assert rows["CHL"]["reported"] == 2
    assert rows["CHL"]["implementation_rate"] == pytest.approx(0 / (applying - 2))
    assert rows["JPN"] | {} == rows["JPN"] and rows["JPN"]["reported"] == 0
    assert rows["JPN"]["coverage"] is None and rows["JPN"]["implementation_rate"] is None, "no return, as the report says"
    assert not rows["JPN"]["returned"] and rows["AUS"]["returned"] and rows["CHL"]["returned"]

    text = tracker("summary", "--year", "2008").output
    japan = next(line for line in text.splitlines() if line.startswith("JPN"))
    assert "no return" in japan and "%" not in japan, "neither a coverage nor a rate without a return"
    assert "cover the 3 of 21 economies that returned" in text
    region_rate = (2.5 + 1.0) / (3 * applying - 1 - 2)  # only AUS, CAN and CHL returned
    assert f"{region_rate:.1%}" in text.split("Region-wide")[1].splitlines()[0]
    assert "Implementation rate = (implemented + ½ × partially implemented)" in text


def test_summary_only_counts_the_items_of_that_year(tracker):
    tracker("record", "AUS", "LC02-1", "--year", "2003", "--status", "implemented")
    tracker("record", "AUS", "LC02-1", "--year", "2008", "--status", "planned")
    rows = {row["code"]: row for row in json.loads(tracker("summary", "--year", "2003", "--json").output)}
    applying = len(json.loads(tracker("catalog", "list", "--year", "2003", "--json").output))
    assert applying == 12
    assert rows["AUS"]["implementation_rate"] == pytest.approx(1 / 12)
