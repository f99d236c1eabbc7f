"""The officer runs a whole round in Chromium without a terminal, on a fresh database: adds an
editor's account (who sets a password through the one-time link), opens the 2009 round with its
due date, writes and downloads the forms, uploads Japan's filled form, previews and applies it,
accepts the return, writes the report and downloads it, and closes the round."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from formtools import fill
from test_web_browser import browser  # noqa: F401 (fixture)
from tracker.initialise import initialise
from tracker.store import Store
from tracker.web.app import create_app
from webtools import PASSWORD, add_accounts, served

OWN_PASSWORD = "the officer's own password"


@pytest.fixture
def fresh_server(tmp_path):
    store = Store(str(tmp_path / "round.db"))
    initialise(store)
    add_accounts(store)
    store.engine.dispose()
    with served(create_app(str(tmp_path / "round.db"), reports_folder=tmp_path / "reports")) as base:
        yield base


def _sign_in(page, base, name, password):
    page.goto(base + "/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_officer_runs_a_round_from_opening_to_closing_in_the_browser(browser, fresh_server, tmp_path):
    admin = browser.new_context(accept_downloads=True).new_page()
    _sign_in(admin, fresh_server, "ada", PASSWORD)
    admin.get_by_role("navigation", name="Pages").get_by_role("link", name="Accounts").click()
    admin.get_by_label("User name").fill("olga")
    admin.locator("#add-role").select_option("editor")
    admin.get_by_role("button", name="Add, and show the link to set a password").click()
    link = admin.get_by_label("One-time link").input_value()

    officer = browser.new_context(accept_downloads=True).new_page()
    officer.goto(link)
    officer.get_by_label("New password").fill(OWN_PASSWORD)
    officer.get_by_label("The same password again").fill(OWN_PASSWORD)
    officer.get_by_role("button", name="Set my password").click()
    _sign_in(officer, fresh_server, "olga", OWN_PASSWORD)
    assert "olga (editor)" in officer.locator("header").inner_text()

    officer.get_by_role("navigation", name="Pages").get_by_role("link", name="Rounds").click()
    officer.get_by_label("Year").fill("2009")
    officer.locator("#open-due").fill("2009-03-31")
    officer.get_by_role("button", name="Open the round").click()
    assert "Done: the round is open" in officer.get_by_role("status").inner_text()
    with officer.expect_download() as download:
        officer.get_by_role("button", name="Write and download the forms").click()
    forms = zipfile.ZipFile(download.value.path())
    assert len(forms.namelist()) == 21
    blank = tmp_path / "JPN-2009.xlsx"
    blank.write_bytes(forms.read("JPN-2009.xlsx"))
    filled = fill(blank, {"LC02-1": {"Status": "Implemented", "Evidence": "Act No. 128"}})

    officer.get_by_role("navigation", name="Pages").get_by_role("link", name="Upload").click()
    officer.get_by_label("Files").set_input_files(str(filled))
    officer.get_by_role("button", name="Preview").click()
    assert "1 file: 1 would apply." in officer.inner_text("main")
    officer.get_by_role("button", name="Apply").first.click()
    assert "JPN-2009.xlsx: applied" in officer.inner_text("main")

    officer.goto(fresh_server + "/?year=2009")
    officer.get_by_role("button", name="Accept").first.click()
    officer.goto(fresh_server + "/?year=2009")
    assert re.search(r"JPN Japan:\s+accepted by web \(olga\)", officer.inner_text("main")), officer.inner_text("main")

    officer.get_by_role("navigation", name="Pages").get_by_role("link", name="Reports").click()
    officer.get_by_label("Year").fill("2009")
    officer.get_by_role("button", name=re.compile("Write the report")).click()
    officer.locator("p.job.done").wait_for(timeout=600_000)  # the job page refreshes itself until then
    officer.get_by_role("link", name="the reports written").click()
    with officer.expect_download() as download:
        officer.get_by_role("link", name="progress-2009.xlsx").first.click()
    report = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)
    assert "Key findings" in report.sheetnames

    officer.get_by_role("navigation", name="Pages").get_by_role("link", name="Rounds").click()
    officer.get_by_role("button", name="Close the 2009 round").click()
    assert "Done: the round is closed" in officer.get_by_role("status").inner_text()
    assert "closed" in officer.locator("table.rounds tr", has_text="2009").inner_text()
