"""A report is kept as published: every report written, from the command or the browser, is kept
byte for byte in the database; listing, getting and downloading it give exactly the file whose
SHA-256 is listed; writing a year again adds a report; `tracker check` verifies every kept one;
and no report is written over the database, a kept report or a file tracker did not write."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from formtools import snapshot
from tracker.web.app import create_app
from webtools import ONE_TIME, add_accounts, csrf_of, signed_in, wait_for_report_job


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed(tracker) -> list[dict]:
    return json.loads(tracker("reports", "list", "--json").output)


@pytest.fixture
def recorded(tracker):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented")
    return tracker


def test_a_report_written_twice_is_kept_twice_and_both_come_back_byte_for_byte(recorded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first_output = recorded("report", "--year", "2008").output
    assert "Kept as report 1" in first_output
    first = (tmp_path / "reports" / "progress-2008.xlsx").read_bytes()
    recorded("record", "JPN", "LC02-2", "--year", "2008", "--status", "planned")
    recorded("report", "--year", "2008")
    second = tmp_path / "reports" / "progress-2008-2.xlsx"
    assert (tmp_path / "reports" / "progress-2008.xlsx").read_bytes() == first
    rows = listed(recorded)
    assert [(r["id"], r["year"]) for r in rows] == [(1, 2008), (2, 2008)]
    assert rows[0]["sha256"] == hashlib.sha256(first).hexdigest() and rows[1]["sha256"] == sha256(second)
    assert rows[0]["kept"] == {"workbook": rows[0]["sha256"]}
    (tmp_path / "reports" / "progress-2008.xlsx").write_bytes(b"edited by hand")
    for row in rows:
        out = tmp_path / f"got-{row['id']}.xlsx"
        assert row["sha256"] in recorded("reports", "get", str(row["id"]), "--out", str(out)).output
        assert sha256(out) == row["sha256"]
    assert sha256(tmp_path / "got-1.xlsx") != sha256(tmp_path / "got-2.xlsx")
    assert "No problems found" in recorded("check").output


def test_check_finds_a_kept_report_that_is_no_longer_the_file_published(recorded, store, tmp_path):
    recorded("report", "--year", "2008", "--out", str(tmp_path / "r.xlsx"))
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE kept_report_file SET content = :c"), {"c": b"not the report"})
    result = recorded("check", expect=1)
    assert "Report 1: the kept workbook is not the file published" in result.output
    refused = recorded("reports", "get", "1", "--out", str(tmp_path / "copy.xlsx"), expect=1).output
    assert "Report 1's kept workbook is not the file published" in refused
    assert not (tmp_path / "copy.xlsx").exists()


def test_get_refuses_what_does_not_exist_and_writes_over_nothing(recorded, tmp_path):
    recorded("report", "--year", "2008", "--out", str(tmp_path / "r.xlsx"))
    assert "There is no report 7" in recorded("reports", "get", "7", "--out", str(tmp_path / "x.xlsx"), expect=1).output
    assert "Report 1 has no kept pdf" in recorded("reports", "get", "1", "--pdf", "--out", str(tmp_path / "x.pdf"),
                                                  expect=1).output
    mine = tmp_path / "mine.xlsx"
    mine.write_bytes(b"my own work")
    assert "already exists" in recorded("reports", "get", "1", "--out", str(mine), expect=1).output
    assert mine.read_bytes() == b"my own work"
    recorded("reports", "get", "1", "--out", str(mine), "--force")
    assert sha256(mine) == listed(recorded)[0]["sha256"]


def test_report_out_aimed_at_the_database_is_refused_even_with_force(tracker, store, tmp_path):
    if not store.target.endswith(".db"):
        pytest.skip("PostgreSQL has no database file to aim at")
    for name in ("", "-wal", "-shm"):
        before = snapshot(store)
        target = store.target + name
        for force in ([], ["--force"]):
            output = tracker("report", "--year", "2008", "--out", target, *force, expect=1).output
            assert "does not end in .xlsx" in output or "is the database itself" in output
        assert snapshot(store) == before
    fake = store.target[:-3] + ".xlsx"
    assert tracker("--db", fake, "report", "--year", "2008", "--out", fake, expect=1)


def test_report_refuses_to_write_over_a_file_without_force(recorded, tmp_path):
    mine = tmp_path / "budget.xlsx"
    mine.write_bytes(b"not ours")
    output = recorded("report", "--year", "2008", "--out", str(mine), expect=1).output
    assert "already exists (tracker did not write it" in output and "--force" in output
    assert mine.read_bytes() == b"not ours"
    recorded("report", "--year", "2008", "--out", str(mine), "--force")
    output = recorded("report", "--year", "2008", "--out", str(mine), expect=1).output
    assert "it is report 1 as published, kept in the database" in output


@pytest.mark.parametrize("name", ["r.xls", "myreport", "report.XLSX.pdf"])
def test_report_refuses_a_name_that_does_not_end_in_xlsx(recorded, tmp_path, name):
    output = recorded("report", "--year", "2008", "--out", str(tmp_path / "out" / name), expect=1).output
    assert "does not end in .xlsx" in output and "give a name that ends in .xlsx" in output
    assert not (tmp_path / "out").exists()


def test_reports_written_in_the_browser_are_kept_and_downloaded_as_listed(store, recorded, tmp_path):
    add_accounts(store)
    app = create_app(store.target, one_time_token=ONE_TIME, reports_folder=tmp_path / "web-reports")
    browser = signed_in(TestClient(app, follow_redirects=False), "eddie")
    for number in (1, 2):
        csrf = csrf_of(browser.get("/reports").text)
        assert browser.post("/reports/write", data={"csrf": csrf, "year": "2008"}).status_code == 303
        job = wait_for_report_job(store, number)
        assert job.done and (job.problem is None or "LibreOffice" in job.problem), job.problem
    rows = browser.get("/reports.json").json()
    assert len(rows) == 2 and all(r["kept"]["workbook"] == r["sha256"] for r in rows)
    assert sorted(p.name for p in (tmp_path / "web-reports").glob("*.xlsx")) == ["progress-2008-2.xlsx",
                                                                                 "progress-2008.xlsx"]
    for row in rows:
        response = browser.get(f"/reports/{row['id']}/workbook")
        assert response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == row["sha256"]
        assert "attachment" in response.headers["content-disposition"]
        if shutil.which("soffice"):
            pdf = browser.get(f"/reports/{row['id']}/pdf")
            assert pdf.content.startswith(b"%PDF") and hashlib.sha256(pdf.content).hexdigest() == row["kept"]["pdf"]
    assert browser.get("/reports/9/workbook").status_code == 404
