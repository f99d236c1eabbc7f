"""Several server processes on one database (``tracker serve --workers N``, or servers behind one
proxy), on both databases: what one process previewed or started, another applies or shows.
Two applications built by ``create_app`` on the same database stand for two processes (they share
nothing but the database and the upload folder); the last test runs a real ``--workers 2``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from formtools import fill
from tracker import report_jobs, upload_previews
from tracker.models import UploadPreview, utcnow
from tracker.web import reports
from tracker.web.app import create_app
from webtools import ONE_TIME, PASSWORD, Clock, add_accounts, csrf_of, signed_in, wait_for_report_job


@pytest.fixture
def two_processes(store, tracker, tmp_path):
    """The 2008 round open; two applications on its database; Japan's form filled in."""
    tracker("form", "--year", "2008", "--due", "2008-03-31", "--out", str(tmp_path / "forms"))
    add_accounts(store)
    apps = [create_app(store.target, one_time_token=ONE_TIME, reports_folder=tmp_path / "written",
                       uploads_folder=tmp_path) for _ in range(2)]
    filled = fill(tmp_path / "forms" / "JPN-2008.xlsx", {"LC02-2": {"Status": "Implemented"}},
                  out=tmp_path / "JPN-2008.xlsx")
    return apps, filled


def same_session(app, browser: TestClient) -> TestClient:
    """A client of ``app`` carrying ``browser``'s session cookie: the same person, another process."""
    other = TestClient(app, follow_redirects=False)
    other.cookies.update(browser.cookies)
    return other


def preview(browser: TestClient, path) -> str:
    csrf = csrf_of(browser.get("/upload").text)
    page = browser.post("/upload", data={"csrf": csrf},
                        files=[("files", (path.name, path.read_bytes(), "application/octet-stream"))]).text
    assert "JPN-2008.xlsx: would apply" in page
    return page


def apply(browser: TestClient, page: str):
    """"Apply" on the preview ``page``, with the CSRF token of ``browser``'s own session."""
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return browser.post("/upload/apply", data={"csrf": csrf_of(browser.get("/upload").text), "token": token})


def kept_previews(store) -> list:
    return store.run(lambda session: [(p.owner, p.token_sha256) for p in session.query(UploadPreview)])


def test_an_upload_previewed_by_one_process_is_applied_by_another_once(two_processes, store, tracker):
    (first, second), filled = two_processes
    browser = signed_in(first, "eddie")
    page = preview(browser, filled)
    [(owner, digest)] = kept_previews(store)
    assert owner == "eddie" and len(digest) == 64 and digest not in page  # only the token's hash is kept
    applied = apply(same_session(second, browser), page)
    assert applied.status_code == 200 and "JPN-2008.xlsx: applied" in applied.text
    assert tracker("show", "JPN", "--year", "2008", "--json").output.count('"implemented"') == 1
    assert apply(browser, page).status_code == 409  # taken by the other process: applied once
    assert kept_previews(store) == []


def test_a_preview_is_taken_only_by_its_owner_and_only_before_it_expires(two_processes, store, tmp_path):
    (first, _), filled = two_processes
    page = preview(signed_in(first, "eddie"), filled)
    assert apply(signed_in(first, "ada"), page).status_code == 409  # another account's token
    assert len(kept_previews(store)) == 1
    later = Clock(utcnow() + timedelta(hours=5))
    late = create_app(store.target, clock=later, uploads_folder=tmp_path)
    response = apply(same_session(late, signed_in(first, "eddie")), page)
    assert response.status_code == 409 and "no longer kept" in response.text


def test_a_report_started_by_one_process_is_followed_in_another(two_processes, store, tmp_path):
    (first, second), _ = two_processes
    browser = signed_in(first, "eddie")
    csrf = csrf_of(browser.get("/reports").text)
    response = browser.post("/reports/write", data={"csrf": csrf, "year": "2008"})
    address = response.headers["location"]
    other = same_session(second, browser)
    assert other.get(address).status_code == 200
    job = wait_for_report_job(store, int(address.rsplit("/", 1)[1]))
    assert job.problem is None or "LibreOffice" in job.problem, job.problem
    page = other.get(address).text
    assert ("Written:" in page or "LibreOffice" in page) and 'http-equiv="refresh"' not in page
    assert (tmp_path / "written" / "progress-2008.xlsx").is_file()


def test_a_report_whose_process_died_is_shown_as_failed(two_processes, store):
    (first, _), _ = two_processes
    browser = signed_in(first, "eddie")
    started = utcnow() - timedelta(seconds=report_jobs.STALE_SECONDS - 5)
    job_id = store.run(report_jobs.start, 2008, "eddie", started)
    assert "Working:" in browser.get(f"/reports/jobs/{job_id}").text  # beat 55 s ago: still alive
    dead = create_app(store.target, clock=Clock(utcnow() + timedelta(seconds=10)))
    page = same_session(dead, browser).get(f"/reports/jobs/{job_id}").text
    assert "stopped before it finished" in page and 'http-equiv="refresh"' not in page
    twin = same_session(dead, browser).get(f"/reports/jobs/{job_id}.json").json()
    assert (twin["id"], twin["year"], twin["done"]) == (job_id, 2008, True) and "stopped" in twin["problem"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_of_two_processes_answers_every_request(two_processes, store, tmp_path):
    """A real ``tracker serve --workers 2``: signed in once, previewing and applying uploads, each
    request answered by whichever process takes it. (SQLite works too: its file is shared by the
    processes of one machine, with its own locking.)"""
    _, filled = two_processes
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tracker", "--db", store.target, "serve", "--port", str(port),
                               "--workers", "2"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=os.environ | {"TMPDIR": str(tmp_path)})
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/login", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, server.stdout.read().decode()
                time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=30) as browser:
            csrf = csrf_of(browser.get("/login").text)
            signed = browser.post("/login", data={"name": "eddie", "password": PASSWORD, "next": "/", "csrf": csrf})
            assert signed.status_code == 303
            for _ in range(3):  # each time, preview and apply may land on different processes
                page = browser.post("/upload", data={"csrf": csrf_of(browser.get("/upload").text)},
                                    files=[("files", (filled.name, filled.read_bytes(), "application/octet-stream"))])
                assert page.status_code == 200, page.text
                token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
                applied = browser.post("/upload/apply", data={"csrf": csrf_of(page.text), "token": token})
                assert applied.status_code == 200 and "JPN-2008.xlsx:" in applied.text, applied.text
            assert all(browser.get("/imports.json").status_code == 200 for _ in range(6))
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert output.count("Started server process") >= 2, output


def test_of_two_apply_sent_together_exactly_one_takes_the_preview(store, tmp_path):
    """Two processes taking one preview at the same moment, each in its own transaction."""
    kept = upload_previews.Preview("eddie", tmp_path, [], [], "fingerprint")
    for _ in range(5):
        token = store.run(upload_previews.keep, kept, utcnow())
        start = threading.Barrier(2)

        def take():
            start.wait()
            return store.run(upload_previews.take, token, "eddie", utcnow())

        with ThreadPoolExecutor(2) as pool:
            taken = [future.result() for future in [pool.submit(take), pool.submit(take)]]
        assert sorted(preview is None for preview in taken) == [False, True], taken


def test_a_running_report_beats_so_that_other_processes_know_it_is_alive(store, monkeypatch):
    monkeypatch.setattr(report_jobs, "BEAT_SECONDS", 0.1)
    long_ago = utcnow() - timedelta(seconds=report_jobs.STALE_SECONDS * 2)
    job_id = store.run(report_jobs.start, 2008, "eddie", long_ago)
    assert store.run(report_jobs.job, job_id, utcnow()).done  # no beat since: read as dead
    stop = threading.Event()
    beating = threading.Thread(target=reports._beat, args=(store, job_id, stop, utcnow))
    beating.start()
    deadline = time.monotonic() + 30  # the first beat is due after 0.1 s; a loaded machine may take longer
    while store.run(report_jobs.job, job_id, utcnow()).done and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    beating.join()
    job = store.run(report_jobs.job, job_id, utcnow())
    assert not job.done and job.problem is None and job.step == report_jobs.FIRST_STEP
