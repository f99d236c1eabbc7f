"""Who publishes the report: set once per database, defaults from the catalogue."""

import json

import pytest

from tracker import catalogue
from tracker.errors import Refused
from tracker.models import Item
from tracker.publication import Publication, publication_for, publication_settings, reset_publication, set_publication

OWN_CATALOGUE = """\
[catalogue]
code: own-cat
title: Our own commitments
version: 1
report-title: Our progress in {year}
publisher: The Treaty Secretariat

[instrument OI-1]
title: Our instrument
body: Our members

[item OX-1]
instrument: OI-1
category: Legal framework
short-title: A law
text-kind: summary
text: Enact a law.
first-year: 2010
"""


def test_the_apec_catalogue_names_the_report_and_its_publisher(store):
    with store.transaction() as session:
        published = publication_for(session, 2008)
        short_titles = [item.short_title for item in catalogue.items_for(session)]
    assert published.title == "APEC cyber-security commitments: progress report 2008"
    assert "Security and Prosperity Steering Group" in published.publisher
    assert "APEC Telecommunications and Information Working Group" in published.publisher
    assert published.subject.startswith("How far APEC member economies have implemented")
    assert published.foreword == ""
    assert all(short_titles) and max(len(title) for title in short_titles) <= 40


def test_values_set_override_the_catalogue_and_reset_brings_it_back(store):
    with store.transaction() as session:
        set_publication(session, {"title": "Cyber commitments in {year}", "foreword": "Dear reader,\nthank you.",
                                  "publisher": None})
    with store.transaction() as session:
        assert publication_for(session, 2009) == Publication(
            "Cyber commitments in 2009", publication_for(session, 2009).subject,
            publication_for(session, 2009).publisher, "Dear reader,\nthank you.")
        sources = {row["field"]: row["source"] for row in publication_settings(session)}
        assert sources == {"title": "set", "subject": "catalogue apec-cyber", "publisher": "catalogue apec-cyber",
                           "foreword": "set"}
        reset_publication(session, ["title"])
    with store.transaction() as session:
        assert publication_for(session, 2009).title == "APEC cyber-security commitments: progress report 2009"
        assert publication_for(session, 2009).foreword == "Dear reader,\nthank you."
        reset_publication(session, [])
        assert publication_for(session, 2009).foreword == ""


def test_a_value_equal_to_the_default_keeps_following_the_catalogue(store):
    with store.transaction() as session:
        default = publication_settings(session)[0]["value"]
        rows = set_publication(session, {"title": default})
    assert rows[0] == {"field": "title", "limit": 200, "value": default, "source": "catalogue apec-cyber"}


@pytest.mark.parametrize("values, problem", [
    ({"title": "  "}, "cannot be blank"),
    ({"title": "Two\nlines"}, "line break"),
    ({"publisher": "x" * 201}, "at most 200"),
    ({"subject": "bad \u202e text"}, "bidirectional formatting character"),
    ({"colour": "red"}, "Unknown publication field"),
])
def test_bad_values_are_refused_and_nothing_is_stored(store, values, problem):
    with store.transaction() as session:
        with pytest.raises(Refused, match=problem):
            set_publication(session, {"foreword": "kept?"} | values)
        assert publication_for(session, 2008).foreword == ""


def test_a_catalogue_file_proposes_title_and_publisher_and_gives_short_titles(tmp_path, target):
    from tracker.store import Store

    store = Store(target)
    store.upgrade()
    path = tmp_path / "own.catalogue"
    path.write_text(OWN_CATALOGUE)
    with store.transaction() as session:
        catalogue.load_catalogue(session, path)
    with store.transaction() as session:
        assert publication_for(session, 2011) == Publication(
            "Our progress in 2011", "Our own commitments", "The Treaty Secretariat", "")
        assert [item.short_title for item in session.query(Item)] == ["A law"]
    store.engine.dispose()


def test_a_short_title_longer_than_a_chart_label_is_refused(tmp_path):
    with pytest.raises(Refused, match="short-title .* at most 64 characters"):
        catalogue.parse_catalogue(OWN_CATALOGUE.replace("short-title: A law", "short-title: " + "x" * 65), "own")


def test_the_command_shows_sets_and_resets(tracker):
    shown = tracker("publication", "show", "--year", "2008").output
    assert "Title (from the catalogue apec-cyber):\n  APEC cyber-security commitments: progress report 2008" in shown
    assert "Foreword (default):\n  (blank)" in shown
    output = tracker("publication", "set", "--title", "Cyber commitments {year}", "--foreword", "-",
                     input="First line.\nSecond line.\n").output
    assert "Title (set in this database):\n  Cyber commitments {year}" in output
    assert "Foreword (set in this database):\n  First line.\n  Second line." in output
    [title, *_] = json.loads(tracker("publication", "show", "--year", "2010", "--json").output)
    assert title == {"field": "title", "limit": 200, "value": "Cyber commitments 2010", "source": "set"}
    tracker("publication", "reset", "--foreword")
    rows = json.loads(tracker("publication", "show", "--json").output)
    assert [row["source"] for row in rows] == ["set", "catalogue apec-cyber", "catalogue apec-cyber", "default"]
    tracker("publication", "reset")
    assert json.loads(tracker("publication", "show", "--json").output)[0]["source"] == "catalogue apec-cyber"


def test_the_command_refuses_with_a_message(tracker):
    assert "cannot be blank" in tracker("publication", "set", "--title", " ", expect=1).output
    assert "Give at least one of" in tracker("publication", "set", expect=2).output
