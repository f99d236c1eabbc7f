"""Helpers of the web tests: an application on the test database, and signing in as a browser does."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

from starlette.testclient import TestClient

from tracker import report_jobs, users
from tracker.models import utcnow
from tracker.web.app import create_app

#: axe-core, installed from npm by ``.ci/run``; the browser tests that check accessibility skip or
#: fail (under CI) without it.
AXE = Path(os.environ.get("AXE_CORE_JS", Path(__file__).parent / ".axe/node_modules/axe-core/axe.min.js"))


def axe_problems(page, where: str) -> list[str]:
    """axe-core's serious and critical violations on the document ``page`` shows, a line each
    beginning with ``where``. axe is added to a document once and can run again on it after a
    change of width or content (adding it costs about as much as a run on a small page)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["violations"] is not None
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def axe_problems_if_installed(page) -> list[str]:
    """``axe_problems`` on the page shown, for tests about something else that look at its
    accessibility in passing: without axe-core they look for nothing (the accessibility tests of
    test_web_browser.py and test_publish_browser.py fail under CI, or skip, instead)."""
    return axe_problems(page, page.url) if AXE.is_file() else []


#: Per table that scrolls inside its box: how far it scrolls, and how far the table sits below
#: the top of its box (the line saying it scrolls, when there is one).
SCROLL_BOXES = """[...document.querySelectorAll('.scroll')].map(box => ({
    hidden: box.scrollWidth - box.clientWidth,
    below: box.querySelector('table').getBoundingClientRect().top - box.getBoundingClientRect().top,
    hint: getComputedStyle(box, '::before').content,
    attachment: getComputedStyle(box).backgroundAttachment}))"""


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """``app`` served by a real uvicorn on a free loopback port, in a thread; its base address."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(10)


PASSWORD = "correct horse battery"
ONE_TIME = "one-time-token-for-tests"


def add_accounts(store) -> None:
    """An account of every role; the focal point answers for Japan."""
    with store.transaction() as session:
        users.add_user(session, "ada", "admin", None, PASSWORD)
        users.add_user(session, "eddie", "editor", None, PASSWORD)
        users.add_user(session, "vera", "viewer", None, PASSWORD)
        users.add_user(session, "fumiko", "focal-point", "JPN", PASSWORD)


class Clock:
    """The time the application reads (``create_app(clock=...)``), moved by the test instead of
    waited for."""

    def __init__(self, now: datetime = datetime(2030, 1, 1)):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def client(store, root_path: str = "", clock: Callable[[], datetime] = utcnow) -> TestClient:
    app = create_app(store.target, one_time_token=ONE_TIME, clock=clock)
    return TestClient(app, root_path=root_path, follow_redirects=False)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def sign_in(browser: TestClient, name: str, password: str = PASSWORD, next_: str = "/"):
    token = csrf_of(browser.get("/login").text)
    return browser.post("/login", data={"name": name, "password": password, "next": next_, "csrf": token})


def signed_in(app_or_client, name: str) -> TestClient:
    """A test client (the one given, or a new one on the application given), signed in as
    ``name``; the sign-in must succeed."""
    browser = app_or_client if isinstance(app_or_client, TestClient) else TestClient(app_or_client, follow_redirects=False)
    response = sign_in(browser, name)
    assert response.status_code == 303, response.text
    return browser


def wait_for_report_job(store, job_id: int, seconds: float = 600) -> report_jobs.ReportJob:
    """Report job ``job_id`` once done, read from its row (as any server process reads it)."""
    deadline = time.monotonic() + seconds
    while not (job := store.run(report_jobs.job, job_id, utcnow())).done and time.monotonic() < deadline:
        time.sleep(0.2)
    return job
