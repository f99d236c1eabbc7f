"""The browser's Publication page: an administrator sees and sets who publishes the report."""

from __future__ import annotations

import json

import pytest

from webtools import add_accounts, client, csrf_of, signed_in

HOSTILE = '<script>alert("owned")</script> & {year}'


@pytest.fixture
def web(store):
    add_accounts(store)
    return client(store)


def _form(page: str) -> dict:
    return {"csrf": csrf_of(page), "title": "Progress {year}", "subject": "", "publisher": "", "foreword": ""}


def test_an_administrator_sets_the_publication_and_sees_it_escaped(web, tracker):
    admin = signed_in(web, "ada")
    page = admin.get("/publication").text
    assert "APEC cyber-security commitments: progress report {year}" in page
    assert "As the catalogue apec-cyber proposes." in page and 'href="/publication">Publication' in page
    for long in ("subject", "publisher"):  # up to 400 and 200 characters: read whole, not cut at a line's end
        assert f'<textarea id="publication-{long}" name="{long}"' in page
    assert "None yet: the report prints no foreword until one is written here." in page
    response = admin.post("/publication", data=_form(page) | {"publisher": HOSTILE, "foreword": "Dear reader,\nhello."})
    assert (response.status_code, response.headers["location"]) == (303, "/publication?saved=1")
    page = admin.get("/publication?saved=1").text
    assert "Saved." in page and HOSTILE not in page
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; &amp; {year}" in page
    assert admin.get("/publication.json").json() == json.loads(tracker("publication", "show", "--json").output)
    shown = tracker("publication", "show", "--year", "2008").output
    assert "Title (set in this database):\n  Progress 2008" in shown
    assert "Subject (set in this database):\n  (blank)" in shown
    assert '<script>alert("owned")</script> & 2008' in shown and "Dear reader,\n  hello." in shown


def test_a_refused_value_keeps_what_was_typed_and_saves_nothing(web, tracker):
    admin = signed_in(web, "ada")
    page = admin.get("/publication").text
    response = admin.post("/publication", data=_form(page) | {"title": " ", "foreword": "Kept as typed"})
    assert response.status_code == 400
    assert "The title cannot be blank" in response.text and "Nothing was saved." in response.text
    assert ">Kept as typed</textarea>" in response.text
    assert [row["source"] for row in admin.get("/publication.json").json()] == [
        "catalogue apec-cyber", "catalogue apec-cyber", "catalogue apec-cyber", "default"]


def test_the_reset_button_brings_the_catalogue_back(web, tracker):
    tracker("publication", "set", "--title", "Our own {year}")
    admin = signed_in(web, "ada")
    page = admin.get("/publication").text
    assert 'action="/publication/reset"' in page and "Reset the title to its default" in page
    assert "Reset the subject" not in page
    response = admin.post("/publication/reset", data={"csrf": csrf_of(page), "field": "title"})
    assert response.status_code == 303
    assert admin.get("/publication.json").json()[0]["source"] == "catalogue apec-cyber"
    assert admin.post("/publication/reset", data={"csrf": csrf_of(page), "field": "colour"}).status_code == 400


@pytest.mark.parametrize("name", ["eddie", "vera", "fumiko"])
def test_only_an_administrator_sees_or_sets_it(web, tracker, name):
    browser = signed_in(web, name)
    assert browser.get("/publication").status_code == 403
    assert browser.get("/publication.json").status_code == 403
    assert 'href="/publication"' not in browser.get("/history").text
    token = csrf_of(browser.get("/history").text)
    response = browser.post("/publication", data={"csrf": token, "title": "Taken over {year}"})
    assert response.status_code == 403
    assert browser.post("/publication/reset", data={"csrf": token, "field": "title"}).status_code == 403
    assert "Taken over" not in tracker("publication", "show").output


def test_a_change_without_the_form_token_is_refused(web, tracker):
    admin = signed_in(web, "ada")
    response = admin.post("/publication", data={"title": "No token {year}"})
    assert response.status_code == 403
    assert "No token" not in tracker("publication", "show").output
