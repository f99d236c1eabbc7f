"""The public site and its data package (``tracker publish``), on both databases: only what was
published is published (a year without a kept report is refused; a later correction leaks into no
year already published, until that year's report is written again), every figure on the pages and
in the data is the kept report's own, the data package passes ``frictionless validate`` and opens
in pandas, hostile text is escaped, and a folder that is not a site is never replaced.
(In Chromium: ``test_publish_browser.py``.)"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas
import pytest
from frictionless import validate
from openpyxl import load_workbook

HOSTILE = '<script>alert("owned")</script><img src=x onerror=alert(1)> & "quoted"'


def _tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build_answered(tracker, folder):
    for year in ("2007", "2008"):
        for economy, status in (("JPN", "partial"), ("KOR", "implemented")):
            tracker("record", economy, "LC02-1", "--year", year, "--status", status, "--measures", f"Law of {year}")
            tracker("record", economy, "LC02-2", "--year", year, "--status", "planned")
        tracker("report", "--year", year, "--out", str(folder / f"progress-{year}.xlsx"))


@pytest.fixture
def answered(tracker, set_up):
    """Japan and Korea answered for 2007 and 2008, each year's report kept."""
    set_up(build_answered)
    return tracker


def _publish(tracker, out: Path, *args: str, expect: int = 0):
    return tracker("publish", "--year", "2008", "--years", "2007-2008", "--out", str(out), *args, expect=expect)


def test_a_year_without_a_kept_report_is_refused(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    tracker("report", "--year", "2008", "--out", str(tmp_path / "progress-2008.xlsx"))
    output = _publish(tracker, tmp_path / "site", expect=1).output
    assert "No report of 2007 is kept as published" in output and "tracker report --year 2007" in output
    assert not (tmp_path / "site").exists()
    outside = tracker("publish", "--year", "2009", "--years", "2006-2008", "--out", str(tmp_path / "site"), expect=1)
    assert "must run from an earlier to a later year and include --year 2009" in outside.output


def test_a_later_correction_does_not_leak_into_a_published_year(answered, tmp_path):
    site = tmp_path / "site"
    assert "Published 2007 (report 1), 2008 (report 2)" in _publish(answered, site).output
    before = _tree(site)
    answered("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented", "--evidence", HOSTILE)
    answered("record", "JPN", "LC02-1", "--year", "2007", "--status", "not_started")
    _publish(answered, site)
    assert _tree(site) == before, "a correction made after the reports changed the published site"
    answered("report", "--year", "2008", "--out", str(tmp_path / "progress-2008-2.xlsx"))
    _publish(answered, site)
    page = (site / "economies" / "JPN.html").read_text()
    year_2008 = page[page.index('id="y2008"'):page.index('id="y2007"')]
    year_2007 = page[page.index('id="y2007"'):]
    assert "Implemented" in year_2008 and "Partially implemented" in year_2007  # 2007 still as published
    assert HOSTILE not in page and "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;" in page
    entries = pandas.read_csv(site / "data" / "entries.csv")
    japan = entries[(entries.economy == "JPN") & (entries.commitment == "LC02-1")].set_index("year")
    assert japan.loc[2008, "status"] == "implemented" and japan.loc[2008, "evidence"] == HOSTILE
    assert japan.loc[2007, "status"] == "partial"


def test_the_data_package_is_valid_and_opens_in_pandas(answered, tmp_path):
    site = tmp_path / "site"
    _publish(answered, site, "--licence", "CC0-1.0")
    report = validate(site / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "message"])
    package = json.loads((site / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC0-1.0"
    assert {r["name"] for r in package["resources"]} >= {"entries", "commitments", "economies", "figures", "reports"}
    entries = pandas.read_json(site / "data" / "entries.json")
    assert set(entries.columns) >= {"economy", "commitment", "year", "status", "status_label", "measures"}
    assert len(entries) == len(pandas.read_csv(site / "data" / "entries.csv")) == 8
    reports = pandas.read_csv(site / "data" / "reports.csv")
    for row in reports.itertuples():
        assert hashlib.sha256((site / row.workbook).read_bytes()).hexdigest() == row.workbook_sha256
    broken = json.loads((site / "datapackage.json").read_text())
    broken["resources"][0]["schema"]["fields"][2]["type"] = "date"  # the year is not a date: must be caught
    (site / "broken.json").write_text(json.dumps(broken))
    assert not validate(site / "broken.json").valid


def _report_figures(workbook: Path) -> dict[tuple[str, str], tuple]:
    """(scope, code) -> (rate in %, change in pp) as the kept report's cells hold them."""
    book = load_workbook(workbook, read_only=True)
    figures = {}
    for row in book["Commitments"].iter_rows(min_row=2, values_only=True):
        if row[0] and isinstance(row[10], (int, float)):
            figures[("commitment", row[0])] = (round(row[10] * 100, 1), row[11])
    for row in book["Economies"].iter_rows(min_row=2, values_only=True):
        if row[0] and isinstance(row[10], (int, float)):
            figures[("economy", row[0])] = (round(row[10] * 100, 1), row[11])
        elif isinstance(row[1], str) and row[1].startswith("Region-wide"):
            figures[("region", "region")] = (round(row[10] * 100, 1), row[11])
    return figures


def _shown(value: float | None, unit: str) -> str:
    """As the site writes a figure: no change reads "0.0 pp", unsigned, as in the report."""
    if value is None:
        return "n/a"
    if unit == "pp":
        return "0.0 pp" if round(value, 1) == 0 else f"{value:+.1f} pp"
    return f"{value:.1f}%"


def test_every_figure_is_the_published_reports(answered, tmp_path):
    site = tmp_path / "site"
    _publish(answered, site)
    figures = pandas.read_csv(site / "data" / "figures.csv").replace({float("nan"): None})
    for row in pandas.read_csv(site / "data" / "reports.csv").itertuples():
        in_report = _report_figures(site / row.workbook)
        assert len(in_report) > 3
        published = {(f.scope, f.code): (f.implementation_rate, f.rate_change)
                     for f in figures[figures.year == row.year].itertuples() if (f.scope, f.code) in in_report}
        assert published == in_report
        page = (site / str(row.year) / "index.html").read_text()
        for (scope, code), (rate, change) in in_report.items():
            if scope == "commitment":
                cells = re.search(rf'commitments/{re.escape(code)}\.html">.*?</tr>', page, re.S).group()
                assert f">{_shown(rate, '%')}<" in cells and f">{_shown(change, 'pp')}<" in cells
        rate, change = in_report[("region", "region")]
        assert f"<dd>{_shown(rate, '%')}</dd>" in page and f"<dd>{_shown(change, 'pp')}</dd>" in page


def test_the_publisher_and_title_are_escaped_on_every_page(answered, tmp_path):
    answered("publication", "set", "--publisher", HOSTILE, "--title", "Progress {year} <b>bold</b>")
    answered("report", "--year", "2008", "--out", str(tmp_path / "progress-2008-2.xlsx"))
    site = tmp_path / "site"
    _publish(answered, site)
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert "<script" not in html and "<b>" not in html and "Published by &lt;script&gt;" in html, page
    assert json.loads((site / "datapackage.json").read_text())["publisher"] == HOSTILE


def test_a_folder_that_is_not_a_site_is_never_replaced(answered, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work")
    assert "not a published site" in _publish(answered, mine, expect=1).output
    assert (mine / "thesis.txt").read_text() == "years of work"
    assert "is a file" in _publish(answered, mine / "thesis.txt", expect=2).output


def test_the_home_page_is_headed_as_the_site_and_lists_each_years_report(answered, tmp_path):
    """It was headed with the latest year's report title, as if the site were that one report."""
    site = tmp_path / "site"
    _publish(answered, site)
    home = (site / "index.html").read_text()
    heading = re.search(r"<h1>(.*?)</h1>", home, re.S).group(1)
    assert heading.startswith("How far APEC member economies have implemented"), heading
    report_titles = re.findall(r"<td>(APEC cyber-security commitments: progress report \d{4})</td>", home)
    assert report_titles == [f"APEC cyber-security commitments: progress report {year}" for year in (2008, 2007)]
    assert "progress report 2008" not in home.split("<main")[0], "the site's header names no one year"
    year_page = (site / "2007" / "index.html").read_text()
    assert "As published in APEC cyber-security commitments: progress report 2007 (report 1)" in year_page
    assert "progress report 2008" not in year_page
    answered("publication", "set", "--subject", "")
    _publish(answered, site)
    assert "<h1>Secretariat of the Security and Prosperity Steering Group" in (site / "index.html").read_text()


def declarations(css: str) -> set[tuple[str, str, str, str]]:
    """Every declaration of a stylesheet as (at-rule it is inside, selector, property, value), one
    per selector of a group: a simple reader for the two stylesheets the tool writes."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = set()

    def read(text: str, within: str) -> None:
        position = 0
        while (brace := text.find("{", position)) != -1:
            head = text[position:brace].strip()
            depth, end = 1, brace + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            body = text[brace + 1:end - 1]
            if head.startswith("@media"):
                read(body, head)
            else:
                for selector in (s.strip() for s in head.split(",")):
                    for declaration in filter(str.strip, body.split(";")):
                        name, _, value = declaration.partition(":")
                        found.add((within, selector, name.strip(), " ".join(value.split())))
            position = end

    read(css, "")
    return found


def test_the_site_and_the_browser_view_share_one_stylesheet_and_repeat_none_of_it(answered, tmp_path):
    """The site's stylesheet restated most of the browser view's: the shared rules now have one
    source, which the site's style.css begins with and the browser view serves as /shared.css."""
    from importlib.resources import files

    from tracker.publish import shared_stylesheet

    shared = shared_stylesheet().decode()
    own = files("tracker.publish").joinpath("templates/style.css").read_text()
    browser = files("tracker.web").joinpath("static/tracker.css").read_text()
    site = tmp_path / "site"
    _publish(answered, site)
    assert (site / "style.css").read_text() == shared + own
    common = declarations(shared)
    assert len(common) > 60
    assert not common & declarations(own) and not common & declarations(browser)
    assert not declarations(own) & declarations(browser), "a rule both add belongs in shared.css"


def test_the_site_lists_each_reports_sha256_as_published_and_never_copies_one_that_changed(answered, store, tmp_path):
    """reports.csv takes the SHA-256 listed when each report was published (not the hash of the bytes
    at hand, which hid a kept file that had changed); a kept file whose bytes no longer match it is
    refused, naming `tracker check`, and the site is left as it was."""
    from sqlalchemy import text

    site = tmp_path / "site"
    _publish(answered, site)
    listed = {row["year"]: row["kept"]["workbook"] for row in json.loads(answered("reports", "list", "--json").output)}
    reports = pandas.read_csv(site / "data" / "reports.csv")
    assert dict(zip(reports.year, reports.workbook_sha256)) == listed
    before = _tree(site)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE kept_report_file SET content = :c WHERE report_id = 1"), {"c": b"not the report"})
    output = _publish(answered, site, expect=1).output
    assert "Report 1's kept workbook is not the file published" in output and "tracker check" in output
    assert _tree(site) == before
