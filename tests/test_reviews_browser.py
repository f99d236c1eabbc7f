"""The review of a return in real Chromium (the demo round served as in ``test_web_browser.py``): an
editor asks Japan for changes with a note on the whole return and one on an item; Japan's focal
point, on a 390 px phone, reads both beside what they concern, corrects the item and submits again;
the return is "received" again. axe-core finds no serious violation on the two pages. Screenshots
of the round page and of the return page with its notes, at 1280 and 390 px, are kept in the
server's folder."""

from __future__ import annotations

import re

from test_web_browser import YEAR, browser, server, signed_in  # noqa: F401 (fixtures)
from tracker import rounds
from tracker.store import Store
from webtools import axe_problems_if_installed

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


def _review_of_japan(server) -> dict:
    store = Store(server["database"])
    with store.transaction() as session:
        japan = next(row for row in rounds.round_status(session, YEAR) if row["economy"] == "JPN")
    store.engine.dispose()
    return japan["review"]


def _shots(page, server, name: str, anchor: str) -> None:
    """The page at both widths: whole, and the screen at ``anchor`` (an element)."""
    for width, size in (("1280", WIDE), ("390", PHONE)):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, f"{name} at {width}"
        page.screenshot(path=str(server["folder"] / f"{name}-{width}.png"), full_page=True)
        page.locator(anchor).scroll_into_view_if_needed()
        page.screenshot(path=str(server["folder"] / f"{name}-note-{width}.png"))


def test_changes_requested_read_on_a_phone_corrected_and_resubmitted(browser, server):
    context, page = signed_in(browser, server, "eddie", viewport=WIDE, bypass_csp=True)
    page.goto(f"{server['base']}/economies/JPN/return?year={YEAR}")
    page.get_by_label("Note on the whole return").fill("Please say which law was adopted.")
    page.get_by_label("Note to the focal point on LC02-1").fill("Name the law and its year.")
    page.get_by_role("button", name="Request changes").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Review: changes requested").is_visible()
    assert _review_of_japan(server)["items"] == [{"ref": "LC02-1", "note": "Name the law and its year."}]
    page.goto(f"{server['base']}/?year={YEAR}")
    japan = page.locator("#review-JPN")
    assert "changes requested" in japan.inner_text() and "Please say which law was adopted." in japan.inner_text()
    assert axe_problems_if_installed(page) == []
    _shots(page, server, "round-review", "#review-JPN")
    context.close()

    context, page = signed_in(browser, server, "fumiko", viewport=PHONE, bypass_csp=True)
    page.goto(f"{server['base']}/economies/JPN/return?year={YEAR}")
    review = page.locator("#review")
    assert "Please say which law was adopted." in review.inner_text() and "submit the return again" in review.inner_text()
    review.get_by_role("link", name="LC02-1").click()
    beside = page.locator("#LC02-1 .review-note")
    assert beside.is_visible() and "Name the law and its year." in beside.inner_text()
    assert page.get_by_label("Note on the whole return").count() == 0  # a focal point does not review
    assert axe_problems_if_installed(page) == []
    _shots(page, server, "return-review", "#LC02-1 .review-note")
    page.set_viewport_size(PHONE)
    page.locator("#evidence-LC02-1").fill("Act on the Prohibition of Unauthorised Computer Access, 1999")
    page.get_by_role("button", name="Submit return").click()
    page.wait_for_load_state()
    if page.get_by_role("button", name=re.compile("Submit with")).count():
        page.get_by_role("button", name=re.compile("Submit with")).click()
        page.wait_for_load_state()
    assert "Return submitted at" in page.get_by_role("status").inner_text()
    assert page.get_by_role("heading", name="Review: received").is_visible()
    assert page.locator("#LC02-1 .review-note").count() == 0
    assert _review_of_japan(server)["state"] == "received"
    context.close()
