"""Changes requested are e-mailed to the economy's contact point, against a real SMTP server
(aiosmtpd): from the command and from the browser, with the whole-return note, each item's note
with its ref and short title, and a fresh personal link that opens that economy's return; logged
as "changes requested". No mail set up, --no-mail, no address and a refused recipient each leave
the review recorded and say so."""

from __future__ import annotations

import html
import json
import re

import pytest

from formtools import fill
from mailtools import Mailbox, certificate, start
from webtools import add_accounts, client, csrf_of, signed_in

HOSTILE = '<b>bold</b> & "quoted" $note'
LINK = r"https://tracker\.example\.org/link/([\w-]{40,})"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def mailbox():
    return Mailbox(refused={"nobody@example.pe"})


def build_returned(tracker, folder):
    tracker("round", "open", "2009", "--due", "2009-03-31")
    tracker("form", "--year", "2009", "--out", str(folder / "out"), "--economy", "JPN", "--economy", "PER")
    fill(folder / "out" / "JPN-2009.xlsx", {"LC02-1": {"Status": "Implemented"}})
    fill(folder / "out" / "PER-2009.xlsx", {"LC02-1": {"Status": "Planned"}})
    tracker("import", str(folder / "out" / "JPN-2009.xlsx"), str(folder / "out" / "PER-2009.xlsx"))
    tracker("contact", "JPN", "--year", "2009", "--name", "Kenji Sato", "--email", "kenji@example.jp")


@pytest.fixture
def returned(tracker, set_up):
    """The 2009 round: Japan and Peru returned their forms; Japan's focal point has an address."""
    set_up(build_returned)
    return tracker


@pytest.fixture
def server(mailbox, tls_files, returned):
    cert, key = tls_files
    controller = start(mailbox, "none", cert, key)
    returned("mail", "set", "--host", "127.0.0.1", "--port", str(controller.port), "--security", "none",
             "--sender", "spsg@example.org", "--reply-to", "returns@example.org",
             "--web-address", "https://tracker.example.org")
    yield controller
    controller.stop()


def mail_log(tracker) -> list[dict]:
    return json.loads(tracker("mail", "log", "--year", "2009", "--json").output)


def review_state(tracker, code: str) -> str:
    rows = json.loads(tracker("round", "status", "2009", "--json").output)
    return next(row for row in rows if row["economy"] == code)["review"]["state"]


def test_the_command_mails_the_notes_and_a_link_that_opens_that_return(server, returned, mailbox, store):
    result = returned("returns", "request-changes", "JPN", "--year", "2009", "--note", HOSTILE,
                      "--item", "LC02-1", "Name the law adopted.")
    assert "now changes requested" in result.output
    assert "Changes requested of JPN, and e-mailed to kenji@example.jp (250" in result.output

    [message] = mailbox.to("kenji@example.jp")
    assert message["Subject"] == "Japan's 2009 return: changes requested"
    assert message["Reply-To"] == "returns@example.org"
    text = message.get_body(("plain",)).get_content()
    assert "Dear Kenji Sato" in text and HOSTILE in text
    assert re.search(r"- LC02-1 \S.*: Name the law adopted\.", text)
    page = message.get_body(("html",)).get_content()
    assert html.escape(HOSTILE) in page and HOSTILE not in page
    assert "<li><strong>LC02-1 " in page

    token = re.search(LINK, text).group(1)
    web = client(store)
    assert web.get(f"/link/{token}").headers["location"] == "/economies/JPN/return?year=2009"
    mine = web.get("/economies/JPN/return?year=2009").text
    assert "Review: changes requested" in mine and "Name the law adopted." in mine
    assert web.get("/economies/PER/return?year=2009").status_code == 403

    [row] = mail_log(returned)
    assert (row["kind"], row["economy"], row["to"], row["accepted"]) == ("changes requested", "JPN",
                                                                          "kenji@example.jp", True)
    assert row["subject"] == message["Subject"] and row["message_id"] == message["Message-ID"]

    # A second request is a second message, with a new link (the earlier one ends).
    returned("returns", "request-changes", "JPN", "--year", "2009", "--note", "And the date, please.")
    second = mailbox.to("kenji@example.jp")[1].get_body(("plain",)).get_content()
    assert "And the date, please." in second and "(no note on a single item)" in second
    assert client(store).get(f"/link/{token}").status_code == 403
    assert len(mail_log(returned)) == 2


def test_accepting_or_no_mail_sends_nothing(server, returned, mailbox):
    returned("returns", "accept", "PER", "--year", "2009")
    result = returned("returns", "request-changes", "JPN", "--year", "2009", "--note", "Evidence?", "--no-mail")
    assert "now changes requested" in result.output and "mail" not in result.output.lower()
    assert mailbox.received == [] and mail_log(returned) == []


def test_with_no_mail_set_up_the_review_stands_and_the_command_says_how(returned):
    result = returned("returns", "request-changes", "JPN", "--year", "2009", "--note", "Evidence?")
    assert "now changes requested" in result.output
    assert "Changes requested of JPN; no message sent: Mail is not set up" in result.output
    assert "tracker mail set --host" in result.output
    assert review_state(returned, "JPN") == "changes_requested" and mail_log(returned) == []


def test_a_refused_recipient_or_no_address_is_reported_and_the_review_stands(server, returned, mailbox):
    no_address = returned("returns", "request-changes", "PER", "--year", "2009", "--note", "Evidence?")
    assert "PER has no contact point e-mail on record" in no_address.output
    assert "tracker contact PER" in no_address.output

    returned("contact", "PER", "--year", "2009", "--name", "Nobody", "--email", "nobody@example.pe")
    refused = returned("returns", "request-changes", "PER", "--year", "2009", "--note", "Evidence?")
    assert "was refused" in refused.output and "550" in refused.output and "stays recorded" in refused.output
    assert review_state(returned, "PER") == "changes_requested"
    [row] = mail_log(returned)
    assert (row["kind"], row["accepted"]) == ("changes requested", False) and "550" in row["reply"]


def post_review(browser, code: str, data: dict, page: str = "/?year=2009"):
    token = csrf_of(browser.get(page).text)
    return browser.post(f"/economies/{code}/review", data={"csrf": token, "year": "2009", "page": "round"} | data)


def test_the_browser_mails_when_the_box_is_ticked_and_says_what_became_of_it(server, returned, mailbox, store):
    add_accounts(store)
    web = signed_in(client(store), "eddie")
    page = web.get("/?year=2009").text
    assert 'id="mail-JPN" name="mail" value="1" checked' in page
    response = post_review(web, "JPN", {"state": "changes_requested", "note": HOSTILE, "note:LC02-1": "Which law?",
                                        "mail": "1"})
    assert response.status_code == 303 and response.headers["location"] == "/?year=2009#said"
    back = web.get("/?year=2009").text
    assert "Changes requested of JPN, and e-mailed to kenji@example.jp (250" in back
    assert "and e-mailed to" not in web.get("/?year=2009").text  # said once
    [message] = mailbox.to("kenji@example.jp")
    text = message.get_body(("plain",)).get_content()
    assert HOSTILE in text and "Which law?" in text and re.search(LINK, text)
    assert mail_log(returned)[0]["kind"] == "changes requested"

    # The box left unticked: recorded, nothing sent, nothing said.
    post_review(web, "JPN", {"state": "changes_requested", "note": "Another point."})
    assert len(mailbox.received) == 1 and "Another point." in web.get("/?year=2009").text


def test_the_browser_without_mail_set_up_leaves_the_box_unticked_and_says_so(returned, store):
    add_accounts(store)
    web = signed_in(client(store), "eddie")
    page = web.get("/economies/JPN/return?year=2009").text
    assert 'id="review-mail" name="mail" value="1">' in page and "mail is not set up" in page
    post_review(web, "JPN", {"state": "changes_requested", "note": "Evidence?", "mail": "1", "page": "return"},
                page="/economies/JPN/return?year=2009")
    back = web.get("/economies/JPN/return?year=2009").text
    assert "Changes requested of JPN; no message sent: Mail is not set up" in back
    assert review_state(returned, "JPN") == "changes_requested"
