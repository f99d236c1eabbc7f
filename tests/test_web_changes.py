"""Changing data from the browser, on both databases: correcting an entry (and the stale save it
refuses), uploading returns with a preview, undoing an import; and every refusal: role, CSRF token,
closed year, other economy, oversized upload, changed since preview. The online return is
``test_web_return.py``."""

from __future__ import annotations

import json
import re
import sqlite3
import time

import pytest
from starlette.testclient import TestClient

from conftest import Tracker
from formtools import fill, snapshot
from test_statements import counting, locks_and_round_reads
from tracker.models import UploadPreview
from tracker.web.app import create_app
from tracker.workbook.layout import FIELD_LABELS
from webtools import ONE_TIME, add_accounts, client, csrf_of, signed_in


def build_round_2008(tracker, folder):
    tracker("form", "--year", "2008", "--due", "2008-03-31", "--out", str(folder / "forms"))
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "partial", "--measures", "A first law")


@pytest.fixture
def round_2008(tracker, set_up):
    """The 2008 round open with forms out; Japan has answered one item."""
    set_up(build_round_2008)
    return tracker


@pytest.fixture
def web(store, round_2008):
    add_accounts(store)
    return client(store)


def entry_form(page: str, ref: str) -> dict:
    """The hidden fields of an item's edit form on an economy's page."""
    form = re.search(rf'<form class="entry" method="post" action="[^"]*/items/{ref}">(.*?)</form>', page, re.S)
    assert form, f"no edit form for {ref}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(1)))


def entry(tracker, economy, ref, year=2008):
    rows = json.loads(tracker("show", economy, "--year", str(year), "--json").output)
    return next(row for row in rows if row["ref"] == ref)


def history(tracker, economy="JPN"):
    return json.loads(tracker("history", economy, "--year", "2008", "--json").output)


def save(browser, economy, ref, values, page=None):
    page = page or browser.get(f"/economies/{economy}?year=2008").text
    return browser.post(f"/economies/{economy}/items/{ref}", data=entry_form(page, ref) | values)


def test_a_correction_checks_its_year_in_the_transaction_that_writes_it(web, store, round_2008):
    """The round is read once, by the transaction that writes (and holds it until commit); a focal
    point's correction of a year without a round is refused there, with nothing written."""
    signed_in(web, "eddie")
    page = web.get("/economies/JPN?year=2008").text
    with counting() as statements:
        assert save(web, "JPN", "LC02-1", {"timeframe": "2010"}, page).status_code == 303
    assert locks_and_round_reads(statements)[1] == 1
    assert entry(round_2008, "JPN", "LC02-1")["timeframe"] == "2010"
    signed_in(web, "fumiko")
    fields = entry_form(page, "LC02-1") | {"csrf": csrf_of(web.get("/economies/JPN/return?year=2008").text)}
    before = snapshot(store)
    refused = web.post("/economies/JPN/items/LC02-1", data=fields | {"year": "2009", "status": "planned"})
    assert refused.status_code == 409 and "There is no 2009 round open, so 2009 cannot be answered" in refused.text
    assert snapshot(store) == before


def test_an_editor_corrects_an_entry_through_the_one_write_path(web, round_2008):
    signed_in(web, "eddie")
    page = web.get("/economies/JPN?year=2008").text
    assert '<option value="partial" selected>Partially implemented</option>' in page
    assert '<label for="measures-LC02-1">Measures undertaken</label>' in page
    response = save(web, "JPN", "LC02-1", {"status": "implemented", "evidence": "Act 12 of 2008"}, page)
    assert (response.status_code, response.headers["location"]) == (303, "/economies/JPN?year=2008#LC02-1")
    saved = entry(round_2008, "JPN", "LC02-1")
    assert (saved["status"], saved["measures"], saved["evidence"]) == ("implemented", "A first law", "Act 12 of 2008")
    changes = [h for h in history(round_2008) if h["source"] == "web (eddie)"]
    assert {(h["field"], h["old"], h["new"]) for h in changes} == {
        ("status", "partial", "implemented"), ("evidence", None, "Act 12 of 2008")}


def test_a_save_without_a_valid_token_is_refused_and_changes_nothing(web, store):
    signed_in(web, "eddie")
    fields = entry_form(web.get("/economies/JPN?year=2008").text, "LC02-1")
    before = snapshot(store)
    for token in ({}, {"csrf": "forged"}):
        data = {k: v for k, v in fields.items() if k != "csrf"} | token | {"status": "implemented"}
        assert web.post("/economies/JPN/items/LC02-1", data=data).status_code == 403
    assert web.post("/imports/1/undo", data={}).status_code == 403
    assert web.post("/economies/JPN/return", data={"year": "2008"}).status_code == 403
    assert web.post("/upload/apply", data={"token": "x"}).status_code == 403
    assert snapshot(store) == before


def test_who_may_change_what(web, store, round_2008):
    signed_in(web, "vera")
    page = web.get("/economies/JPN?year=2008").text
    assert 'class="entry"' not in page and "Submit return" not in page
    before = snapshot(store)
    csrf = csrf_of(page)
    assert web.post("/economies/JPN/items/LC02-1", data={"csrf": csrf, "year": "2008", "status": "planned"}).status_code == 403
    assert web.get("/upload").status_code == 403
    signed_in(web, "fumiko")
    csrf = csrf_of(web.get("/economies/JPN?year=2008").text)
    for path in ("/economies/AUS/items/LC02-1", "/economies/AUS/return", "/imports/1/undo", "/upload/apply"):
        assert web.post(path, data={"csrf": csrf, "year": "2008", "status": "planned"}).status_code == 403, path
    assert snapshot(store) == before


def test_a_save_based_on_an_older_page_is_refused_showing_both_values(store, web, round_2008):
    first, second = signed_in(web, "eddie"), signed_in(client(store), "ada")
    first_page = first.get("/economies/JPN?year=2008").text
    second_page = second.get("/economies/JPN?year=2008").text
    assert save(first, "JPN", "LC02-1", {"status": "implemented"}, first_page).status_code == 303
    response = save(second, "JPN", "LC02-1", {"status": "not_started", "measures": "Another text"}, second_page)
    assert response.status_code == 409
    assert "changed by someone else after you loaded the page" in response.text
    assert "<td>Not started</td>" in response.text and "<td>Implemented</td>" in response.text
    assert "<td>Another text</td>" in response.text and "<td>A first law</td>" in response.text
    assert entry(round_2008, "JPN", "LC02-1")["status"] == "implemented"
    assert save(second, "JPN", "LC02-1", {"status": "not_started"}).status_code == 303


def test_a_closed_year_shows_no_edit_form_and_refuses_a_save(web, store, round_2008):
    signed_in(web, "eddie")
    page = web.get("/economies/JPN?year=2008").text
    round_2008("round", "close", "2008", "--force")
    closed = web.get("/economies/JPN?year=2008").text
    assert 'class="entry"' not in closed and "Submit return" not in closed and "round is closed" in closed
    before = snapshot(store)
    response = save(web, "JPN", "LC02-1", {"status": "implemented"}, page)
    assert response.status_code == 409 and "The 2008 round is closed" in response.text
    assert snapshot(store) == before


@pytest.fixture
def filled(tmp_path):
    """Japan's 2008 form, filled in."""
    return fill(tmp_path / "forms" / "JPN-2008.xlsx",
                {"LC02-2": {"Status": "Implemented", "Evidence": "Gazette 4"}, "LC02-3": {"Status": "Planned"}},
                out=tmp_path / "JPN-2008.xlsx")


def upload(browser, *paths):
    csrf = csrf_of(browser.get("/upload").text)
    files = [("files", (path.name, path.read_bytes(), "application/octet-stream")) for path in paths]
    return browser.post("/upload", data={"csrf": csrf}, files=files)


def apply(browser, preview_page):
    token = re.search(r'name="token" value="([^"]+)"', preview_page).group(1)
    return browser.post("/upload/apply", data={"csrf": csrf_of(preview_page), "token": token})


def test_an_upload_is_previewed_then_applied_as_the_import_command_does(web, store, round_2008, filled, tmp_path):
    signed_in(web, "eddie")
    before = snapshot(store)
    preview = upload(web, filled)
    assert preview.status_code == 200 and "JPN-2008.xlsx: would apply" in preview.text
    assert "<td>LC02-2</td><td>Status</td><td></td><td>Implemented</td>" in preview.text
    assert "1 file: 1 would apply." in preview.text and preview.text.count('<button type="submit">Apply</button>') == 2
    assert snapshot(store) == before
    dry_run = json.loads(round_2008("import", str(filled), "--dry-run", "--json").output)
    assert dry_run[0]["status"] == "would apply"
    for change in dry_run[0]["changes"]:
        assert f"<td>{change['ref'] or 'contact point'}</td><td>{FIELD_LABELS[change['field']]}</td>" in preview.text
    applied = apply(web, preview.text)
    assert applied.status_code == 200 and "JPN-2008.xlsx: applied" in applied.text
    assert (entry(round_2008, "JPN", "LC02-2")["status"], entry(round_2008, "JPN", "LC02-2")["evidence"]) == (
        "implemented", "Gazette 4")
    again = json.loads(round_2008("import", str(filled), "--json").output)
    assert again[0]["status"] == "already imported"
    listed = web.get("/imports.json").json()
    assert [row["file"] for row in listed] == ["JPN-2008.xlsx"]
    status = json.loads(round_2008("round", "status", "2008", "--json").output)
    assert next(row for row in status if row["economy"] == "JPN")["file"] == "JPN-2008.xlsx"
    assert store.run(lambda session: session.query(UploadPreview).count()) == 0
    assert apply(web, preview.text).status_code == 409  # a preview is applied once


def test_the_same_file_imported_by_the_command_gives_the_same_data(web, store, round_2008, filled, tmp_path):
    """What the upload wrote equals what ``tracker import`` writes, compared on a copy."""
    if not store.is_sqlite:
        pytest.skip("the copy is of the SQLite file")
    copy = Tracker(str(tmp_path / "copy.db"))
    with sqlite3.connect(store.target) as source, sqlite3.connect(copy.target) as destination:
        source.backup(destination)
    signed_in(web, "eddie")
    apply(web, upload(web, filled).text)
    copy("import", str(filled))

    def untimed(tracker, *command):
        """The command's rows without the moments of the import, which differ by nature."""
        return [{k: v for k, v in row.items() if k not in ("at", "changed_at", "returned", "last_updated")}
                for row in json.loads(tracker(*command, "--json").output)]

    for command in (("show", "JPN", "--year", "2008"), ("round", "status", "2008"), ("imports", "list"),
                    ("history", "JPN", "--year", "2008")):
        assert untimed(round_2008, *command) == untimed(copy, *command), command


def test_nothing_is_applied_when_the_database_changed_since_the_preview(web, store, round_2008, filled):
    signed_in(web, "eddie")
    preview = upload(web, filled)
    round_2008("record", "JPN", "LC02-2", "--year", "2008", "--status", "not_started")
    before = snapshot(store)
    response = apply(web, preview.text)
    assert response.status_code == 409 and "The database changed since the preview" in response.text
    assert snapshot(store) == before
    assert apply(web, response.text).status_code == 200  # the new preview, applied as shown


def test_an_upload_over_the_limit_is_refused_unread(store, round_2008, filled):
    add_accounts(store)
    small = TestClient(create_app(store.target, one_time_token=ONE_TIME, upload_limit=1_000), follow_redirects=False)
    signed_in(small, "eddie")
    before = snapshot(store)
    response = upload(small, filled)
    assert response.status_code == 413 and "over the limit of 0.0 MB" in response.text
    assert snapshot(store) == before


def test_an_import_is_undone_with_the_commands_refusals_and_force(web, store, round_2008, filled):
    signed_in(web, "eddie")
    apply(web, upload(web, filled).text)
    import_id = web.get("/imports.json").json()[0]["id"]
    assert f'href="/imports/{import_id}/undo"' in web.get("/imports").text
    round_2008("record", "JPN", "LC02-2", "--year", "2008", "--evidence", "Gazette 5")
    before = snapshot(store)
    page = web.get(f"/imports/{import_id}/undo").text
    assert f"Undo import {import_id}?" in page and "1 of these values was changed after the import" in page
    assert "<td>Status</td>\n<td>Implemented</td><td>(blank)</td>" in page
    assert snapshot(store) == before, "the confirmation page changes nothing"
    refused = web.post(f"/imports/{import_id}/undo", data={"csrf": csrf_of(page)})
    assert refused.status_code == 409 and "was not undone" in refused.text and "--force" in refused.text
    assert snapshot(store) == before
    response = web.post(f"/imports/{import_id}/undo", data={"csrf": csrf_of(page), "force": "yes"})
    assert response.status_code == 200 and f"Import {import_id} undone" in response.text
    assert "<td>Status</td>\n<td>Implemented</td><td>(blank)</td>" in response.text
    assert entry(round_2008, "JPN", "LC02-2")["status"] is None
    assert web.get("/imports.json").json()[0]["undone"] is True
    assert any(h["source"] == "web (eddie)" for h in history(round_2008))
    again = web.post(f"/imports/{import_id}/undo", data={"csrf": csrf_of(page)})
    assert again.status_code == 409 and "already undone" in again.text


def test_an_editor_writes_the_report_in_the_background_and_other_pages_answer_meanwhile(store, round_2008, tmp_path):
    add_accounts(store)
    app = create_app(store.target, one_time_token=ONE_TIME, reports_folder=tmp_path / "written")
    browser = signed_in(app, "eddie")
    page = browser.get("/reports").text
    assert 'action="/reports/write"' in page
    response = browser.post("/reports/write", data={"csrf": csrf_of(page), "year": "2008"})
    assert (response.status_code, response.headers["location"]) == (303, "/reports/jobs/1")
    running = browser.get("/reports/jobs/1").text
    assert '<meta http-equiv="refresh" content="2">' in running or "Written:" in running
    assert browser.get("/economies/JPN?year=2008").status_code == 200
    deadline = time.monotonic() + 180
    while "Working:" in (progress := browser.get("/reports/jobs/1").text) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "Written:" in progress and 'http-equiv="refresh"' not in progress
    assert (tmp_path / "written" / "progress-2008.xlsx").is_file() and (tmp_path / "written" / "progress-2008.pdf").is_file()
    listed = browser.get("/reports.json").json()
    assert listed[-1]["year"] == 2008 and listed[-1]["file"].endswith("progress-2008.xlsx")
    assert browser.get(f"/reports/{listed[-1]['id']}/pdf").content.startswith(b"%PDF")


def test_only_editors_write_reports_and_only_with_the_token(web, store, tmp_path):
    signed_in(web, "vera")
    page = web.get("/reports").text
    assert 'action="/reports/write"' not in page
    assert web.post("/reports/write", data={"csrf": csrf_of(page), "year": "2008"}).status_code == 403
    signed_in(web, "eddie")
    assert web.post("/reports/write", data={"year": "2008"}).status_code == 403
    assert web.get("/reports.json").json() == []


def test_the_library_applies_several_files_only_as_previewed(store, round_2008, filled, tmp_path):
    """``file_import.preview_files`` / ``apply_previewed`` directly: a file given twice is previewed as
    applying it twice would go, a refused file stays refused, and a change in between applies nothing."""
    from tracker import file_import

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    paths = [str(filled), str(broken), str(filled)]
    results, fingerprint = file_import.preview_files(store, paths)
    assert [r.status for r in results] == ["would apply", "refused", "already imported"]
    round_2008("record", "JPN", "LC02-3", "--year", "2008", "--status", "planned")  # as the form says
    before = snapshot(store)
    outdated, new_fingerprint = file_import.apply_previewed(store, paths, fingerprint)
    assert new_fingerprint not in (None, fingerprint) and snapshot(store) == before
    assert [r.status for r in outdated] == ["would apply", "refused", "already imported"]
    assert not any(c["ref"] == "LC02-3" for c in outdated[0].changes)
    applied, none = file_import.apply_previewed(store, paths, new_fingerprint)
    assert none is None and [r.status for r in applied] == ["applied", "refused", "already imported"]
    assert [row["file"] for row in json.loads(round_2008("imports", "list", "--json").output)] == ["JPN-2008.xlsx"]


def test_a_field_is_cleared_by_its_clear_box_and_an_emptied_field_alone_is_kept_and_said(web, round_2008):
    signed_in(web, "eddie")
    page = web.get("/economies/JPN?year=2008").text
    assert '<input type="checkbox" name="clear" value="measures"> clear' in page
    response = save(web, "JPN", "LC02-1", {"status": "partial", "measures": ""}, page)
    assert response.status_code == 303 and "kept=LC02-1%3Ameasures" in response.headers["location"]
    assert entry(round_2008, "JPN", "LC02-1")["measures"] == "A first law"
    said = web.get(response.headers["location"]).text
    assert "Left empty, so kept as recorded: measures. An emptied field changes nothing" in said

    page = web.get("/economies/JPN?year=2008").text
    response = save(web, "JPN", "LC02-1", {"status": "partial", "measures": "A first law", "clear": "measures"}, page)
    assert (response.status_code, response.headers["location"]) == (303, "/economies/JPN?year=2008#LC02-1")
    assert entry(round_2008, "JPN", "LC02-1")["measures"] is None
    assert ("measures", "A first law", None) in {(h["field"], h["old"], h["new"]) for h in history(round_2008)}


def test_a_value_typed_into_a_field_ticked_clear_is_refused_and_nothing_written(web, round_2008):
    signed_in(web, "eddie")
    response = save(web, "JPN", "LC02-1", {"status": "partial", "measures": "A second law", "clear": "measures"})
    assert response.status_code == 409
    assert "Measures undertaken: a new value was typed and its &#34;clear&#34; box ticked" in response.text
    assert entry(round_2008, "JPN", "LC02-1")["measures"] == "A first law"


def test_an_entry_is_withdrawn_from_the_browser_on_the_record(web, round_2008):
    signed_in(web, "eddie")
    page = web.get("/economies/JPN?year=2008").text
    assert 'name="action" value="withdraw"' in entry_form_html(page, "LC02-1")
    assert 'name="action" value="withdraw"' not in entry_form_html(page, "LC02-2"), "nothing to withdraw there"
    response = save(web, "JPN", "LC02-1", {"status": "partial", "measures": "A first law", "action": "withdraw"}, page)
    assert response.status_code == 303
    assert {name: entry(round_2008, "JPN", "LC02-1")[name] for name in ("status", "measures")} == {
        "status": None, "measures": None}
    assert {("status", "partial", None), ("measures", "A first law", None)} <= {
        (h["field"], h["old"], h["new"]) for h in history(round_2008)}
    summary = json.loads(round_2008("summary", "--year", "2008", "--json").output)
    assert not next(row for row in summary if row["code"] == "JPN")["returned"], "a withdrawn entry counts nowhere"
    again = save(web, "JPN", "LC02-1", {"action": "withdraw"})
    assert again.status_code == 409 and "nothing to withdraw" in again.text


def entry_form_html(page: str, ref: str) -> str:
    return re.search(rf'<form class="entry" method="post" action="[^"]*/items/{ref}">(.*?)</form>', page, re.S).group(1)
