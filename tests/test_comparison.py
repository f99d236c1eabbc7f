"""Like-for-like change on a story whose catalogue grows and retires a commitment and whose
returning economies change; every expected figure is worked out here from the recorded statuses."""

import json

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
    assert "1 economy returned in 2012 but not in 2011" in text and "1 economy returned in 2011 but not in 2012" in text
    assert f"1 commitment new in 2012: {100 * added:.1f}% implemented" in text
