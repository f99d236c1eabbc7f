"""A return is one thing everywhere: a form sent back unchanged makes its economy "returned" in
`round status`, `summary` (text and --json), the browser's pages and the report, from ``returns.returned_economies``;
the prefilled answers it carried forward are recorded for the year as confirmed. Answers saved on
the online return page are a draft, returned nowhere until submitted; what the secretariat records
counts at once."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from formtools import fill
from test_web_return import page_fields
from tracker.models import Economy, utcnow
from tracker.returns import NO_RETURN, returned_economies
from webtools import add_accounts, client, csrf_of, signed_in


@pytest.fixture
def form_of(tracker, tmp_path):
    def form_of(code: str, year: int = 2009):
        tracker("form", "--year", str(year), "--economy", code, "--out", str(tmp_path / "out"))
        return tmp_path / "out" / f"{code}-{year}.xlsx"

    return form_of


def economy_id(store, code: str) -> int:
    with store.transaction() as session:
        return session.query(Economy.id).filter(Economy.code == code).scalar()


@pytest.fixture
def web(store):
    add_accounts(store)
    return signed_in(client(store), "eddie")


def returned_everywhere(tracker, store, web, code: str, year: int = 2009) -> dict[str, bool]:
    """Whether each command and page says ``code`` returned for ``year``."""
    status = {row["economy"]: row for row in json.loads(tracker("round", "status", str(year), "--json").output)}
    summary = {row["code"]: row for row in json.loads(tracker("summary", "--year", str(year), "--json").output)}
    summary_line = next(line for line in tracker("summary", "--year", str(year)).output.splitlines()
                        if line.startswith(f"{code} "))
    chase = tracker("round", "status", str(year)).output.partition("To chase:")[2]
    glance = web.get(f"/.json?year={year}").json()
    glance_row = next(r for r in glance["round_status"]["rows"] if r["economy"] == code)
    glance_summary = next(r for r in glance["summary"]["economies"] if r["code"] == code)
    glance_table = web.get(f"/?year={year}").text.partition('<table class="economies">')[2]
    glance_page_row = re.search(rf'<th scope="row"><a href="[^"]*/economies/{code}\?year={year}">.*?</tr>',
                                glance_table, re.S).group(0)
    page = web.get(f"/economies/{code}?year={year}").text
    page_twin = web.get(f"/economies/{code}.json?year={year}").json()
    with store.transaction() as session:
        defined = economy_id(store, code) in returned_economies(session, year)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xlsx"
        tracker("report", "--year", str(year), "--out", str(report))
        book = load_workbook(report, read_only=True)
        sheets = {name: list(book[name].iter_rows(values_only=True)) for name in ("Economies", "Returns")}
    returned_in = {}
    for name, rows in sheets.items():
        header = next(row for row in rows if row and row[0] == "Economy code")
        row = next(row for row in rows if row and row[0] == code)
        returned_in[name] = row[header.index(f"Return for {year}")] == "Returned"
    return {
        "definition": defined,
        "round status --json": bool(status[code]["returned"]),
        "round status to chase": code not in chase,
        "summary --json": summary[code]["returned"],
        "summary text": "no return" not in summary_line,
        "browser glance twin": bool(glance_row["returned"]) and glance_summary["returned"],
        "browser glance page": not re.findall(r"<td>(.*?)</td>", glance_page_row, re.S)[1].startswith(NO_RETURN),
        "browser economy page": "not received yet" not in page,
        "browser economy page twin": page_twin["has_returned"],
        "report's Economies sheet": returned_in["Economies"],
        "report's Returns sheet": returned_in["Returns"],
    }


PLACES = ("definition", "round status --json", "round status to chase", "summary --json", "summary text",
          "browser glance twin", "browser glance page", "browser economy page", "browser economy page twin",
          "report's Economies sheet", "report's Returns sheet")


def every_place(returned: bool) -> dict[str, bool]:
    """What ``returned_everywhere`` gives when every place says the same."""
    return dict.fromkeys(PLACES, returned)


def test_an_unchanged_form_makes_its_economy_returned_in_every_place(tracker, store, form_of, web):
    """A form with no earlier answers sent back as it was: nothing is recorded, yet it is a return."""
    form = form_of("JPN")
    form_of("PER")
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(False)
    result = tracker("import", str(form))
    assert "0 new, 0 changed" in result.output
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(True)
    assert returned_everywhere(tracker, store, web, "PER") == every_place(False)
    assert "Region-wide figures cover the 1 of 21 economies that returned." in tracker("summary", "--year", "2009").output


def test_prefilled_answers_returned_unchanged_are_recorded_as_confirmed(tracker, store, form_of, web):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented", "--measures", "Act of 2008")
    tracker("record", "JPN", "LC02-2", "--year", "2008", "--status", "planned")
    form = fill(form_of("JPN"), {"LC02-2": {"Status": "In progress"}})

    preview = tracker("import", "--dry-run", str(form)).output
    assert "1 new, 0 changed, 1 confirmed" in preview
    assert "JPN 2009 LC02-1: status Implemented confirmed" in preview
    assert "JPN 2009 LC02-1: measures Act of 2008 confirmed" in preview
    assert "JPN 2009 LC02-2: status Planned -> In progress" not in preview  # a new answer for 2009, from blank
    assert "JPN 2009 LC02-2: status (blank) -> In progress" in preview
    tracker("import", str(form))

    rows = json.loads(tracker("history", "JPN", "--year", "2009", "--json").output)
    by_field = {(row["ref"], row["field"]): row for row in rows}
    assert by_field[("LC02-1", "status")] | {"changed_at": None, "source": None} == {
        "changed_at": None, "economy": "JPN", "ref": "LC02-1", "year": 2009, "field": "status", "old": None,
        "new": "implemented", "confirmed": True, "draft": False, "source": None, "file": "JPN-2009.xlsx",
        "import_id": by_field[("LC02-1", "status")]["import_id"]}
    assert by_field[("LC02-2", "status")]["confirmed"] is False
    assert "LC02-1 status: Implemented confirmed" in tracker("history", "JPN", "--year", "2009").output
    shown = {row["ref"]: row for row in json.loads(tracker("show", "JPN", "--year", "2009", "--json").output)}
    assert (shown["LC02-1"]["status"], shown["LC02-1"]["measures"]) == ("implemented", "Act of 2008")
    assert shown["LC02-3"]["status"] is None  # nobody answered it: still not reported
    summary = {row["code"]: row for row in json.loads(tracker("summary", "--year", "2009", "--json").output)}
    assert summary["JPN"]["reported"] == 2 and summary["JPN"]["implemented"] == 1
    page = web.get("/economies/JPN?year=2009").text
    assert "(confirmed: carried forward, returned unchanged)" in page


def test_a_return_counts_as_of_a_moment_and_not_once_undone(tracker, store, form_of, web):
    form = form_of("JPN")
    before = utcnow()
    tracker("import", str(form))
    jpn = economy_id(store, "JPN")
    with store.transaction() as session:
        assert jpn in returned_economies(session, 2009)
        assert jpn not in returned_economies(session, 2009, as_of=before)
    [imported] = json.loads(tracker("imports", "list", "--json").output)
    tracker("imports", "undo", str(imported["id"]))
    with store.transaction() as session:
        assert jpn not in returned_economies(session, 2009)
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(False)


def test_answers_recorded_without_a_file_are_a_return_too(tracker, store, web):
    tracker("record", "NZL", "LC02-1", "--year", "2009", "--status", "planned")
    assert returned_everywhere(tracker, store, web, "NZL") == every_place(True)


def save_online(browser, code: str, answers: dict[str, str], year: int = 2009) -> None:
    """The online return page of ``code`` saved with ``answers`` (``{"status:LC02-1": "planned"}``)."""
    page = browser.get(f"/economies/{code}/return?year={year}").text
    assert browser.post(f"/economies/{code}/return/save", data=page_fields(page) | answers).status_code == 303


def submit_online(browser, code: str, year: int = 2009) -> None:
    page = browser.get(f"/economies/{code}/return?year={year}").text
    assert browser.post(f"/economies/{code}/return", data=page_fields(page) | {"confirm": "yes"}).status_code == 303


def returned_now_and_rebuilt(store, code: str, year: int = 2009) -> tuple[bool, bool]:
    """Whether ``code`` returned now, and as rebuilt from the history as of now: the two must agree."""
    economy = economy_id(store, code)
    with store.transaction() as session:
        return economy in returned_economies(session, year), economy in returned_economies(session, year, as_of=utcnow())


def test_answers_saved_online_are_a_draft_returned_nowhere_until_the_return_is_submitted(tracker, store, form_of, web):
    form_of("JPN")
    focal_point = signed_in(client(store), "fumiko")
    save_online(focal_point, "JPN", {"status:LC02-1": "planned", "status:LC02-2": "implemented"})
    shown = {row["ref"]: row for row in json.loads(tracker("show", "JPN", "--year", "2009", "--json").output)}
    assert (shown["LC02-1"]["status"], shown["LC02-2"]["status"]) == ("planned", "implemented")  # kept
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(False)
    assert returned_now_and_rebuilt(store, "JPN") == (False, False)
    page = focal_point.get("/economies/JPN/return?year=2009").text
    assert "the return counts as received only once it is submitted" in page
    history = tracker("history", "JPN", "--year", "2009").output
    assert "LC02-1 status: (blank) -> Planned (saved online as a draft)" in history, history
    assert [row["draft"] for row in json.loads(tracker("history", "JPN", "--year", "2009", "--json").output)
            if row["ref"] == "LC02-1"] == [True]
    assert "<em>(saved online as a draft)</em>" in web.get("/history?economy=JPN&year=2009").text
    saved = utcnow()
    submit_online(focal_point, "JPN")
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(True)
    jpn = economy_id(store, "JPN")
    with store.transaction() as session:
        assert jpn not in returned_economies(session, 2009, as_of=saved)
        assert jpn in returned_economies(session, 2009, as_of=utcnow())
    save_online(focal_point, "JPN", {"status:LC02-3": "partial"})  # submitted, then saved again
    assert "changes saved since then are not submitted yet" in focal_point.get("/economies/JPN/return?year=2009").text
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(True)
    assert returned_now_and_rebuilt(store, "JPN") == (True, True)


def test_the_secretariats_records_over_an_online_draft_make_a_return(tracker, store, form_of, web):
    """A status set by ``tracker record`` or by an editor's correction on the economy's page counts
    at once; a status the focal point saves online over the secretariat's is a draft again."""
    form_of("JPN")
    focal_point = signed_in(client(store), "fumiko")
    save_online(focal_point, "JPN", {"status:LC02-1": "planned"})
    page = web.get("/economies/JPN?year=2009").text
    shown = re.search(r'id="LC02-1".*?name="shown" value="([^"]+)"', page, re.S).group(1)
    corrected = web.post("/economies/JPN/items/LC02-1", data={"csrf": csrf_of(page), "year": "2009",
                                                             "shown": shown, "status": "in_progress"})
    assert corrected.status_code == 303
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(True)
    save_online(focal_point, "JPN", {"status:LC02-1": "implemented"})
    assert returned_now_and_rebuilt(store, "JPN") == (False, False)
    tracker("record", "JPN", "LC02-1", "--year", "2009", "--status", "partial")
    assert returned_now_and_rebuilt(store, "JPN") == (True, True)
    save_online(focal_point, "JPN", {"measures:LC02-1": "A law", "needs:LC02-2": "Training"})  # no status
    assert returned_everywhere(tracker, store, web, "JPN") == every_place(True)
    assert returned_now_and_rebuilt(store, "JPN") == (True, True)
    assert "No problems found." in tracker("check").output  # each entry's draft mark is its history's


def test_undoing_an_import_over_an_online_draft_puts_the_draft_back(tracker, store, form_of, web):
    form = fill(form_of("JPN"), {"LC02-1": {"Status": "Implemented"}})
    focal_point = signed_in(client(store), "fumiko")
    save_online(focal_point, "JPN", {"status:LC02-1": "planned", "status:LC02-2": "partial"})
    tracker("import", "--force", str(form))  # the form's Implemented over the focal point's saved Planned
    assert returned_now_and_rebuilt(store, "JPN") == (True, True)
    [imported] = json.loads(tracker("imports", "list", "--json").output)
    tracker("imports", "undo", str(imported["id"]))
    shown = {row["ref"]: row for row in json.loads(tracker("show", "JPN", "--year", "2009", "--json").output)}
    assert shown["LC02-1"]["status"] == "planned"  # the focal point's answer, put back: a draft again
    assert returned_now_and_rebuilt(store, "JPN") == (False, False)
    assert "No problems found." in tracker("check").output
