"""Accounts managed from the browser, on both databases: an administrator adds an account without
choosing its password, the person sets it through a one-time link (used once, expiring), changes a
role or economy, removes an account after a confirmation, never the last administrator; the other
roles get 403, every change needs the form token. The same functions back ``tracker users``. One
Chromium test walks the whole flow on a 390 px phone."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

from tracker import users
from tracker.models import PasswordReset
from webtools import PASSWORD, Clock, add_accounts, axe_problems_if_installed, client, csrf_of, sign_in, signed_in
from test_web_browser import browser, server  # noqa: F401 (fixtures)

NEW_PASSWORD = "a password of my own"


def post(web, path, **data):
    return web.post(path, data={"csrf": csrf_of(web.get("/users").text), **data})


def _link(page: str) -> str:
    return re.search(r'id="link" class="link" readonly value="([^"]+)"', page).group(1).replace("&amp;", "&")


def _set_password(web, link: str, password: str = NEW_PASSWORD, again: str | None = None):
    path = link.removeprefix("http://testserver")
    form = web.get(path)
    token = path.split("token=")[1]
    return form, web.post("/password/set", data={"csrf": csrf_of(web.get("/login").text), "token": token, "password": password,
                                                  "again": password if again is None else again})


def _accounts(tracker) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads(tracker("users", "list", "--json").output)}


def test_an_account_added_in_the_browser_sets_its_own_password_once(store, tracker):
    add_accounts(store)
    clock = Clock()
    admin = signed_in(client(store, clock=clock), "ada")
    added = post(admin, "/users", name="kim", role="focal-point", economy="kor")
    assert added.status_code == 200 and "kim is added" in added.text
    link = _link(added.text)
    assert link.startswith("http://testserver/password/set?token=")
    assert _accounts(tracker)["kim"]["economy"] == "KOR"
    token = link.split("token=")[1]
    with store.transaction() as session:
        kept = session.query(PasswordReset).one()
        assert kept.token_sha256 == hashlib.sha256(token.encode()).hexdigest() and token not in kept.token_sha256
        assert kept.expires_at - kept.created_at == timedelta(hours=72)
    listed = admin.get("/users.json").json()
    assert next(r for r in listed if r["name"] == "kim")["link_expires_at"] == "2030-01-04T00:00:00"
    assert "token" not in json.dumps(listed)

    person = client(store, clock=clock)
    assert sign_in(person, "kim", "").status_code in (400, 401)
    form, mismatch = _set_password(person, link, again="something else entirely")
    assert form.status_code == 200 and 'value="kim"' in form.text
    assert mismatch.status_code == 400 and "The two passwords differ" in mismatch.text
    short = _set_password(person, link, password="short")[1]
    assert short.status_code == 400 and "too short" in short.text
    _, done = _set_password(person, link)
    assert done.status_code == 303 and done.headers["location"] == "/login?password_set=kim"
    assert "Your password is set" in person.get(done.headers["location"]).text
    assert sign_in(person, "kim", NEW_PASSWORD).status_code == 303
    assert person.get("/economies/KOR").status_code == 200

    again_form, again = _set_password(client(store, clock=clock), link, password="yet another password")
    assert again_form.status_code == 410 and "used already" in again_form.text
    assert again.status_code == 410 and "used already" in again.text
    assert sign_in(client(store, clock=clock), "kim", "yet another password").status_code == 401


def test_an_expired_link_is_refused_and_a_reset_replaces_the_earlier_link(store, tracker):
    add_accounts(store)
    clock = Clock()
    admin = signed_in(client(store, clock=clock), "ada")
    first = _link(post(admin, "/users/vera/reset").text)
    clock.advance(72 * 3600 + 1)
    expired_form, expired = _set_password(client(store, clock=clock), first)
    assert expired_form.status_code == 410 and "expired" in expired_form.text and expired.status_code == 410
    second = _link(post(admin, "/users/vera/reset").text)
    third = _link(post(admin, "/users/vera/reset").text)
    assert _set_password(client(store, clock=clock), second)[0].status_code == 410
    person = client(store, clock=clock)
    assert sign_in(person, "vera", PASSWORD).status_code == 303, "the old password works until a new one is set"
    assert _set_password(client(store, clock=clock), third)[1].status_code == 303
    assert person.get("/").status_code == 303, "setting the password ends the sessions of the old one"
    assert sign_in(client(store, clock=clock), "vera", PASSWORD).status_code == 401
    assert sign_in(client(store, clock=clock), "vera", NEW_PASSWORD).status_code == 303


def test_an_administrator_changes_a_role_and_removes_an_account_after_asking(store, tracker):
    add_accounts(store)
    admin = signed_in(client(store), "ada")
    vera = signed_in(client(store), "vera")
    changed = post(admin, "/users/vera/change", role="focal-point", economy="per")
    assert changed.status_code == 303 and changed.headers["location"] == "/users?done=changed"
    assert (_accounts(tracker)["vera"]["role"], _accounts(tracker)["vera"]["economy"]) == ("focal-point", "PER")
    assert vera.get("/matrix").status_code == 403 and vera.get("/economies/PER").status_code == 200
    unknown = post(admin, "/users/vera/change", role="focal-point", economy="XYZ")
    assert unknown.status_code == 409 and "Unknown economy" in unknown.text
    assert post(admin, "/users/vera/change", role="focal-point").status_code == 409

    asked = admin.get("/users/vera/remove")
    assert asked.status_code == 200 and "Yes, remove vera" in asked.text and "vera" in _accounts(tracker)
    removed = admin.post("/users/vera/remove", data={"csrf": csrf_of(asked.text)})
    assert removed.status_code == 303 and removed.headers["location"] == "/users?done=removed"
    assert "vera" not in _accounts(tracker) and vera.get("/").status_code == 303
    assert post(admin, "/users/vera/remove").status_code == 409


def test_the_last_administrator_is_kept(store, tracker):
    add_accounts(store)
    admin = signed_in(client(store), "ada")
    for path, data in (("/users/ada/remove", {}), ("/users/ada/change", {"role": "editor"})):
        refused = post(admin, path, **data)
        assert refused.status_code == 409 and "ada is the last administrator" in refused.text
    assert _accounts(tracker)["ada"]["role"] == "admin"
    assert post(admin, "/users/eddie/change", role="admin").status_code == 303
    assert post(admin, "/users/ada/change", role="editor").status_code == 303
    assert "last administrator" in tracker("users", "remove", "eddie", expect=1).output


def test_only_administrators_manage_accounts_and_every_change_needs_the_form_token(store, tracker):
    add_accounts(store)
    for name in ("eddie", "vera", "fumiko"):
        web = signed_in(client(store), name)
        token = csrf_of(web.get("/").text if name != "fumiko" else web.get("/economies/JPN").text)
        assert web.get("/users").status_code == 403 and web.get("/users/vera/remove").status_code == 403
        for path, data in (("/users", {"name": "x1", "role": "admin"}), ("/users/vera/change", {"role": "admin"}),
                           ("/users/vera/reset", {}), ("/users/ada/remove", {})):
            assert web.post(path, data={"csrf": token, **data}).status_code == 403
    admin = signed_in(client(store), "ada")
    for path in ("/users", "/users/vera/change", "/users/vera/reset", "/users/vera/remove"):
        assert admin.post(path, data={"name": "x2", "role": "admin"}).status_code == 403
    person = client(store)
    assert person.post("/password/set", data={"token": "x", "password": NEW_PASSWORD, "again": NEW_PASSWORD}).status_code == 403
    assert set(_accounts(tracker)) == {"ada", "eddie", "vera", "fumiko"}
    assert client(store).get("/users").status_code == 303


def test_an_unknown_or_mangled_link_is_a_page_saying_why(store):
    add_accounts(store)
    web = client(store)
    for path in ("/password/set", "/password/set?token=nonsense", "/password/set?token=%00%ff"):
        page = web.get(path)
        assert page.status_code == 410 and "ask an administrator for a new one" in page.text
        assert "Set my password" not in page.text


def test_the_commands_use_the_same_links(store, tracker):
    add_accounts(store)
    added = tracker("users", "add", "kim", "--role", "viewer", "--link", "--address", "https://t.example.org/ctap/").output
    link = re.search(r"https://\S+", added).group(0)
    assert link.startswith("https://t.example.org/ctap/password/set?token=")
    token = link.split("token=")[1]
    with store.transaction() as session:
        assert users.set_password_by_link(session, token, NEW_PASSWORD, users.utcnow()) == "kim"
    assert sign_in(client(store), "kim", NEW_PASSWORD).status_code == 303
    assert "http://127.0.0.1:8080/password/set?token=" in tracker("users", "reset", "kim").output
    assert "not the address" in tracker("users", "reset", "kim", "--address", "ftp://x", expect=1).output
    assert "is now editor" in tracker("users", "change", "kim", "--role", "editor").output


def test_on_a_phone_an_administrator_adds_an_account_and_the_person_signs_in(browser, server):  # noqa: F811
    phone = {"width": 390, "height": 844}
    context = browser.new_context(viewport=phone, bypass_csp=True)
    page = context.new_page()
    page.goto(server["base"] + "/users")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Accounts"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.locator("#add-name").fill("phonekim")
    page.locator("#add-role").select_option(label="Focal point")
    page.locator("#add-economy").fill("KOR")
    page.get_by_role("button", name="Add, and show the link to set a password").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "phonekim is added"
    link = page.get_by_label("One-time link").input_value()
    page.screenshot(path=str(server["folder"] / "accounts-link-390.png"), full_page=True)
    problems = axe_problems_if_installed(page)

    person = browser.new_context(viewport=phone, bypass_csp=True).new_page()
    person.goto(link)
    assert person.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    person.screenshot(path=str(server["folder"] / "password-set-390.png"), full_page=True)
    problems += axe_problems_if_installed(person)
    person.get_by_label("New password").fill(NEW_PASSWORD)
    person.get_by_label("The same password again").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Set my password").click()
    person.wait_for_load_state()
    assert "Your password is set" in person.inner_text("main")
    assert person.get_by_label("User name").input_value() == "phonekim"
    person.get_by_label("Password").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Sign in").click()
    person.wait_for_load_state()
    assert person.url.endswith("/economies/KOR")
    assert person.goto(link).status == 410

    page.goto(server["base"] + "/users")
    page.get_by_text("phonekim (Focal point, KOR)").click()
    page.get_by_role("link", name="Remove phonekim…").click()
    page.get_by_role("button", name="Yes, remove phonekim").click()
    page.wait_for_load_state()
    assert "the account is removed" in page.inner_text("main")
    page.screenshot(path=str(server["folder"] / "accounts-390.png"), full_page=True)
    assert problems == []
    context.close()
