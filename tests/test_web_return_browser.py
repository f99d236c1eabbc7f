"""The online return in real Chromium (the demo round served as in ``test_web_browser.py``), as a
focal point on a 390 px phone with JavaScript on: several items filled and saved at once, a warning
before leaving with unsaved text, a submission with unanswered items confirmed first, a second
submission that records nothing. Screenshots at 1280 and 390 px are kept in the server's folder."""

from __future__ import annotations

import re

from test_web_browser import YEAR, browser, server, signed_in  # noqa: F401 (fixtures)
from tracker import rounds, users
from tracker.models import Import
from tracker.store import Store
from webtools import PASSWORD

PHONE = {"width": 390, "height": 844}


def _returns(server) -> tuple[int, object]:
    """How many returns Russia has sent for the year, and when the latest came in."""
    store = Store(server["database"])
    with store.transaction() as session:
        count = session.query(Import).filter(Import.year == YEAR, Import.economy_id.is_not(None)).count()
        russia = next(row for row in rounds.round_status(session, YEAR) if row["economy"] == "RUS")
    store.engine.dispose()
    return count, russia["returned"]


def _focal_point_of_russia(server) -> None:
    store = Store(server["database"])
    with store.transaction() as session:
        if "rusa" not in {row["name"] for row in users.list_users(session)}:
            users.add_user(session, "rusa", "focal-point", "RUS", PASSWORD)
    store.engine.dispose()


def _open_return(browser, server, **options):
    _focal_point_of_russia(server)
    context, page = signed_in(browser, server, "rusa", **options)
    page.get_by_role("link", name=f"Answer the {YEAR} return online").click()
    page.wait_for_load_state()
    return context, page


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_on_a_phone_several_items_are_filled_and_saved_at_once(browser, server):
    context, page = _open_return(browser, server, viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    save, submit = page.get_by_role("button", name="Save", exact=True), page.get_by_role("button", name="Submit return")
    assert _in_view(page, save) and _in_view(page, submit)
    page.locator("#status-LC02-1").select_option(label="Implemented")
    page.locator("#evidence-LC02-1").fill("Cybercrime law in force")
    page.locator("#status-LC02-3").select_option(label="In progress")
    page.locator("#measures-LC02-3").fill("CERT set up\nwith a 24/7 line")
    page.get_by_label("Contact e-mail").fill("focal@example.ru")
    page.locator("#needs-LC02-3").scroll_into_view_if_needed()
    assert _in_view(page, save) and _in_view(page, submit)  # the bar stays in view
    assert page.locator(".save-state").inner_text() == "Unsaved changes"
    page.screenshot(path=str(server["folder"] / "return-typed-390.png"))
    save.click()
    page.wait_for_load_state()
    notice = page.get_by_role("status").inner_text()
    assert re.search(r"Saved at .* UTC: \d+ items \(.*LC02-1.*LC02-3.*\) and the contact point \(.*contact e-mail\)", notice)
    page.reload()
    assert page.locator("#status-LC02-1").input_value() == "implemented"
    assert page.locator("#evidence-LC02-1").input_value() == "Cybercrime law in force"
    assert page.locator("#measures-LC02-3").input_value() == "CERT set up\nwith a 24/7 line"
    assert page.get_by_label("Contact e-mail").input_value() == "focal@example.ru"
    long = page.locator("#evidence-LC02-3")
    long.fill(" ".join(["The national CERT answers incidents around the clock."] * 8))
    hidden = long.evaluate("box => box.scrollHeight - box.clientHeight")
    assert hidden <= 1, f"a long answer is cut: {hidden} px of it scroll inside its box"
    page.screenshot(path=str(server["folder"] / "return-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(server["folder"] / "return-1280.png"))
    context.close()


def test_leaving_with_unsaved_text_asks_first(browser, server):
    context, page = _open_return(browser, server, viewport=PHONE)
    here = page.url
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.locator("#planned-LC02-2").fill("Not saved yet")
    page.get_by_role("link", name=re.compile("statuses and history")).click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"] and page.url == here
    assert page.locator("#planned-LC02-2").input_value() == "Not saved yet"
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("link", name=re.compile("statuses and history")).click()
    page.wait_for_load_state()
    assert dialogs == ["beforeunload"] and "/return" not in page.url
    context.close()


def test_a_submission_with_unanswered_items_is_confirmed_and_a_second_one_records_nothing(browser, server):
    context, page = _open_return(browser, server, viewport=PHONE)
    page.locator("#status-LC02-4").select_option(label="Planned")
    page.get_by_role("button", name="Submit return").click()
    page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(rf"Submit the {YEAR} return of RUS with \d+ items? unanswered\?", heading)
    unanswered = page.locator("ul.unanswered li").all_inner_texts()
    assert unanswered and "LC02-4" not in unanswered
    page.screenshot(path=str(server["folder"] / "return-confirm-390.png"), full_page=True)
    before, _ = _returns(server)
    page.get_by_role("button", name=re.compile("Submit with")).click()
    page.wait_for_load_state()
    assert "Return submitted at" in page.get_by_role("status").inner_text()
    count, first = _returns(server)
    assert count == before + 1 and first is not None
    page.get_by_role("button", name="Submit return").click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile("Submit with")).click()
    page.wait_for_load_state()
    assert "Nothing changed since the return came in" in page.get_by_role("status").inner_text()
    assert _returns(server) == (count, first)
    context.close()


def test_without_javascript_the_whole_page_is_saved_and_submitted(browser, server):
    context, page = _open_return(browser, server, java_script_enabled=False)
    page.locator("#timeframe-T5-1").fill("By 2010")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert "T5-1" in page.get_by_role("status").inner_text()
    assert page.locator("#timeframe-T5-1").input_value() == "By 2010"
    context.close()
