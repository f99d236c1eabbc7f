"""The browser view in a real browser: Playwright driving Debian's Chromium against one real server
(uvicorn, on the demo database) for the whole module.

Covered: the one-time address, signing in and out through the labelled form, every page at 1280 and
390 pixels wide (screenshots kept in the test's folder), a role that may not see a page, hostile
text shown as text and never run, and axe-core (its ``axe.min.js`` from npm, see ``.ci/run``) with
no serious or critical violation on any page. Then, with JavaScript off, the work of a round: an
editor corrects an entry, a stale save is refused, a form is uploaded, previewed and applied, the
import is undone (the online return: ``test_web_return_browser.py``).
"""

from __future__ import annotations

import os
import re
import shutil

import pytest

from tracker import demo, progress
from tracker.economies import resolve_economy
from tracker.catalogue import resolve_item
from tracker.status import LABELS, STATUS_CODES
from tracker.store import Store
from formtools import fill
from webtools import AXE, PASSWORD, add_accounts, axe_problems, served
from tracker.web.app import create_app

HOSTILE = '<script>window.owned = true; alert("owned")</script><img src=x onerror="window.owned=true">'
TOKEN = "browser-one-time-token"
CHROMIUM = shutil.which("chromium")
PAGES = ["/", "/matrix", "/matrix?instrument=LOSCABOS-2002", "/economies/JPN", "/items/LC02-1", "/history",
         "/history?economy=JPN&page=1", "/imports", "/reports", "/users", "/login", "/economies/NOWHERE", "/upload",
         "/economies/JPN/return", "/publication", "/mail", "/needs", "/users/vera/remove", "/rounds"]
WIDTHS = {"wide": 1280, "phone": 390}


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing; .ci/run installs it")
    pytest.skip(f"{what} is missing; .ci/run installs it")


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_copy):
    """The demo round served on a free loopback port; accounts for two roles."""
    folder = tmp_path_factory.mktemp("served")
    result = demo_copy(folder / "demo")
    store = Store(str(result.database))
    with store.transaction() as session:
        economy = resolve_economy(session, "JPN")
        progress.record_entries(session, economy, demo.ROUND_YEAR, [(resolve_item(session, "LC02-1"), {"measures": HOSTILE})],
                                "browser test")
    add_accounts(store)
    store.engine.dispose()
    with served(create_app(str(result.database), one_time_token=TOKEN)) as base:
        yield {"base": base, "shots": folder / "shots", "forms": result.forms, "folder": folder,
               "database": str(result.database)}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        _missing("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def signed_in(browser, server, name: str, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(server["base"] + "/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return context, page


def test_one_time_address_works_once(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server['base']}/login/once?token={TOKEN}")
    assert page.url == server["base"] + "/"
    assert page.get_by_role("heading", level=1).inner_text() == f"Round {demo.ROUND_YEAR} at a glance"
    assert "local administrator" in page.inner_text("header")
    other = browser.new_context().new_page()
    response = other.goto(f"{server['base']}/login/once?token={TOKEN}")
    assert response.status == 403 and "already been used" in other.inner_text("main")
    context.close()


def test_sign_in_and_sign_out(browser, server):
    context, page = signed_in(browser, server, "vera")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Round")
    cookie = next(c for c in context.cookies() if c["name"] == "tracker_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""  # scripts cannot read the session
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.url.endswith("/login")
    page.goto(server["base"] + "/matrix")
    assert "/login?next=" in page.url
    context.close()


def test_wrong_password_is_told_on_the_page(browser, server):
    page = browser.new_context().new_page()
    page.goto(server["base"] + "/login")
    page.get_by_label("User name").fill("eddie")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "The user name or the password is wrong." in page.get_by_role("alert").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_at_both_widths(browser, server, width):
    pixels = WIDTHS[width]
    context, page = signed_in(browser, server, "ada", viewport={"width": pixels, "height": 900})
    server["shots"].mkdir(exist_ok=True)
    for path in PAGES:
        response = page.goto(server["base"] + path)
        expected = 404 if "NOWHERE" in path else 200
        assert response.status == expected, path
        assert page.locator("h1").count() == 1, path
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow} px wider than {pixels} px"
        name = path.strip("/").replace("/", "-").replace("?", "-").replace("&", "-").replace("=", "-") or "glance"
        page.screenshot(path=str(server["shots"] / f"{name}-{width}.png"), full_page=True)
    context.close()


def test_the_whole_matrix_fits_1280_px_with_headers_in_view_and_the_filter_submits_itself(browser, server):
    context, page = signed_in(browser, server, "vera", viewport={"width": 1280, "height": 700})
    page.goto(server["base"] + "/matrix")
    box = page.locator(".matrix-wrap")
    sideways = box.evaluate("element => element.scrollWidth - element.clientWidth")
    assert sideways <= 0, f"the matrix scrolls {sideways} px sideways at 1280 px"
    assert page.locator(".matrix thead th").count() == 1 + 21
    box.evaluate("element => { element.scrollTop = 400; }")
    header = page.locator(".matrix thead th").nth(3).bounding_box()
    assert abs(header["y"] - box.bounding_box()["y"]) < 3
    link = page.get_by_role("link", name="LC02-1", exact=True)
    tip = page.locator("#" + link.get_attribute("aria-describedby"))
    assert tip.is_hidden()
    link.focus()
    assert tip.is_visible() and "cybercrime" in tip.inner_text()
    page.get_by_label("Instrument").select_option("LOSCABOS-2002")
    page.wait_for_url("**instrument=LOSCABOS-2002**")
    assert "LC02-1" in page.inner_text(".matrix tbody")
    context.close()


def test_on_a_phone_the_matrix_is_one_economy_at_a_time(browser, server):
    context, page = signed_in(browser, server, "vera", viewport={"width": 390, "height": 800})
    page.goto(server["base"] + "/matrix")
    assert page.locator(".matrix-wrap").is_hidden()
    assert page.get_by_role("heading", level=2).inner_text().startswith("AUS")
    page.get_by_label("Economy").select_option("JPN")
    page.wait_for_url("**economy=JPN**")
    assert page.get_by_role("heading", level=2).inner_text() == "JPN Japan"
    code, text = page.locator(".statuses-list li", has_text="LC02-1").inner_text().split("\n", 1)
    label = text.rsplit(": ", 1)[1]
    assert text.startswith("LC02-1 Cybercrime laws") and code == STATUS_CODES[{v: k for k, v in LABELS.items()}[label]]
    context.close()


def test_a_focal_point_may_not_see_other_economies(browser, server):
    context, page = signed_in(browser, server, "fumiko")
    assert page.url.endswith("/economies/JPN")
    response = page.goto(server["base"] + "/matrix")
    assert response.status == 403 and "A focal point sees its own economy only" in page.inner_text("main")
    assert page.goto(server["base"] + "/economies/AUS").status == 403
    assert page.get_by_role("link", name="Matrix").count() == 0
    context.close()


def test_hostile_text_is_shown_as_text_and_runs_nothing(browser, server):
    context, page = signed_in(browser, server, "vera")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server["base"] + f"/economies/JPN?year={demo.ROUND_YEAR}")
    assert HOSTILE in page.locator("#LC02-1 .narrative").inner_text()
    assert page.evaluate("window.owned") is None
    assert dialogs == []
    context.close()


def test_no_serious_or_critical_accessibility_violation(browser, server):
    if not AXE.is_file():
        _missing(f"axe-core ({AXE})")
    wide, phone = WIDTHS["wide"], WIDTHS["phone"]
    context, page = signed_in(browser, server, "ada", bypass_csp=True)
    problems = []
    for path in PAGES:
        page.set_viewport_size({"width": wide, "height": 900})
        page.goto(server["base"] + path)
        problems += axe_problems(page, f"{path} at {wide}px")
        page.set_viewport_size({"width": phone, "height": 900})
        problems += axe_problems(page, f"{path} at {phone}px")
    assert problems == []
    context.close()


def test_the_matrix_prints_on_a4_landscape(browser, server):
    context, page = signed_in(browser, server, "vera", viewport={"width": 1047, "height": 740})  # 277 x 196 mm
    page.goto(server["base"] + "/matrix")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator(".matrix .code").first.is_visible()
    width = page.evaluate("document.querySelector('.matrix').getBoundingClientRect().width")
    assert width <= 1047, f"the printed matrix is {width} px wide, wider than A4 landscape"
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = {tuple(round(float(n)) for n in box.split()[2:]) for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)}
    assert sizes == {(842, 595)}, sizes
    context.close()


def test_everything_works_with_javascript_off(browser, server):
    context, page = signed_in(browser, server, "vera", java_script_enabled=False)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Round")
    page.goto(server["base"] + "/matrix")
    page.get_by_label("Instrument").select_option("LOSCABOS-2002")
    assert "instrument=" not in page.url  # nothing submits by itself without the script ...
    page.get_by_role("button", name="Show").click()  # ... the button does
    page.wait_for_url("**instrument=LOSCABOS-2002**")
    page.goto(server["base"] + "/history")
    page.get_by_role("link", name="Older").click()
    assert "page=2" in page.url
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    context.close()


YEAR = demo.ROUND_YEAR


def _save(page, ref: str, status: str, evidence: str) -> None:
    page.locator(f"#status-{ref}").select_option(status)
    page.locator(f"#evidence-{ref}").fill(evidence)
    page.get_by_role("button", name=f"Save {ref}").click()
    page.wait_for_load_state()


def test_an_editor_corrects_an_entry(browser, server):
    context, page = signed_in(browser, server, "eddie", java_script_enabled=False)
    page.goto(server["base"] + f"/economies/AUS?year={YEAR}")
    _save(page, "LC02-2", "implemented", "Browser evidence")
    assert page.url.endswith(f"/economies/AUS?year={YEAR}#LC02-2")
    section = page.locator("section#LC02-2")
    assert "Implemented" in section.locator("h3").inner_text()
    assert section.locator("#evidence-LC02-2").input_value() == "Browser evidence"
    assert "web (eddie)" in section.inner_text()
    context.close()


def test_a_stale_save_is_refused_showing_both_values(browser, server):
    first, first_page = signed_in(browser, server, "eddie", java_script_enabled=False)
    second, second_page = signed_in(browser, server, "ada", java_script_enabled=False)
    for page in (first_page, second_page):
        page.goto(server["base"] + f"/economies/CHL?year={YEAR}")
    _save(first_page, "LC02-3", "planned", "Saved first")
    _save(second_page, "LC02-3", "not_applicable", "Saved second")
    assert second_page.get_by_role("heading", level=1).inner_text() == "Nothing was changed"
    table = second_page.locator("table.conflicts").inner_text()
    assert "Saved second" in table and "Saved first" in table
    second_page.get_by_role("link", name="Back, with the values as they are now").click()
    assert second_page.locator("#evidence-LC02-3").input_value() == "Saved first"
    first.close()
    second.close()


def test_a_form_is_uploaded_previewed_applied_and_undone(browser, server):
    unreturned = server["forms"][-1]
    filled = fill(unreturned, {"LC02-1": {"Status": "Planned", "Evidence": "From the upload"}},
                  out=server["folder"] / unreturned.name)
    context, page = signed_in(browser, server, "eddie", java_script_enabled=False)
    page.get_by_role("link", name="Upload").click()
    page.get_by_label("Files").set_input_files(str(filled))
    page.get_by_role("button", name="Preview").click()
    assert f"{filled.name}: would apply" in page.inner_text("main")
    assert "From the upload" in page.inner_text("main")
    page.get_by_role("button", name="Apply").first.click()
    assert f"{filled.name}: applied" in page.inner_text("main")
    page.get_by_role("link", name="the imports").click()
    row = page.locator("tr", has_text=filled.name)
    assert "yes" in row.inner_text()
    row.get_by_role("link", name=re.compile("Undo import")).click()
    assert "Undo import" in page.get_by_role("heading", level=1).inner_text()
    assert "From the upload" in page.inner_text("main")
    page.get_by_role("button", name=re.compile("Undo import")).click()
    assert "undone" in page.get_by_role("heading", level=1).inner_text()
    assert re.match(r"[1-9]\d* values? put back", page.get_by_role("status").inner_text())
    page.get_by_role("link", name="Back to the imports").click()
    assert "undone" in page.locator("tr", has_text=filled.name).inner_text()
    context.close()
