"""The public site in real Chromium, as a member of the public sees it: the demo's three years
published (Japan's 2010 answer holding hostile text, its report written again so that it is
published), served as plain files by Python's ``http.server``, browsed with JavaScript off. Every
page reached by following links from the home page, every link resolving inside the folder, no
request leaving it, axe-core with no serious or critical violation at 1280 and 390 px, hostile
text shown as text, pages that fit a phone's width and print without their navigation.
Screenshots of the overview, a commitment and an economy at both widths are kept in the folder."""

from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit

import pytest

from test_web_browser import _missing, browser  # noqa: F401 (fixture)
from webtools import AXE, SCROLL_BOXES, axe_problems
from tracker import demo, kept_reports, progress
from tracker.catalogue import resolve_item
from tracker.economies import resolve_economy
from tracker.publish import publish_site
from tracker.store import Store

HOSTILE = '<script>window.owned = true; alert("owned")</script><img src=x onerror="window.owned=true">'
WIDTHS = (1280, 390)
SHOWN = {"overview": "2010/index.html", "commitment": "commitments/LC02-1.html", "economy": "economies/JPN.html"}
AXE_PAGES = ["index.html", "2010/index.html", "2006/index.html", "2010/matrix.html", "commitments.html",
             "commitments/LC02-1.html", "economies.html", "economies/JPN.html", "economies/RUS.html", "downloads.html"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory, demo_copy):
    folder = tmp_path_factory.mktemp("public")
    result = demo_copy(folder / "demo")
    store = Store(str(result.database))
    with store.transaction() as session:
        japan = resolve_economy(session, "JPN")
        progress.record_entries(session, japan, demo.ROUND_YEAR, [(resolve_item(session, "LC02-1"), {"measures": HOSTILE})],
                                "browser test")
        kept_reports.write_report(session, demo.ROUND_YEAR, folder / "demo" / "progress-2010-2.xlsx")
    with store.transaction() as session:
        published = publish_site(session, demo.ROUND_YEAR, folder / "site", (2006, demo.ROUND_YEAR))
    store.engine.dispose()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(published.folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"base": f"http://127.0.0.1:{server.server_address[1]}/", "folder": published.folder}
    server.shutdown()
    thread.join(10)


def _page(browser, **options):
    context = browser.new_context(java_script_enabled=False, **options)
    return context, context.new_page()


def test_every_page_is_reached_every_link_resolves_and_no_request_leaves_the_folder(browser, site):
    context, page = _page(browser)
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    base, folder = site["base"], site["folder"]
    to_visit, seen, broken = [base + "index.html"], set(), []
    while to_visit:
        address = to_visit.pop()
        if address in seen:
            continue
        seen.add(address)
        response = page.goto(address)
        assert response.status == 200, address
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urljoin(address, href).split("#")[0]
            if not target.startswith(base) or not (folder / urlsplit(target).path.lstrip("/")).is_file():
                broken.append(f"{address}: {href}")
            elif target.endswith(".html"):
                to_visit.append(target)
    pages = {str(p.relative_to(folder)) for p in folder.rglob("*.html")}
    assert broken == []
    assert {urlsplit(a).path.lstrip("/") for a in seen} == pages
    assert [url for url in requests if not url.startswith(base)] == []
    context.close()


def test_no_serious_or_critical_accessibility_violation(browser, site):
    if not AXE.is_file():
        _missing(f"axe-core ({AXE})")
    context = browser.new_context()  # axe runs as a script; the pages themselves have none
    page = context.new_page()
    problems = []
    for path in AXE_PAGES:
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.goto(site["base"] + path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            problems += axe_problems(page, f"{path} at {width}px")
    assert problems == []
    context.close()


def test_hostile_text_is_shown_as_text_and_runs_nothing(browser, site):
    context = browser.new_context()  # JavaScript on: had the text been markup, it would have run
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site["base"] + "economies/JPN.html")
    assert HOSTILE in page.locator("section.year", has=page.locator("#y2010")).inner_text()
    assert page.evaluate("window.owned") is None and dialogs == []
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_pages_fit_the_width_and_are_kept_as_screenshots(browser, site, width):
    """No page scrolls sideways; a table wider than the screen scrolls inside its box, which says
    so above it (the browser view's cue, from the stylesheet both share)."""
    context, page = _page(browser, viewport={"width": width, "height": 900})
    scrolling = []
    for name, path in SHOWN.items():
        page.goto(site["base"] + path)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1, (path, width)
        page.screenshot(path=str(site["folder"].parent / f"{name}-{width}.png"), full_page=True)
        for box in page.evaluate(SCROLL_BOXES):
            assert (box["below"] >= 12 and "Scroll sideways" in box["hint"]) == (box["hidden"] > 0), (path, box)
            scrolling += [path] if box["hidden"] > 0 else []
    assert bool(scrolling) == (width < 1000), scrolling
    context.close()


def test_pages_print_without_their_navigation_and_the_matrix_fits_a4(browser, site):
    context, page = _page(browser, viewport={"width": 794, "height": 1123})
    page.goto(site["base"] + "2010/index.html")
    page.emulate_media(media="print")
    assert page.locator("header nav").is_hidden() and page.locator("h1").is_visible()
    assert page.pdf(prefer_css_page_size=True).startswith(b"%PDF")
    page.set_viewport_size({"width": 1047, "height": 740})  # A4 landscape within its margins (277 x 196 mm)
    page.goto(site["base"] + "2010/matrix.html")
    assert page.locator(".matrix .short").first.is_visible() and page.locator(".matrix .long").first.is_hidden()
    width = page.evaluate("document.querySelector('.matrix').getBoundingClientRect().width")
    assert width <= 1047, f"the printed matrix is {width} px wide, wider than A4 landscape"
    sizes = {tuple(round(float(n)) for n in box.split()[2:])
             for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", page.pdf(prefer_css_page_size=True))}
    assert sizes == {(842, 595)}, sizes
    context.close()


def test_no_contact_detail_is_published(site):
    """The demo's focal points have names ("Focal point of Japan") and e-mail addresses; none is on the site."""
    for path in site["folder"].rglob("*"):
        if path.suffix in (".html", ".csv", ".json"):
            text = path.read_text(encoding="utf-8")
            assert "Focal point of" not in text and "focal.point@" not in text, path
