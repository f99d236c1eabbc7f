"""Returns read from a mailbox on a real IMAP server (a private Dovecot, TLS on a throw-away
certificate): the workbooks imported, each message taken once, a refused one left unmarked and
listed, a dry run that marks nothing."""

import imaplib
import json
import re

import pytest

import dovecot
from formtools import fill, snapshot
from mail_messages import message
from tracker.mailbox_import import MARK, PASSWORD_VARIABLE, import_mailbox

pytestmark = pytest.mark.skipif(not dovecot.available(),
                                reason="Dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")


@pytest.fixture(scope="module")
def imap_server():
    with dovecot.dovecot() as server:
        yield server


@pytest.fixture
def mailbox(imap_server, monkeypatch):
    """A new folder of the server, its certificate trusted and its password in the environment."""
    monkeypatch.setenv("SSL_CERT_FILE", str(imap_server.certificate))
    monkeypatch.setenv(PASSWORD_VARIABLE, dovecot.PASSWORD)
    return imap_server.new_folder()


@pytest.fixture
def issue(tracker, tmp_path):
    def issue(economy="JPN", year=2008):
        tracker("form", "--year", str(year), "--economy", economy, "--out", str(tmp_path / "out"))
        return tmp_path / "out" / f"{economy}-{year}.xlsx"

    return issue


def test_the_mailbox_imported_twice_takes_each_message_once(tracker, issue, imap_server, mailbox, store):
    jpn = fill(issue("JPN"), {"LC02-1": {"Status": "Implemented"}})
    per = fill(issue("PER"), {"LC02-2": {"Status": "Planned"}})
    imap_server.deliver(mailbox, message(jpn))
    imap_server.deliver(mailbox, message(sender="someone@example.com", subject="Lunch?"))
    imap_server.deliver(mailbox, message(per, ("old.xls", b"\xd0\xcf\x11\xe0"), sender="p.focal@example.pe"))
    url = imap_server.url(mailbox)

    before = snapshot(store)
    preview = tracker("import", "--mailbox", url, "--dry-run", expect=1)
    assert "2 message(s) with spreadsheets not yet imported; 1 other message(s) left alone" in preview.output
    assert 'Message 1 from h.sato@example.go.jp, sent 2009-03-20 19:12 UTC, "Our return": would be marked' in preview.output
    assert "JPN-2008.xlsx: would apply (form JPN 2008): 1 new" in preview.output
    assert "Dry run: nothing was written and no message was marked." in preview.output
    assert snapshot(store) == before
    assert not any(MARK in flags for flags in imap_server.flags(mailbox))

    first = tracker("import", "--mailbox", url, expect=1)
    assert 'Message 1 from h.sato@example.go.jp, sent 2009-03-20 19:12 UTC, "Our return": marked as imported' in first.output
    assert 'Message 3 from p.focal@example.pe, sent 2009-03-20 19:12 UTC, "Our return": left unmarked' in first.output
    assert "PER-2008.xlsx: applied (form PER 2008)" in first.output
    assert "old.xls: refused" in first.output and "save it as an Excel workbook (.xlsx)" in first.output
    assert "Left unmarked, to be taken again next time: message(s) 3." in first.output
    flags = imap_server.flags(mailbox)
    assert [MARK in line for line in flags] == [True, False, False]
    assert not any("\\Seen" in line for line in flags)

    second = tracker("import", "--mailbox", url, expect=1)
    assert "1 message(s) with spreadsheets not yet imported" in second.output
    assert "JPN-2008.xlsx" not in second.output
    assert "PER-2008.xlsx: already imported" in second.output and "old.xls: refused" in second.output
    listed = json.loads(tracker("imports", "list", "--json").output)
    assert [(r["economy"], r["mail_from"]) for r in listed] == [("JPN", "h.sato@example.go.jp"),
                                                              ("PER", "p.focal@example.pe")]


#: A message whose attachment's name has 8-bit characters: Dovecot gives it as a literal inside
#: the structure, so imaplib cuts that message's answer in pieces.
NAMED_IN_A_LITERAL = (
    b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Ours\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nHi\r\n"
    b"--XX\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Disposition: attachment; filename=\"A\xc3\xb1o 2008.xlsx\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--XX--\r\n")


def test_the_structure_of_every_message_is_asked_in_one_command(issue, imap_server, mailbox, store,
                                                                 monkeypatch, capsys):
    """imaplib at debug level 4 prints each command it sends: one FETCH asks every message's size
    and structure, and only the messages that may carry a spreadsheet are fetched whole, an
    answer cut around a literal included."""
    imap_server.deliver(mailbox, message(fill(issue("JPN"), {"LC02-1": {"Status": "Implemented"}})))
    imap_server.deliver(mailbox, message(sender="someone@example.com", subject="Lunch?"))
    imap_server.deliver(mailbox, NAMED_IN_A_LITERAL)
    imap_server.deliver(mailbox, message(sender="someone@example.com", subject="Agenda"))
    imap_server.deliver(mailbox, message(fill(issue("PER"), {"LC02-2": {"Status": "Planned"}})))
    monkeypatch.setattr(imaplib, "Debug", 4)
    capsys.readouterr()
    run = import_mailbox(store, imap_server.url(mailbox), dry_run=True)
    sent = re.findall(r"> b'\w+ (UID [^']*)'", capsys.readouterr().err)
    assert [command for command in sent if "BODYSTRUCTURE" in command] == [
        "UID FETCH 1,2,3,4,5 (RFC822.SIZE BODYSTRUCTURE)"]
    assert [command for command in sent if "BODY.PEEK[]" in command] == [
        "UID FETCH 1 (BODY.PEEK[])", "UID FETCH 3 (BODY.PEEK[])", "UID FETCH 5 (BODY.PEEK[])"]
    assert [m.uid for m in run.messages] == ["1", "3", "5"] and run.without_workbook == 2


def test_a_folder_whose_returns_all_go_in_exits_0_and_json_lists_them(tracker, issue, imap_server, mailbox):
    imap_server.deliver(mailbox, message(fill(issue("CHL"), {"LC02-1": {"Status": "Planned"}})))
    result = json.loads(tracker("import", "--mailbox", imap_server.url(mailbox), "--json").output)
    assert [(m["uid"], m["marked"], m["sender"]) for m in result["messages"]] == [("1", True, "h.sato@example.go.jp")]
    assert result["messages"][0]["files"][0]["status"] == "applied"
    again = tracker("import", "--mailbox", imap_server.url(mailbox))
    assert "0 message(s) with spreadsheets not yet imported" in again.output


def test_wrong_password_untrusted_certificate_and_missing_folder_are_messages(tracker, imap_server, mailbox,
                                                                              monkeypatch, tmp_path):
    url = imap_server.url(mailbox)
    wrong = tmp_path / "password"
    wrong.write_text("not the password\n")
    result = tracker("import", "--mailbox", url, "--mailbox-password-file", str(wrong), expect=1)
    assert "The mail server refused officer's password" in result.output
    result = tracker("import", "--mailbox", imap_server.url("No-such-folder"), expect=1)
    assert "The mail server has no folder 'No-such-folder' for officer" in result.output
    monkeypatch.delenv(PASSWORD_VARIABLE)
    result = tracker("import", "--mailbox", url, expect=1)
    assert f"No password for the mailbox: set {PASSWORD_VARIABLE}" in result.output
    monkeypatch.delenv("SSL_CERT_FILE")
    right = tmp_path / "right"
    right.write_text(dovecot.PASSWORD + "\n")
    result = tracker("import", "--mailbox", url, "--mailbox-password-file", str(right), expect=1)
    assert "showed a certificate this computer does not trust" in result.output
    assert "SSL_CERT_FILE" in result.output


@pytest.mark.parametrize("url, says", [
    ("imap://officer@127.0.0.1/INBOX", "is not an imaps:// address"),
    ("imaps://officer:secret@127.0.0.1/INBOX", "The mailbox address holds a password"),
    ("imaps://127.0.0.1/INBOX", "needs a user and a server"),
    ("imaps://officer@127.0.0.1:99999/INBOX", "port is not a number from 1 to 65535"),
])
def test_mailbox_addresses_that_cannot_be_used_are_refused(tracker, url, says, monkeypatch):
    monkeypatch.setenv(PASSWORD_VARIABLE, "anything")
    assert says in tracker("import", "--mailbox", url, expect=1).output


def test_files_and_a_mailbox_together_are_refused(tracker):
    result = tracker("import", "x.xlsx", "--mailbox", "imaps://officer@127.0.0.1/INBOX", expect=1)
    assert "one or the other" in result.output
