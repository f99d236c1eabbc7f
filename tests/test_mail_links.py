"""Personal links on both databases: a link signs its economy's focal point into the online return
of its year and nowhere else, its saves are in the history as "web (link for JPN)", and it stops
working when revoked, replaced, expired or when the round closes."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from test_web_return import page_fields
from tracker import personal_links
from tracker.models import PersonalLink
from webtools import add_accounts, client, csrf_of, signed_in


@pytest.fixture
def round_2009(tracker):
    tracker("round", "open", "2009", "--due", "2009-03-31")
    tracker("round", "open", "2010", "--due", "2010-03-31")
    return tracker


def issue(tracker, code="JPN", *options) -> str:
    output = tracker("round", "link", "2009", code, *options).output
    return output.split()[0].rsplit("/", 1)[1]


def test_a_link_opens_its_economys_return_of_its_year_and_nothing_else(store, round_2009):
    token = issue(round_2009)
    web = client(store)
    response = web.get(f"/link/{token}")
    assert response.status_code == 303 and response.headers["location"] == "/economies/JPN/return?year=2009"
    assert web.get("/economies/JPN/return?year=2009").status_code == 200
    assert web.get("/economies/JPN/return.json?year=2009").json()["economy"] == "JPN"
    assert web.get("/economies/JPN/return").headers["location"] == "/economies/JPN/return?year=2009"
    for address in ("/economies/PER/return?year=2009", "/economies/JPN/return?year=2010", "/", "/economies/JPN",
                    "/economies/JPN?year=2009", "/history", "/imports", "/upload", "/users", "/mail",
                    "/economies/PER/return.json"):
        assert web.get(address).status_code == 403, address
    fields = page_fields(web.get("/economies/JPN/return?year=2009").text)
    assert web.post("/economies/JPN/return/save", data=fields | {"year": "2010"}).status_code == 403
    assert web.post("/economies/PER/return/save", data=fields).status_code == 403
    saved = web.post("/economies/JPN/return/save", data=fields | {"status:LC02-1": "implemented"})
    assert saved.status_code == 303
    history = json.loads(round_2009("history", "JPN", "--year", "2009", "--json").output)
    assert {h["source"] for h in history} == {"web (link for JPN)"}


def test_a_revoked_or_replaced_link_signs_nobody_in_and_ends_the_session(store, round_2009):
    token = issue(round_2009)
    web = client(store)
    web.get(f"/link/{token}")
    newer = issue(round_2009)
    assert web.get("/economies/JPN/return?year=2009").status_code == 303  # to the sign-in page
    assert client(store).get(f"/link/{token}").status_code == 403
    assert client(store).get(f"/link/{newer}").status_code == 303
    assert "Revoked 1 link of JPN" in round_2009("round", "link", "2009", "JPN", "--revoke").output
    refused = client(store).get(f"/link/{newer}")
    assert refused.status_code == 403 and "no longer works" in refused.text
    assert client(store).get("/link/not-a-token").status_code == 403


def test_a_link_ends_at_its_date_and_when_the_round_closes(store, round_2009):
    tomorrow = date.today() + timedelta(days=1)
    token = issue(round_2009, "JPN", "--expires", tomorrow.isoformat())
    hashed = personal_links.token_hash(token)
    with store.transaction() as session:
        assert personal_links.holder(session, hashed, datetime.combine(tomorrow, datetime.min.time())).economy == "JPN"
        assert personal_links.holder(session, hashed, datetime.combine(tomorrow + timedelta(days=1),
                                                                       datetime.min.time())) is None
    web = client(store)
    web.get(f"/link/{token}")
    round_2009("round", "close", "2009")
    assert web.get("/economies/JPN/return?year=2009").status_code == 303
    assert client(store).get(f"/link/{token}").status_code == 403
    assert "closed" in round_2009("round", "link", "2009", "JPN", expect=1).output


def test_a_link_of_a_closed_round_stays_ended_when_the_round_is_reopened(store, round_2009):
    before_close = issue(round_2009)
    round_2009("round", "close", "2009")
    round_2009("round", "reopen", "2009", "--reason", "Japan's late correction")
    refused = client(store).get(f"/link/{before_close}")
    assert refused.status_code == 403 and "no longer works" in refused.text
    after_reopen = issue(round_2009)
    assert client(store).get(f"/link/{after_reopen}").status_code == 303


def test_only_the_hash_is_kept_and_a_past_date_is_refused(store, round_2009):
    token = issue(round_2009)
    with store.transaction() as session:
        kept = list(session.scalars(select(PersonalLink.token_hash)))
    assert kept == [personal_links.token_hash(token)] and token not in kept
    assert "is past" in round_2009("round", "link", "2009", "JPN", "--expires", "2001-01-01", expect=1).output
    assert "no 2011 round" in round_2009("round", "link", "2011", "JPN", expect=1).output


def test_an_editor_issues_and_revokes_a_link_from_the_economys_page(store, round_2009):
    add_accounts(store)
    web = signed_in(client(store), "eddie")
    page = web.get("/economies/JPN?year=2009").text
    issued = web.post("/economies/JPN/link", data={"year": "2009", "action": "issue", "csrf": csrf_of(page)})
    address = re.search(r"http://testserver/link/[\w-]+", issued.text).group(0)
    focal = client(store)
    assert focal.get(address.removeprefix("http://testserver")).status_code == 303
    revoked = web.post("/economies/JPN/link", data={"year": "2009", "action": "revoke", "csrf": csrf_of(page)})
    assert "Revoked 1 link of JPN" in revoked.text
    assert focal.get("/economies/JPN/return?year=2009").status_code == 303
    fumiko = signed_in(client(store), "fumiko")
    assert fumiko.post("/economies/JPN/link", data={"year": "2009", "action": "issue",
                                                   "csrf": csrf_of(fumiko.get("/economies/JPN?year=2009").text)}
                       ).status_code == 403
