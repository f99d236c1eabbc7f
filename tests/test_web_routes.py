"""The browser view through Starlette's test client, on both databases: signing in, roles, every
page and its JSON twin (the same figures as the commands' --json), hostile text, headers, errors,
and a fixed number of SQL statements per page."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, insert, select
from starlette.testclient import TestClient

from tracker import users
from tracker.models import Account, Item
from tracker.status import STATUS_COLOURS
from tracker.web.app import create_app
from webtools import ONE_TIME, PASSWORD, Clock, add_accounts, client, csrf_of, sign_in, signed_in

HOSTILE = '<script>alert("owned")</script>'


def build_round_2008(tracker, folder):
    tracker("form", "--year", "2008", "--due", "2008-03-31", "--out", str(folder / "forms"))
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented", "--measures", HOSTILE)
    tracker("record", "JPN", "LC02-2", "--year", "2008", "--status", "partial")
    tracker("record", "AUS", "LC02-1", "--year", "2008", "--status", "not_started")
    tracker("contact", "JPN", "--year", "2008", "--name", "Hanako Sato", "--email", "h.sato@example.go.jp")
    tracker("report", "--year", "2008", "--out", str(folder / "progress-2008.xlsx"))


@pytest.fixture
def round_2008(tracker, set_up):
    """A 2008 round: forms out, two economies answered, one report written."""
    set_up(build_round_2008)
    return tracker


@pytest.fixture
def web(store, round_2008):
    add_accounts(store)
    return client(store)


def cli_json(tracker, *args):
    return json.loads(tracker(*args, "--json").output)


def test_nobody_signed_in_is_sent_to_sign_in_and_back(web):
    response = web.get("/matrix?year=2008")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/matrix%3Fyear%3D2008"
    assert web.get("/matrix.json").status_code == 401
    page = web.get("/login").text
    assert '<label for="name">User name</label>' in page and '<label for="password">Password</label>' in page
    response = sign_in(web, "vera", next_="/matrix?year=2008")
    assert (response.status_code, response.headers["location"]) == (303, "/matrix?year=2008")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and PASSWORD not in cookie
    assert web.get("/matrix?year=2008").status_code == 200


def test_sign_in_never_sends_to_another_site(web):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert sign_in(web, "vera", next_=target).headers["location"] == "/"


def test_an_unknown_name_and_a_wrong_password_get_the_same_answers_and_the_same_waits(store, round_2008):
    """Three failures are free; then each name waits 1 s, then 2 s (the right password too),
    with the same page, status and ``Retry-After``, so a name cannot be told to exist."""
    add_accounts(store)
    clock = Clock()
    web = client(store, clock=clock)

    def answers(name: str) -> list[tuple]:
        seen = []
        for _ in range(3):
            seen.append((sign_in(web, name, "wrong password").status_code, None))
        for password, moved in (("wrong password", 1), ("wrong password", 0), (PASSWORD, 0)):
            response = sign_in(web, name, password)
            seen.append((response.status_code, response.headers.get("retry-after")))
            if response.status_code == 429:
                seen.append(("wait", "Too many failed sign-ins: wait 1 second, then try again." in response.text))
            clock.advance(moved)
        return seen

    unknown, known = answers("nobody"), answers("vera")
    assert unknown == known == [(401, None)] * 3 + [(429, "1"), ("wait", True), (401, None), (429, "2"), ("wait", False)]
    assert "The user name or the password is wrong." in sign_in(web, "ada", "wrong password").text
    assert web.get("/").status_code == 303
    clock.advance(2)
    assert sign_in(web, "vera").status_code == 303 and web.get("/").status_code == 200


def test_a_guesser_at_one_address_never_holds_back_the_owner_at_another(store, round_2008):
    add_accounts(store)
    clock = Clock()
    guesser = TestClient(client(store, clock=clock).app, follow_redirects=False, client=("198.51.100.7", 50000))
    owner = TestClient(guesser.app, follow_redirects=False, client=("203.0.113.9", 50000))
    for _ in range(6):
        sign_in(guesser, "vera", "wrong password")
    assert sign_in(guesser, "vera").status_code == 429
    assert sign_in(owner, "vera").status_code == 303 and owner.get("/").status_code == 200
    assert sign_in(guesser, "vera").status_code == 429  # the owner's success frees only the owner's address


def test_failed_sign_ins_at_the_same_moment_are_each_counted(store):
    """Six wrong passwords at once from one address: whatever the order, exactly three are
    checked (401) and three wait (429), so no failure was lost to a race."""
    add_accounts(store)
    now = datetime(2030, 1, 1)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: store.run(users.sign_in, "vera", "wrong password", now, "192.0.2.1"), range(6)))
    assert sorted(result.status for result in results) == [401] * 3 + [429] * 3


def test_a_sign_in_under_an_unknown_name_checks_a_hash_of_the_same_cost():
    """The hash an unknown name's password is checked against is made with the parameters of
    every new password's hash, so both take the same argon2 work."""
    made = users._hasher.hash(PASSWORD)
    nothing = users._hash_of_nothing(users._hasher)
    assert nothing.rsplit("$", 2)[0] == made.rsplit("$", 2)[0]


def test_failures_are_forgotten_after_a_day_and_a_new_password_clears_them(store, tracker, round_2008):
    add_accounts(store)
    clock = Clock()
    web = client(store, clock=clock)
    for _ in range(8):
        clock.advance(300)
        assert sign_in(web, "vera", "wrong password").status_code == 401
    assert sign_in(web, "vera").status_code == 429
    clock.advance(24 * 3600 + 1)
    assert sign_in(web, "vera", "wrong password").status_code == 401
    assert sign_in(web, "vera").status_code == 303
    for _ in range(5):
        sign_in(web, "eddie", "wrong password")
    assert sign_in(web, "eddie").status_code == 429
    tracker("users", "password", "eddie", "--password-stdin", input=f"{PASSWORD}\n")
    assert sign_in(web, "eddie").status_code == 303


def test_a_password_is_hashed_and_checked_at_the_production_cost(store):
    """The test processes hash at argon2's lowest cost (conftest); ``tracker users add`` run as a
    process of its own hashes at argon2-cffi's defaults, and signing in checks such a hash."""
    subprocess.run([sys.executable, "-m", "tracker", "--db", store.target, "users", "add", "vera", "--role", "viewer",
                    "--password-stdin"], input=f"{PASSWORD}\n", text=True, capture_output=True, check=True, timeout=120)
    with store.transaction() as session:
        stored = session.scalar(select(Account.password_hash).where(Account.name == "vera"))
    production = PasswordHasher()
    assert production.memory_cost >= 65536 and production.time_cost >= 3
    assert stored.startswith(f"$argon2id$v=19$m={production.memory_cost},t={production.time_cost},p={production.parallelism}$")
    web = client(store)
    assert sign_in(web, "vera", "wrong password").status_code == 401
    assert sign_in(web, "vera").status_code == 303 and web.get("/").status_code == 200


def test_sign_in_without_the_form_token_is_refused(web):
    web.get("/login")
    response = web.post("/login", data={"name": "vera", "password": PASSWORD, "next": "/"})
    assert response.status_code == 403
    assert web.get("/").status_code == 303


def test_one_time_address_signs_in_as_administrator_once(store, round_2008):
    first = client(store)
    second = TestClient(first.app, follow_redirects=False)
    assert first.get("/login/once?token=wrong").status_code == 403
    response = first.get(f"/login/once?token={ONE_TIME}")
    assert (response.status_code, response.headers["location"]) == (303, "/")
    assert first.get("/users").status_code == 200
    assert "local administrator (admin)" in first.get("/").text
    assert second.get(f"/login/once?token={ONE_TIME}").status_code == 403


def test_sign_out_ends_the_session(web):
    signed_in(web, "vera")
    page = web.get("/").text
    response = web.post("/logout", data={"csrf": csrf_of(page)})
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert web.get("/").status_code == 303


def test_removed_account_or_changed_password_ends_its_sessions(web, tracker):
    signed_in(web, "vera")
    assert web.get("/").status_code == 200
    tracker("users", "password", "vera", "--password-stdin", input="another password\n")
    assert web.get("/").status_code == 303
    sign_in(web, "vera", "another password")
    assert web.get("/").status_code == 200
    tracker("users", "remove", "vera")
    assert web.get("/").status_code == 303


def test_roles_see_only_what_they_may(web):
    signed_in(web, "vera")
    assert web.get("/matrix").status_code == 200
    assert web.get("/users").status_code == 403
    assert "Accounts" not in web.get("/").text
    signed_in(web, "ada")
    assert web.get("/users").status_code == 200 and "fumiko" in web.get("/users").text
    assert '/users">Accounts' in web.get("/").text
    signed_in(web, "fumiko")
    response = web.get("/")
    assert (response.status_code, response.headers["location"]) == (303, "/economies/JPN")
    assert web.get("/economies/jpn?year=2008").status_code == 200
    for path in ("/economies/AUS", "/economies/AUS.json", "/matrix", "/imports", "/reports", "/users"):
        assert web.get(path).status_code == 403, path
    assert {row["code"] for row in web.get("/items/LC02-1.json").json()["economies"]} <= {"JPN"}
    rows = web.get("/history.json?year=2008").json()["rows"]
    assert rows and {row["economy"] for row in rows} == {"JPN"}
    assert web.get("/history?economy=AUS").status_code == 403


def test_round_at_a_glance_equals_the_commands(web, round_2008):
    round_2008("contact", "PER", "--year", "2007", "--name", "Ana Quispe", "--email", "a.quispe@example.gob.pe")
    signed_in(web, "vera")
    data = web.get("/.json?year=2008").json()
    assert data["year"] == 2008
    assert data["round_status"]["rows"] == cli_json(round_2008, "round", "status", "2008")
    assert data["summary"]["economies"] == cli_json(round_2008, "summary", "--year", "2008")
    assert data["round_status"]["totals"]["forms_issued"] == 21
    assert [row["economy"] for row in data["round_status"]["to_chase"]] == [r["economy"] for r in data["round_status"]["rows"]
                                                                            if not r["returned"]]
    jpn = next(row for row in data["summary"]["economies"] if row["code"] == "JPN")
    page = web.get("/?year=2008").text
    assert f"{jpn['implementation_rate']:.1%}" in page and f"{jpn['coverage']:.1%}" in page
    # JPN's answers are its return (returns.returned_economies): returned in the summary, so not chased
    assert jpn["returned"] and "JPN" not in [r["economy"] for r in data["round_status"]["to_chase"]]
    assert "a.quispe@example.gob.pe" in [r["contact_email"] for r in data["round_status"]["to_chase"]]
    assert 'href="mailto:a.quispe@example.gob.pe"' in page
    assert {row["code"] for row in data["instruments"]} >= {"LOSCABOS-2002"}
    report = data["latest_report"]
    assert report["file"].endswith("progress-2008.xlsx")
    download = web.get(f"/reports/{report['id']}/workbook")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert web.get("/.json").json()["year"] == 2008  # the latest open round by default


def _row_cells(page: str, first_cell: str) -> list[str]:
    """The text of each cell of the Economies table's row that starts with ``first_cell``."""
    table = page[page.index('<table class="economies">'):]
    row = re.search(r"<tr[^>]*>\s*<th[^>]*>(?:(?!</tr>).)*?" + re.escape(first_cell) + r"(?:(?!</tr>).)*</tr>", table, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(0), re.S)]


def test_the_economies_table_shows_no_return_and_the_region_as_the_report_does(web, round_2008):
    """An economy without a return: "No return", and no coverage, rate or change (the report's
    Economies sheet leaves them blank); the region-wide row's counts and coverage are over the
    same economies, those that returned, and it says how many."""
    signed_in(web, "vera")
    summary = web.get("/.json?year=2008").json()["summary"]
    region, applying = summary["region"], summary["items_applying"]
    page = web.get("/?year=2008").text
    assert _row_cells(page, "Canada")[2:7] == ["No return, late", "0/" + str(applying), "", "", ""]
    assert _row_cells(page, "Region-wide") == [
        "Region-wide (2 returned)", "21", "2", f"3/{2 * applying}", f"{region['coverage']:.1%}",
        f"{region['implementation_rate']:.1%}", "-", ""]
    assert region["applicable"] == 2 * applying


def test_economy_page_equals_tracker_show_and_escapes_user_text(web, round_2008):
    signed_in(web, "vera")
    data = web.get("/economies/JPN.json?year=2008").json()
    shown = cli_json(round_2008, "show", "JPN", "--year", "2008")
    assert [{k: v for k, v in row.items() if k not in ("text", "last_change", "shown")} for row in data["items"]] == shown
    lc = next(row for row in data["items"] if row["ref"] == "LC02-1")
    assert lc["measures"] == HOSTILE and lc["last_change"]["source"].startswith("tracker record")
    assert data["history"] == cli_json(round_2008, "history", "JPN", "--year", "2008")
    page = web.get("/economies/JPN?year=2008").text
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in page
    assert "Hanako Sato" in page


def test_matrix_shows_status_as_text_and_no_return_apart_from_not_started(web):
    signed_in(web, "vera")
    data = web.get("/matrix.json?year=2008").json()
    refs = [item["ref"] for item in data["items"]]
    rows = {row["code"]: row for row in data["economies"]}
    assert rows["JPN"]["labels"][refs.index("LC02-1")] == "Implemented"
    assert rows["AUS"]["labels"][refs.index("LC02-1")] == "Not started"
    assert rows["CAN"]["labels"][refs.index("LC02-1")] == "Not reported"
    page = web.get("/matrix?year=2008").text
    assert ('<td class="code c-not_started"><span aria-hidden="true">NS</span>'
            '<span class="visually-hidden">Not started</span></td>') in page
    assert ('<td class="code c-none"><span aria-hidden="true">-</span>'
            '<span class="visually-hidden">Not reported</span></td>') in page
    phone = web.get("/matrix?year=2008&economy=can").text
    assert '<h2 id="one-economy">CAN Canada</h2>' in phone
    only = web.get("/matrix.json?year=2008&instrument=LOSCABOS-2002").json()
    assert only["items"] and {item["instrument"] for item in only["items"]} == {"LOSCABOS-2002"}
    assert len(only["items"]) < len(data["items"])
    titles = [instrument["title"] for instrument in data["instruments"]]
    assert len(set(titles)) == len(titles), "the instrument filter tells two instruments of one title apart"
    assert "Joint Statement of the APEC Ministerial Meeting (Busan, Korea, 2005)" in titles


def test_the_matrix_colours_are_the_reports(web):
    """The coded matrix's cells and the labels of the other pages (and of the public site, which
    shares /shared.css) take each status's colour from the one table the report uses: a colour
    is one status everywhere (the labels had lighter tints, so that Implemented's label wore the
    matrix's Partially implemented green)."""
    stylesheet = web.get("/statuses.css")
    assert stylesheet.headers["content-type"].startswith("text/css")
    shared = web.get("/shared.css").text
    for key, colour in STATUS_COLOURS.items():
        assert f".c-{key} {{ background: {colour};" in stylesheet.text
        assert re.findall(rf"\.s-{key} {{ background: ([^;]+);", shared) == [colour]


def test_item_history_imports_and_reports_pages_carry_the_commands_figures(web, round_2008):
    signed_in(web, "vera")
    item = web.get("/items/lc02-1.json").json()
    assert item["item"]["ref"] == "LC02-1" and item["item"]["wordings"]
    assert item["years"] == [2008]
    assert {row["code"]: row["labels"] for row in item["economies"]} == {"AUS": ["Not started"], "JPN": ["Implemented"]}
    history = web.get("/history.json?year=2008").json()
    assert history["rows"] == cli_json(round_2008, "history", "--year", "2008")[:100]
    assert web.get("/imports.json").json() == json.loads(json.dumps(cli_json(round_2008, "imports", "list")))
    assert web.get("/reports.json").json() == cli_json(round_2008, "reports", "list")
    for path in ("/items/LC02-1", "/history?year=2008", "/imports", "/reports"):
        assert web.get(path).status_code == 200, path
    page = web.get("/history?year=2008").text
    fields = {row["field"] for row in history["rows"]}
    assert "status" in fields and "<td data-label=\"Field\">Status</td>" in page and ">status</td>" not in page


def test_history_is_paginated(web, round_2008):
    for number in range(120):
        round_2008("record", "NZL", "LC02-1", "--year", "2008", "--measures", f"step {number}")
    signed_in(web, "vera")
    first = web.get("/history.json?economy=NZL").json()
    assert (first["total"], first["pages"], len(first["rows"])) == (120, 2, 100)
    second = web.get("/history.json?economy=NZL&page=2").json()
    assert len(second["rows"]) == 20 and second["rows"][-1]["new"] == "step 0"
    assert 'rel="next" href="?economy=NZL&amp;page=2"' in web.get("/history?economy=NZL").text
    assert web.get("/history?economy=NZL&page=3").status_code == 404


@pytest.mark.parametrize("path, status, words", [
    ("/economies/ZZZ", 404, "Unknown economy"),
    ("/economies/JAPN.json", 404, "Did you mean JPN"),
    ("/items/XX-99", 404, "Unknown item"),
    ("/?year=1950", 404, "No checklist item applies in 1950"),
    ("/history?import=999", 404, "There is no import 999"),
    ("/reports/999/workbook", 404, "There is no report 999"),
    ("/nowhere", 404, "Not Found"),
    ("/?year=abc", 400, "is not a whole number"),
    ("/matrix.json?year=99999", 400, "has not come yet"),
    ("/history?page=0", 400, "out of range"),
])
def test_bad_requests_get_a_page_with_the_reason_and_a_way_back(web, path, status, words, caplog):
    signed_in(web, "vera")
    with caplog.at_level("WARNING", logger="tracker.web"):
        response = web.get(path)
    assert any(f"-> {status}" in message for message in caplog.messages), caplog.messages
    assert response.status_code == status
    assert words in response.text and "Traceback" not in response.text
    if path.split("?")[0].endswith(".json"):
        assert response.json()["status"] == status
    else:
        assert 'href="/">Back to the round at a glance' in response.text


def test_every_response_carries_the_safety_headers(web):
    for path in ("/login", "/nowhere", "/static/tracker.css"):
        headers = web.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    signed_in(web, "vera")
    assert "frame-ancestors 'none'" in web.get("/?year=abc").headers["content-security-policy"]


def test_a_path_prefix_from_the_proxy_is_kept_in_links_and_redirects(store, round_2008):
    add_accounts(store)
    prefixed = client(store, root_path="/tracker")
    assert prefixed.get("/tracker/").headers["location"] == "/tracker/login?next=/"
    token = csrf_of(prefixed.get("/tracker/login").text)
    response = prefixed.post("/tracker/login", data={"name": "vera", "password": PASSWORD, "next": "/matrix", "csrf": token})
    assert response.headers["location"] == "/tracker/matrix"
    page = prefixed.get("/tracker/").text
    assert 'href="/tracker/static/tracker.css"' in page and 'href="/tracker/matrix"' in page


PAGES = ["/.json?year=2008", "/matrix.json?year=2008", "/economies/JPN.json?year=2008", "/items/LC02-1.json",
         "/history.json?year=2008", "/imports.json", "/reports.json", "/?year=2008", "/matrix?year=2008",
         "/economies/JPN?year=2008", "/economies/JPN/return.json?year=2008", "/economies/JPN/return?year=2008"]


def _statements(store, web, path) -> int:
    seen = []

    def count(*_):
        seen.append(1)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        assert web.get(path).status_code == 200, path
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return len(seen)


def test_each_page_runs_a_fixed_number_of_statements(store, web, round_2008):
    signed_in(web, "ada")
    app_store = web.app.state.store
    before = {path: _statements(app_store, web, path) for path in PAGES}
    for number in range(15):
        code = f"X{number:02d}"
        round_2008("economies", "add", code, f"Economy {number}")
        round_2008("record", code, "LC02-1", "--year", "2008", "--status", "planned")
        round_2008("contact", code, "--year", "2008", "--name", f"Person {number}")
    with store.transaction() as session:
        template = session.scalar(select(Item).where(Item.ref == "LC02-1"))
        session.execute(insert(Item), [
            {"ref": f"EXTRA-{n}", "instrument_id": template.instrument_id, "text": f"Extra {n}", "text_kind": "summary",
             "category": template.category, "first_year": 2002, "position": 1000 + n} for n in range(30)
        ])
    after = {path: _statements(app_store, web, path) for path in PAGES}
    assert after == before


def test_behind_https_the_session_cookie_is_secure(store, round_2008):
    add_accounts(store)
    secure = TestClient(create_app(store.target, secure_cookies=True), base_url="https://testserver", follow_redirects=False)
    response = sign_in(secure, "vera")
    assert response.status_code == 303 and "secure" in response.headers["set-cookie"].lower()
