"""The round by e-mail against a real SMTP server (aiosmtpd): invitations with each economy's form
and personal link, a recipient the server refuses, running again, dry runs, reminders and chasers
on a driven calendar, the log, and what happens with no mail set up."""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from mailtools import PASSWORD, USER, Mailbox, certificate, start
from tracker import mailings
from tracker.mailings import DRY_RUN_LINK
from tracker.models import PersonalLink
from tracker.store import Store
from tracker.tables import metadata
from webtools import add_accounts, client, csrf_of, signed_in

ROUND = "2009"

# aiosmtpd does not count TLS from the start as TLS, and warns that AUTH goes without it.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def mailbox():
    return Mailbox(refused={"nobody@example.au"})


@pytest.fixture(params=["starttls"])
def server(request, mailbox, tls_files, tracker, monkeypatch):
    """The server running, and the tracker set up to send through it."""
    cert, key = tls_files
    controller = start(mailbox, request.param, cert, key)
    monkeypatch.setenv("TEST_MAIL_PASSWORD", PASSWORD)
    signing_in = ["--user", USER, "--password-env", "TEST_MAIL_PASSWORD"] if request.param != "none" else []
    tracker("mail", "set", "--host", "127.0.0.1", "--port", str(controller.port), "--security", request.param,
            *signing_in, "--sender", "spsg@example.org",
            "--reply-to", "returns@example.org", "--web-address", "https://tracker.example.org", "--ca-file", str(cert))
    yield controller
    controller.stop()


@pytest.fixture
def round_2009(tracker):
    """The 2009 round, due 31 March; contact points for Japan and Peru (Peru's from 2008), and one
    for Australia whose address the server refuses."""
    tracker("round", "open", ROUND, "--due", "2009-03-31")
    tracker("contact", "JPN", "--year", ROUND, "--name", "Kenji <Sato>", "--email", "kenji@example.jp")
    tracker("contact", "PER", "--year", "2008", "--name", "Ana Ruiz", "--email", "ana@example.pe")
    tracker("contact", "AUS", "--year", ROUND, "--name", "Nobody", "--email", "nobody@example.au")
    return tracker


def outcomes(result) -> dict[str, dict]:
    return {row["economy"]: row for row in json.loads(result.output)["messages"]}


def test_with_no_mail_set_up_nothing_is_sent_and_the_message_says_how(round_2009):
    result = round_2009("round", "invite", ROUND, expect=1)
    assert "tracker mail set --host" in result.output
    assert json.loads(round_2009("mail", "log", "--json").output) == []


def test_invitations_carry_each_economys_form_and_link_and_a_refusal_stops_nobody(round_2009, server, mailbox):
    result = round_2009("round", "invite", ROUND, "--json", expect=1)
    rows = outcomes(result)
    assert rows["JPN"]["outcome"] == rows["PER"]["outcome"] == "sent"
    assert rows["AUS"]["outcome"] == "refused" and "550" in rows["AUS"]["reply"]
    assert rows["PER"]["contact_year"] == 2008
    assert rows["CHL"]["outcome"] == "no e-mail on record"

    for code, address in (("JPN", "kenji@example.jp"), ("PER", "ana@example.pe")):
        [message] = mailbox.to(address)
        assert message["Reply-To"] == "returns@example.org"
        assert "2009-03-31" in message["Subject"]
        text = message.get_body(("plain",)).get_content()
        assert "returns@example.org" in text and "2009-03-31" in text
        assert re.search(r"https://tracker\.example\.org/link/[\w-]{40,}", text)
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename() == f"{code}-2009.xlsx"
        workbook = load_workbook(io.BytesIO(attachment.get_content()), read_only=True)
        identification = [cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row]
        assert code in identification
    page = mailbox.to("kenji@example.jp")[0].get_body(("html",)).get_content()
    assert "Kenji &lt;Sato&gt;" in page and "<Sato>" not in page
    assert re.search(r'<a href="https://tracker\.example\.org/link/[\w-]{40,}">', page)

    log = json.loads(round_2009("mail", "log", "--year", ROUND, "--json").output)
    assert {(row["economy"], row["kind"], row["accepted"]) for row in log} == {
        ("JPN", "invitation", True), ("PER", "invitation", True), ("AUS", "invitation", False)}
    assert all(row["message_id"] for row in log)

    again = outcomes(round_2009("round", "invite", ROUND, "--json", expect=1))
    assert again["JPN"]["outcome"] == again["PER"]["outcome"] == "already invited"
    assert again["AUS"]["outcome"] == "refused"
    assert len(mailbox.received) == 2
    status = {row["economy"]: row for row in json.loads(round_2009("round", "status", ROUND, "--json").output)}
    assert status["JPN"]["last_contacted"] and status["AUS"]["last_contacted"] is None
    assert json.loads(round_2009("mail", "log", "--economy", "AUS", "--json").output)[0]["to"] == "nobody@example.au"


def personal_links_issued(store) -> int:
    with store.transaction() as session:
        return session.scalar(select(func.count()).select_from(PersonalLink))


def test_a_dry_run_writes_the_messages_and_sends_nothing(store, round_2009, server, mailbox, tmp_path):
    """The .eml files are the messages as they would go, but for the personal link: one issued in a
    dry run would be rolled back with it, so a placeholder says where it will be."""
    links_before = personal_links_issued(store)
    result = round_2009("round", "invite", ROUND, "--dry-run", "--out", str(tmp_path / "out"))
    assert "Dry run: nothing was sent." in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "AUS-2009-invitation.eml", "JPN-2009-invitation.eml", "PER-2009-invitation.eml"]
    assert mailbox.received == []
    assert json.loads(round_2009("mail", "log", "--json").output) == []
    with open(tmp_path / "out" / "JPN-2009-invitation.eml", "rb") as file:
        written = email.message_from_binary_file(file, policy=email.policy.default)
    text = written.get_body(("plain",)).get_content()
    assert f"personal link (it replaces any earlier one, and works until the round closes): {DRY_RUN_LINK}" in text
    assert "/link/" not in text and "/link/" not in written.get_body(("html",)).get_content()
    assert [a.get_filename() for a in written.iter_attachments()] == ["JPN-2009.xlsx"]
    assert personal_links_issued(store) == links_before
    assert outcomes(round_2009("round", "invite", ROUND, "--json", expect=1))["JPN"]["outcome"] == "sent"


def remind(tracker, day: str, expect: int = 0) -> dict[str, dict]:
    result = tracker("round", "remind", ROUND, "--today", day, "--json", expect=expect)
    return {code: row for code, row in outcomes(result).items() if row["outcome"] in ("sent", "refused")}


def test_reminders_before_on_and_after_the_due_date_reach_each_economy_once(round_2009, server, mailbox):
    assert remind(round_2009, "2009-03-10") == {}
    first = remind(round_2009, "2009-03-17", expect=1)
    assert {code: (row["kind"], row["step"]) for code, row in first.items() if row["outcome"] == "sent"} == {
        "JPN": ("reminder", "before-14"), "PER": ("reminder", "before-14")}
    assert remind(round_2009, "2009-03-17", expect=1).keys() == {"AUS"}  # only the refused one again
    round_2009("record", "JPN", "LC02-1", "--year", ROUND, "--status", "implemented")
    assert remind(round_2009, "2009-03-20", expect=1).keys() == {"AUS"}
    assert remind(round_2009, "2009-03-28", expect=1).keys() == {"PER", "AUS"}
    assert remind(round_2009, "2009-03-31", expect=1).keys() == {"AUS"}
    assert remind(round_2009, "2009-04-03", expect=0) == {}
    chaser = remind(round_2009, "2009-04-07", expect=1)
    assert chaser["PER"]["kind"] == "chaser" and chaser["PER"]["step"] == "after-7"
    assert remind(round_2009, "2009-04-14", expect=1)["PER"]["step"] == "after-14"
    subjects = [message["Subject"].split(":")[0] for message in mailbox.to("ana@example.pe")]
    assert subjects == ["Reminder", "Reminder", "Overdue", "Overdue"]
    assert len(mailbox.to("kenji@example.jp")) == 1
    round_2009("round", "close", ROUND, "--force")  # JPN returned, not reviewed
    closed = round_2009("round", "remind", ROUND, "--today", "2009-04-21")
    assert "Nothing sent" in closed.output and len(mailbox.received) == 5


@pytest.mark.parametrize("server", ["tls", "none"], indirect=True)
def test_the_test_message_goes_through_implicit_tls_or_a_plain_relay_and_is_logged(tracker, server, mailbox):
    result = tracker("mail", "test", "officer@example.org")
    assert result.output.startswith("Sent: officer@example.org: 250")
    assert mailbox.to("officer@example.org")[0]["Subject"] == "Test message from the tracker"
    assert json.loads(tracker("mail", "log", "--json").output)[0]["kind"] == "test"
    refused = tracker("mail", "test", "nobody@example.au", expect=1)
    assert "Refused" in refused.output and "550" in refused.output


def test_a_wrong_password_is_a_message(round_2009, server, monkeypatch):
    monkeypatch.setenv("TEST_MAIL_PASSWORD", "wrong")
    result = round_2009("round", "invite", ROUND, expect=1)
    assert "refused the sign-in of spsg" in result.output


def test_settings_keep_no_password(tracker, tmp_path):
    result = tracker("mail", "set", "--host", "smtp.example.org", "--sender", "spsg@example.org",
                     "--password-file", str(tmp_path / "secret"))
    shown = json.loads(tracker("mail", "show", "--json").output)
    assert shown["port"] == 587 and shown["password_file"] == str(tmp_path / "secret")
    assert "password:" not in result.output
    tracker("mail", "set", "--security", "smtp", expect=2)
    assert "not an e-mail address" in tracker("mail", "set", "--sender", "spsg", expect=1).output
    named = tracker("mail", "set", "--sender", "SPSG <spsg@example.org>", expect=1).output
    assert "'SPSG <spsg@example.org>' is not an e-mail address such as name@example.org." in named
    assert "not an e-mail address" in tracker("mail", "test", "someone@", expect=1).output
    both = tracker("mail", "set", "--password-env", "SPSG_MAIL_PASSWORD", expect=1).output
    assert "from an environment variable or from a file, not both" in both
    assert json.loads(tracker("mail", "show", "--json").output)["password_env"] is None, "nothing stored"
    (tmp_path / "latin").write_bytes("mot de passe \xe9".encode("latin-1"))
    tracker("mail", "set", "--password-file", str(tmp_path / "latin"))
    from tracker.errors import Refused
    from tracker.mail.settings import read_settings
    from tracker.store import Store

    with pytest.raises(Refused, match=r"cannot be read \(it is not UTF-8 text\)"):
        Store(tracker.target).run(read_settings).password()


def test_the_browser_previews_the_messages_and_sends_them(store, round_2009, server, mailbox):
    add_accounts(store)
    vera = signed_in(client(store), "vera")
    assert vera.get("/mail?year=2009").status_code == 403
    web = signed_in(client(store), "eddie")
    assert 'href="/mail?year=2009"' in web.get("/?year=2009").text
    page = web.get("/mail?year=2009")
    assert page.status_code == 200
    assert 'Japan: the 2009 progress form, due <span class="date">2009-03-31</span>' in page.text and "Kenji &lt;Sato&gt;" in page.text
    assert "CHL (no e-mail on record)" in page.text
    data = web.get("/mail.json?year=2009").json()
    assert data["ready"] and {m["economy"] for m in data["invitations"]["messages"] if m["outcome"] == "to send"} == {
        "JPN", "PER", "AUS"}
    assert mailbox.received == []
    assert web.post("/mail/invite", data={"year": "2009"}).status_code == 403  # no form token
    sent = web.post("/mail/invite", data={"year": "2009", "csrf": csrf_of(page.text)})
    assert sent.status_code == 200 and "550" in sent.text
    assert len(mailbox.received) == 2
    after = web.get("/mail?year=2009").text
    assert "JPN (already invited)" in after


def test_the_secretariats_own_templates_replace_the_shipped_ones(round_2009, tmp_path):
    own = tmp_path / "templates"
    own.mkdir()
    (own / "invitation.txt").write_text("Subject: Formulario $year de $economy_code\n\nHola $contact_name: $online\n")
    round_2009("mail", "set", "--templates", str(own), "--web-address", "https://tracker.example.org")
    round_2009("round", "invite", ROUND, "--economy", "JPN", "--dry-run", "--out", str(tmp_path / "out"))
    with open(tmp_path / "out" / "JPN-2009-invitation.eml", "rb") as file:
        message = email.message_from_binary_file(file, policy=email.policy.default)
    assert message["Subject"] == "Formulario 2009 de JPN"
    assert message.get_body(("plain",)).get_content().startswith("Hola Kenji <Sato>: To answer online")
    page = message.get_body(("html",)).get_content()  # the shipped HTML
    assert DRY_RUN_LINK in page and "Kenji &lt;Sato&gt;" in page
    (own / "invitation.txt").write_text("Subject: $nonsense\n\nHola\n")
    refused = round_2009("round", "invite", ROUND, "--dry-run", "--out", str(tmp_path / "out"), expect=1)
    assert "invitation.txt uses a placeholder that is not known ('nonsense')" in refused.output


def test_two_runs_at_once_send_each_invitation_once(store, round_2009, server, mailbox):
    """The daily reminder from cron and an officer's click in the browser may run together."""
    def run(_):
        return mailings.invite(Store(store.target), 2009, [], "test run")

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(run, range(2)))
    assert len(mailbox.to("kenji@example.jp")) == len(mailbox.to("ana@example.pe")) == 1
    outcomes = sorted(o.outcome for mailing in runs for o in mailing.outcomes if o.economy == "JPN")
    assert outcomes in (["already invited", "sent"], ["already sent", "sent"])
    log = json.loads(round_2009("mail", "log", "--json").output)
    assert sorted((row["economy"], row["accepted"]) for row in log if row["economy"] != "AUS") == [
        ("JPN", True), ("PER", True)]


WRITING = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b|\bFOR UPDATE\b|^\s*BEGIN IMMEDIATE", re.IGNORECASE)


def row_counts(store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table)) for table in metadata.sorted_tables}


def test_showing_the_mail_page_writes_nothing(store, round_2009, server, mailbox):
    """The previews show a placeholder for each personal link: no link issued (and rolled back),
    no form recorded, no round opened (2010 has none), no write lock taken, on either database."""
    add_accounts(store)
    web = signed_in(client(store), "eddie")
    statements = []
    before = row_counts(store)
    held = sqlite3.connect(store.path) if store.is_sqlite else None
    version = held.execute("PRAGMA data_version").fetchone()[0] if held else None

    def seen(_connection, _cursor, statement, *_):
        statements.append(statement)

    event.listen(web.app.state.store.engine, "before_cursor_execute", seen)
    page = web.get("/mail?year=2009")
    twin = web.get("/mail.json?year=2009").json()
    unopened = web.get("/mail?year=2010")
    event.remove(web.app.state.store.engine, "before_cursor_execute", seen)

    assert page.status_code == unopened.status_code == 200
    assert "[PREVIEW: the personal link is made when the message is sent]" in page.text
    assert {m["economy"] for m in twin["invitations"]["messages"] if m["outcome"] == "to send"} == {"JPN", "PER", "AUS"}
    assert "There is no 2010 round open" in unopened.text and "tracker round open 2010 --due DATE" in unopened.text
    assert [s for s in statements if WRITING.search(s)] == [] and any("mail_message" in s for s in statements)
    assert row_counts(store) == before
    if held:
        assert held.execute("PRAGMA data_version").fetchone()[0] == version
        held.close()
    assert mailbox.received == []


def test_invitations_need_the_round_open_with_its_due_date(tracker, server, mailbox, tmp_path, store):
    tracker("contact", "JPN", "--year", ROUND, "--name", "Kenji", "--email", "kenji@example.jp")
    unopened = tracker("round", "invite", ROUND, expect=1).output
    assert "There is no 2009 round open" in unopened and "tracker round open 2009 --due DATE" in unopened
    assert "tracker round invite 2009 --due DATE" in unopened
    assert json.loads(tracker("round", "list", "--json").output) == [] and mailbox.received == []

    tracker("round", "open", ROUND)
    undated = tracker("round", "invite", ROUND, "--dry-run", "--out", str(tmp_path / "out"), expect=1).output
    assert "The 2009 round has no due date" in undated and not (tmp_path / "out").exists()

    add_accounts(store)
    web = signed_in(client(store), "eddie")
    refused = web.post("/mail/invite", data={"year": ROUND, "csrf": csrf_of(web.get("/mail?year=2009").text)})
    assert refused.status_code == 409 and "The 2009 round has no due date" in refused.text

    sent = outcomes(tracker("round", "invite", ROUND, "--due", "2009-03-31", "--economy", "JPN", "--json"))
    assert sent["JPN"]["outcome"] == "sent" and "2009-03-31" in mailbox.to("kenji@example.jp")[0]["Subject"]
    [listed] = json.loads(tracker("round", "list", "--json").output)
    assert listed["due"] == "2009-03-31"
