"""Returns saved from the mail program as ``.eml`` files: each workbook attached is imported as if
given on its own, with the message's sender and date kept; what cannot be imported is one clear
message, the database unchanged."""

import email
import email.policy
import json
from email.message import EmailMessage

import pytest

from formtools import fill, snapshot
from mail_messages import message
from webtools import add_accounts, client, signed_in


@pytest.fixture
def issue(tracker, tmp_path):
    def issue(economy="JPN", year=2008):
        tracker("form", "--year", str(year), "--economy", economy, "--out", str(tmp_path / "out"))
        return tmp_path / "out" / f"{economy}-{year}.xlsx"

    return issue


def saved(tmp_path, data: bytes, name: str = "Our return.eml"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_message_with_a_form_imports_it_and_keeps_sender_and_date(tracker, issue, tmp_path):
    form = fill(issue("JPN"), {"LC02-1": {"Status": "Implemented"}})
    path = saved(tmp_path, message(form))
    result = tracker("import", str(path))
    assert "Our return.eml, e-mailed by h.sato@example.go.jp on 2009-03-20 19:12 UTC:" in result.output
    assert "JPN-2008.xlsx: applied (form JPN 2008): 1 new" in result.output
    listed = json.loads(tracker("imports", "list", "--json").output)
    assert [(r["file"], r["economy"], r["mail_from"], r["mail_sent_at"]) for r in listed] == [
        ("JPN-2008.xlsx", "JPN", "h.sato@example.go.jp", "2009-03-20T19:12:00")]
    assert "e-mailed by h.sato@example.go.jp on 2009-03-20 19:12 UTC" in tracker("imports", "list").output
    history = json.loads(tracker("history", "JPN", "LC02-1", "--json").output)
    assert history[0]["source"].endswith(", e-mailed by h.sato@example.go.jp on 2009-03-20 19:12 UTC")
    again = tracker("import", str(saved(tmp_path, message(form), "forwarded again.eml")))
    assert "JPN-2008.xlsx: already imported" in again.output



def test_the_imports_page_names_the_sender_and_date(tracker, issue, store, tmp_path):
    form = fill(issue("JPN"), {"LC02-1": {"Status": "Implemented"}})
    tracker("import", str(saved(tmp_path, message(form, sender="<b>no address</b>"))))
    add_accounts(store)
    with client(store) as browser:
        page = signed_in(browser, "vera").get("/imports").text
    assert 'e-mailed by &lt;b&gt;no address&lt;/b&gt; on <span class="date">2009-03-20</span> 19:12' in page


def test_two_forms_in_one_message_and_a_message_in_a_folder(tracker, issue, tmp_path):
    jpn = fill(issue("JPN"), {"LC02-1": {"Status": "Planned"}})
    per = fill(issue("PER"), {"LC02-2": {"Status": "In progress"}})
    chl = fill(issue("CHL"), {"LC02-3": {"Status": "Implemented"}})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    saved(inbox, message(jpn, per), "two returns.EML")
    chl.rename(inbox / chl.name)
    result = tracker("import", str(inbox))
    assert "JPN-2008.xlsx: applied (form JPN 2008)" in result.output
    assert "PER-2008.xlsx: applied (form PER 2008)" in result.output
    assert "CHL-2008.xlsx: applied (form CHL 2008)" in result.output
    assert "Total: 3 file(s) applied, 0 refused" in result.output
    senders = {r["economy"]: r["mail_from"] for r in json.loads(tracker("imports", "list", "--json").output)}
    assert senders == {"JPN": "h.sato@example.go.jp", "PER": "h.sato@example.go.jp", "CHL": None}


def test_a_message_without_a_workbook_is_refused(tracker, store, tmp_path):
    before = snapshot(store)
    path = saved(tmp_path, message(("notes.pdf", b"%PDF-1.4")))
    result = tracker("import", str(path), expect=1)
    assert "Our return.eml: no workbook (.xlsx) is attached to this message" in result.output
    assert snapshot(store) == before


def test_a_refused_attachment_does_not_stop_the_good_one(tracker, issue, store, tmp_path):
    form = fill(issue("JPN"), {"LC02-1": {"Status": "Implemented"}})
    path = saved(tmp_path, message(("old format.xls", b"\xd0\xcf\x11\xe0"), ("broken.xlsx", b"not a zip"), form))
    result = tracker("import", str(path), expect=1)
    assert "old format.xls: refused" in result.output
    assert "an Excel 97-2003 workbook (.xls); save it as an Excel workbook (.xlsx)" in result.output
    assert "broken.xlsx: refused" in result.output
    assert "JPN-2008.xlsx: applied" in result.output
    assert "Not applied: old format.xls, broken.xlsx" in result.output


def test_names_and_senders_with_control_characters_are_shown_escaped(tracker, store, tmp_path):
    data = message(("evil\x1b[31m\u202eslx.xlsx", b"not a zip"), sender="Mallory\x1b[2J <m@example.org>")
    result = tracker("import", str(saved(tmp_path, data, "odd\x07.eml")), expect=1)
    assert "\x1b" not in result.output and "\u202e" not in result.output and "\x07" not in result.output
    assert "evil\\x1b[31m\\u202eslx.xlsx: refused" in result.output
    assert "odd\\x07.eml, e-mailed by m@example.org" in result.output
    encoded = data.replace(b"From: Mallory\x1b[2J", b"From: =?utf-8?q?Mallory=1B=5B2J?=")
    result = tracker("import", str(saved(tmp_path, encoded, "encoded.eml")), expect=1)
    assert "\x1b" not in result.output and "encoded.eml, e-mailed by m@example.org" in result.output


def test_odd_encodings_are_read_or_refused_in_one_sentence(tracker, issue, store, tmp_path):
    form = fill(issue("JPN"), {"LC02-1": {"Status": "Implemented"}})
    data = message(form, sender="=?x-unknown-charset?b?SGFuYWtv?= <h.sato@example.go.jp>")
    data = data.replace(b"Date: ", b"Date: not a date at all\r\nX-Old-Date: ", 1)
    result = tracker("import", str(saved(tmp_path, data)))
    assert "Our return.eml, e-mailed by h.sato@example.go.jp:" in result.output
    assert "JPN-2008.xlsx: applied" in result.output
    garbage = saved(tmp_path, b"\xff\xfe\x00garbage with no headers at all", "garbage.eml")
    result = tracker("import", str(garbage), expect=1)
    assert "garbage.eml: no workbook (.xlsx) is attached to this message" in result.output


def test_a_huge_attachment_is_refused_unread(tracker, store, tmp_path):
    before = snapshot(store)
    path = saved(tmp_path, message(("huge.xlsx", b"PK\x03\x04" + b"\0" * (21 * 1024 * 1024))))
    result = tracker("import", str(path), expect=1)
    assert "huge.xlsx is over 20 MB; a form is far smaller. It was not read." in result.output
    assert snapshot(store) == before


def test_a_return_forwarded_as_an_attached_message_is_found(tracker, issue, tmp_path):
    """A colleague forwards the focal point's message as an attachment (message/rfc822)."""
    form = fill(issue("JPN"), {"LC02-1": {"Status": "Implemented"}})
    forwarded = EmailMessage()
    forwarded["From"], forwarded["Subject"] = "colleague@example.org", "Fwd: Our return"
    forwarded.set_content("See the attached message.\n")
    forwarded.add_attachment(email.message_from_bytes(message(form), policy=email.policy.default))
    result = tracker("import", str(saved(tmp_path, bytes(forwarded))))
    assert "Our return.eml, e-mailed by colleague@example.org:" in result.output
    assert "JPN-2008.xlsx: applied (form JPN 2008): 1 new" in result.output
