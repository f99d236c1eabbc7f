"""The second version of the built-in catalogue (2002-2011), loaded over a database of the first
with years of answers: every answer kept, and `catalog diff` says exactly what changes."""

import json

import pytest

from tracker.catalogue import built_in_path

SECOND = built_in_path().with_name("apec-cyber-2002-2011.catalogue")
YEARS = (2006, 2007, 2008, 2009)


@pytest.fixture
def answered(tracker):
    """A database of the first version with answers in 2006-2009 (on the items the second version
    rewords and retires among them), 2008 closed."""
    for year, ref, status in [(2006, "LC02-1", "planned"), (2007, "LC02-1", "in_progress"),
                              (2008, "LC02-1", "implemented"), (2008, "T7-1", "partial"),
                              (2008, "T7-2", "in_progress"), (2009, "T7-1", "implemented"),
                              (2009, "T7-2", "implemented"), (2009, "AMM05-1", "not_applicable")]:
        tracker("record", "USA", ref, "--year", str(year), "--status", status, "--measures", f"{ref} in {year}")
    tracker("record", "JPN", "T7-2", "--year", "2009", "--status", "planned")
    tracker("round", "close", "2008", "--force")
    return tracker


def checklists(tracker) -> dict:
    return {(economy, year): json.loads(tracker("show", economy, "--year", str(year), "--json").output)
            for economy in ("USA", "JPN") for year in YEARS}


def refs(tracker, year: int) -> list[str]:
    return [row["ref"] for row in json.loads(tracker("catalog", "list", "--year", str(year), "--json").output)]


def test_diff_shows_exactly_what_the_second_version_changes(answered):
    output = answered("catalog", "diff", str(SECOND)).output
    assert output.splitlines() == [
        f"Loading {SECOND} (apec-cyber@2026.3) would change:",
        "  catalogue title: APEC cyber-security commitments 2001-2008 -> APEC cyber-security commitments 2001-2011",
        "  catalogue subject: How far APEC member economies have implemented the cyber-security commitments of "
        "their leaders and ministers, 2001 to 2008 -> How far APEC member economies have implemented the "
        "cyber-security commitments of their leaders and ministers, 2001 to 2011",
        "  added: 4  T8-1, AD10-1, CEG11-1, CEG11-2",
        "  retired: 1  T7-2",
        "  reworded: 1  T7-1",
        "  otherwise updated: 0",
        "  unchanged: 24",
        "  added instrument TELMIN8-2010",
        "  added instrument AWARENESS-DAY-2010",
        "  added instrument SPSG-CEG-2011",
    ]
    assert refs(answered, 2010) == refs(answered, 2009), "a diff changes nothing"


def test_loading_it_keeps_every_answer_and_changes_only_the_later_years(answered):
    before = checklists(answered)
    items_2009 = refs(answered, 2009)
    answered("catalog", "load", str(SECOND))
    assert checklists(answered) == before
    assert refs(answered, 2009) == items_2009
    assert refs(answered, 2010) == [ref for ref in items_2009 if ref != "T7-2"] + ["T8-1", "AD10-1"]
    assert refs(answered, 2011) == refs(answered, 2010) + ["CEG11-1", "CEG11-2"]
    wordings = json.loads(answered("catalog", "show", "T7-1", "--json").output)["wordings"]
    assert [(w["from_year"], w["text"].split(" to ")[-1]) for w in wordings] == [
        (2008, "support a safe and trusted ICT environment."),
        (2010, "promote a safe and trusted ICT environment, the priority of the TEL Strategic Action Plan 2010-2015.")]
    history = answered("history", "USA", "--json").output
    assert len(json.loads(history)) == 16, "every change of the answers is still in the history, none added"
    assert "Nothing: it is already loaded." in answered("catalog", "diff", str(SECOND)).output
    assert "kept: it is newer than the one built in" in answered("init").output


def test_every_new_text_is_a_summary_with_its_first_year(answered):
    answered("catalog", "load", str(SECOND))
    shown = {ref: json.loads(answered("catalog", "show", ref, "--json").output)
             for ref in ("T8-1", "AD10-1", "CEG11-1", "CEG11-2")}
    assert {ref: (item["text_kind"], item["first_year"]) for ref, item in shown.items()} == {
        "T8-1": ("summary", 2010), "AD10-1": ("summary", 2010), "CEG11-1": ("summary", 2011),
        "CEG11-2": ("summary", 2011)}
