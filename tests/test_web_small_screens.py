"""The browser view on a phone (390 px) and a desktop (1280 px), in Chromium, on the demo: what a
reader's review found cramped or hidden. A table wider than the screen says it scrolls sideways;
the mail page keeps each date on one line; the reports' SHA-256 column leaves room to the others."""

from __future__ import annotations

import pytest

from test_web_browser import browser  # noqa: F401 (fixture)
from tracker.store import Store
from tracker.web.app import create_app
from webtools import PASSWORD, SCROLL_BOXES, add_accounts, served

PHONE, DESKTOP = 390, 1280


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory, demo_copy):
    folder = tmp_path_factory.mktemp("small-screens")
    database = demo_copy(folder / "demo").database
    store = Store(str(database))
    add_accounts(store)
    store.engine.dispose()
    with served(create_app(str(database), reports_folder=folder / "reports")) as base:
        yield base


@pytest.fixture
def at_width(browser, demo_server):
    """``at_width(pixels, path)``: the page, signed in as the administrator, in a window that wide."""
    contexts = []

    def open_page(pixels: int, path: str):
        context = browser.new_context(viewport={"width": pixels, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(demo_server + "/login")
        page.get_by_label("User name").fill("ada")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.goto(demo_server + path)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, "the page scrolls sideways"
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("path", ["/", "/reports"])
def test_a_table_that_scrolls_inside_its_box_says_so_and_one_that_fits_does_not(at_width, path):
    phone = at_width(PHONE, path).evaluate(SCROLL_BOXES)
    assert [box for box in phone if box["hidden"] > 0], f"no table of {path} scrolls at {PHONE} px"
    for box in phone:
        if box["hidden"] > 0:
            assert box["below"] >= 12 and "Scroll sideways for more columns" in box["hint"], box
            assert box["attachment"] == "local, local, scroll, scroll", box  # the shadow on the hiding edge
    desktop = at_width(DESKTOP, path).evaluate(SCROLL_BOXES)
    assert desktop and all(box["hidden"] == 0 and box["below"] == 0 for box in desktop), desktop


#: Per ISO date in the page's text: the number of line boxes it is laid out on.
DATE_LINES = r"""() => {
    const found = [];
    const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.data.matchAll(/\d{4}-\d{2}-\d{2}/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + 10);
            const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
            found.push([match[0], tops.size]);
        }
    }
    return found;
}"""


@pytest.mark.parametrize("path", ["/mail", "/", "/rounds", "/economies/JPN", "/imports"])
def test_on_a_phone_no_date_is_broken_over_two_lines(at_width, path):
    page = at_width(PHONE, path)
    page.evaluate("document.querySelectorAll('details').forEach(folded => folded.open = true)")
    dates = page.evaluate(DATE_LINES)
    assert len(dates) > 10
    assert [date for date, lines in dates if lines != 1] == []


#: The number of lines the text of an element is laid out on.
LINES = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].map(rect => Math.round(rect.bottom))).size;
}"""


@pytest.mark.parametrize("path", ["/reports", "/imports"])
def test_a_sha_256_is_its_start_on_one_line_and_opens_to_the_whole(at_width, demo_server, path):
    """The column's heading is one line (it was six at 390 px); each hash its first 12
    characters on one line, opened (a details element, so a phone can, without hovering) to the
    whole value, which breaks anywhere and widens nothing."""
    page = at_width(PHONE, path)
    whole = [row["sha256"] for row in page.request.get(demo_server + path + ".json").json() if row["sha256"]]
    assert page.locator("thead th").filter(has_text="SHA-256").evaluate(LINES) == 1
    summaries = page.locator("td.hash summary")
    assert summaries.all_inner_texts() == [sha256[:12] + "…" for sha256 in whole]
    assert {summary.evaluate(LINES) for summary in summaries.all()} == {1}
    width = page.evaluate("document.querySelector('.scroll').scrollWidth")
    summaries.first.click()
    assert page.locator("td.hash details").first.inner_text().split() == [whole[0][:12] + "…", whole[0]]
    assert page.evaluate("document.querySelector('.scroll').scrollWidth") == width
