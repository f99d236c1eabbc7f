"""Changes requested from real Chromium, e-mailed through a real SMTP server (aiosmtpd): the editor
leaves "E-mail the focal point" ticked, presses "Request changes", and is told the message went;
the focal point opens the link from the message and lands on Japan's return with the note.
Screenshots of the review form and of the page said to the editor, at 1280 and 390 px, are kept in
the server's folder."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from mailtools import Mailbox, certificate, start
from test_web_browser import YEAR, browser, server, signed_in  # noqa: F401 (fixtures)
from tracker.cli import cli
from webtools import axe_problems_if_installed

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


def tracker(server, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(server["database"]), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def mailbox(server, tmp_path):
    box = Mailbox()
    cert, key = certificate(tmp_path)
    controller = start(box, "none", cert, key)
    tracker(server, "mail", "set", "--host", "127.0.0.1", "--port", str(controller.port), "--security", "none",
            "--sender", "spsg@example.org", "--web-address", server["base"])
    tracker(server, "contact", "JPN", "--year", str(YEAR), "--name", "Kenji Sato", "--email", "kenji@example.jp")
    yield box
    controller.stop()


def test_changes_requested_in_the_browser_reach_the_focal_point_with_a_working_link(browser, server, mailbox):
    context, page = signed_in(browser, server, "eddie", viewport=SIZES["1280"], bypass_csp=True)  # for axe-core
    page.goto(f"{server['base']}/economies/JPN/return?year={YEAR}")
    assert page.get_by_label("E-mail the focal point").is_checked()
    assert axe_problems_if_installed(page) == []
    page.get_by_label("Note on the whole return").fill("Please say which law was adopted.")
    for width, size in SIZES.items():
        page.set_viewport_size(size)
        page.locator("#review-form").scroll_into_view_if_needed()
        page.screenshot(path=str(server["folder"] / f"changes-mail-form-{width}.png"))
    page.get_by_role("button", name="Request changes").click()
    page.wait_for_load_state()
    said = page.get_by_role("status").filter(has_text="e-mailed")
    assert said.inner_text() == "Changes requested of JPN, and e-mailed to kenji@example.jp (250 2.0.0 Queued as test)."
    expect(said).to_be_in_viewport()  # as the page loads after the click, at 390 px (the form's last size)
    assert axe_problems_if_installed(page) == []
    for width, size in reversed(SIZES.items()):
        page.set_viewport_size(size)
        said.scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, width
        page.screenshot(path=str(server["folder"] / f"changes-mail-said-{width}.png"))
    context.close()

    [message] = mailbox.to("kenji@example.jp")
    text = message.get_body(("plain",)).get_content()
    assert "Please say which law was adopted." in text
    link = re.search(re.escape(server["base"]) + r"/link/[\w-]+", text).group(0)
    focal = browser.new_context(viewport=SIZES["390"]).new_page()
    focal.goto(link)
    assert focal.url.endswith(f"/economies/JPN/return?year={YEAR}")
    assert "Please say which law was adopted." in focal.inner_text("#review")
    focal.context.close()
