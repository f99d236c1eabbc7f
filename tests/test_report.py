"""The report's figures, recomputed here from the entries the test recorded, on both databases."""

import json
import math
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tracker.report.book import ILLUSTRATIVE_NOTE, LINE_PITCH, PRINTED_AFTER_PROFILES, PRINTED_BEFORE_PROFILES, WORKING_SHEETS
from tracker import rates
from tracker.rates import REGION_FORMULA
from tracker.report.front import cover_title_points
from tracker.status import STATUS_CODES
from tracker.workbook.typesetting import text_lines, wrapped

SCALE = {
    "not_started": "Not started", "planned": "Planned", "in_progress": "In progress",
    "partial": "Partially implemented", "implemented": "Implemented", "not_applicable": "Not applicable",
}
# (economy, ref, year) -> status; narrative is added separately.
RECORDED = {
    ("AUS", "LC02-1", 2006): "planned",
    ("AUS", "LC02-1", 2008): "implemented",
    ("AUS", "LC02-2", 2008): "partial",
    ("AUS", "T7-1", 2008): "not_applicable",
    ("CAN", "LC02-1", 2007): "in_progress",
    ("CAN", "LC02-1", 2008): "in_progress",
    ("CAN", "LC02-3", 2006): "planned",
    ("CAN", "LC02-3", 2008): "partial",
    ("CHL", "LC02-2", 2008): "implemented",
    ("CHL", "LC02-3", 2008): "not_started",
    ("CHL", "LC02-1", 2005): "implemented",
    ("KOR", "LC02-1", 2006): "not_started",
}
RISKY = {"=1+1": "measures", "+61 2 0000": "needs", "-dash": "planned", "@handle": "evidence"}


def build_recorded(tracker, folder):
    for (economy, ref, year), status in RECORDED.items():
        tracker("record", economy, ref, "--year", str(year), "--status", status)
    for text, option in RISKY.items():
        tracker("record", "AUS", "LC02-1", "--year", "2008", f"--{option}", text)
    tracker("contact", "AUS", "--year", "2008", "--name", "=Jo Citizen", "--email", "jo@example.gov.au")


@pytest.fixture
def recorded(tracker, set_up):
    set_up(build_recorded)
    return tracker


def items_of(tracker, year):
    return json.loads(tracker("catalog", "list", "--year", str(year), "--json").output)


def expected_rate(statuses, applicable):
    denominator = applicable - statuses.count("not_applicable")
    return (statuses.count("implemented") + 0.5 * statuses.count("partial")) / denominator


def shown(value, points=False):
    """A figure as the report shows it: a rate to a tenth of a percent, a change to a tenth of a point."""
    return pytest.approx(value, abs=0.05 if points else 0.0005)


def rows_of(ws, min_row=1):
    return [list(r) for r in ws.iter_rows(min_row=min_row, values_only=True)]


def build_report(tracker, folder):
    build_recorded(tracker, folder)
    path = folder / "report.xlsx"
    output = tracker("report", "--year", "2008", "--out", str(path)).output
    assert f"Wrote {path}" in output


@pytest.fixture
def report(recorded, set_up, tmp_path):
    """The 2008 report of what ``recorded`` holds."""
    set_up(build_report)
    return load_workbook(tmp_path / "report.xlsx")


def test_sheets_in_order(report):
    assert report.sheetnames == [*PRINTED_BEFORE_PROFILES, "AUS", "CAN", "CHL", *PRINTED_AFTER_PROFILES, *WORKING_SHEETS], (
        "a profile for each economy that returned, none for the others")


def test_economies_sheet_figures(report, recorded):
    items = items_of(recorded, 2008)
    applicable = len(items)
    rows = {r[0]: r for r in rows_of(report["Economies"], 2) if r[0] and r[1]}
    header = rows_of(report["Economies"])[0]
    assert header[:2] == ["Economy code", "Economy"] and header[2:8] == list(SCALE.values())
    assert header[9:14] == ["Coverage", "Implementation rate", "Change since 2007", "Return for 2008", "Last return"]
    summary = {r["code"]: r for r in json.loads(recorded("summary", "--year", "2008", "--json").output)}
    for code in ("AUS", "CAN", "CHL"):
        statuses = [s for (e, _, y), s in RECORDED.items() if e == code and y == 2008]
        row = rows[code]
        assert row[2:8] == [statuses.count(k) for k in SCALE]
        assert row[8] == applicable - len(statuses)
        assert row[9] == shown(len(statuses) / applicable)
        assert row[10] == shown(expected_rate(statuses, applicable))
        assert row[10] == shown(summary[code]["implementation_rate"])
        assert row[9] == shown(summary[code]["coverage"])
        assert row[12] == "Returned" and row[13] is None
    assert rows["AUS"][11] is None, "AUS sent no return in 2007: no change to show"
    common = len(items_of(recorded, 2007))  # every item of 2007 still applies in 2008
    assert rows["CAN"][11] == shown(100 * 0.5 / common, True), (
        "like for like: CAN's 2007 return (in progress only, rate 0) against its 2008 one over the 2007 items; in points")
    assert rows["CAN"][11] == shown(100 * summary["CAN"]["rate_change"], True)
    # JPN sent nothing: "No return" in its own column, no counts, no rate; KOR's last return was 2006.
    assert rows["JPN"][2:12] == [None] * 10 and rows["JPN"][12] == "No return" and rows["JPN"][13] is None
    assert rows["KOR"][12] == "No return" and rows["KOR"][13] == 2006
    cell = report["Economies"]["K2"]
    assert cell.data_type == "n" and cell.number_format == "0.0%"
    order = [r[10] for r in rows_of(report["Economies"], 2) if r[0] and r[1]]
    assert all(isinstance(r, float) for r in order[:3]) and order[:3] == sorted(order[:3], reverse=True)
    assert order[3:] == [None] * 18, "the rate column holds only numbers"
    region = next(r for r in rows_of(report["Economies"], 2) if r[0] is None and r[1])
    statuses = [s for (_, _, y), s in RECORDED.items() if y == 2008]
    assert region[1] == "Region-wide (3 returned)" and region[2:8] == [statuses.count(k) for k in SCALE]
    assert region[10] == shown(expected_rate(statuses, 3 * applicable))


def findings_of(report) -> str:
    return " ".join(str(r[0]) for r in rows_of(report["Key findings"]) if r and r[0])


def test_findings_and_commitments(report, recorded, store):
    applicable = len(items_of(recorded, 2008))
    statuses = [s for (_, _, y), s in RECORDED.items() if y == 2008]
    region = (statuses.count("implemented") + 0.5 * statuses.count("partial")) / (3 * applicable - statuses.count("not_applicable"))
    findings = findings_of(report)
    assert "3 of 21 economies returned for 2008; no return from Brunei Darussalam" in findings
    assert f"Region-wide implementation rate: {100 * region:.1f}%" in findings
    common = len(items_of(recorded, 2007))
    assert (f"Compared with 2007 (like for like: the {common} commitments that applied in both 2007 and 2008, over "
            f"the 1 economy that returned in both), the region-wide implementation rate changed by "
            f"+{100 * 0.5 / common:.1f} pp") in findings
    assert "2 economies returned for 2008 but not in 2007" not in findings

    rows = rows_of(report["Commitments"], 2)
    commitments = {r[0]: r for r in rows if r[0]}
    laws = commitments["LC02-1"]
    assert laws[2].date() == date(2003, 10, 31)
    assert laws[3:9] == [0, 0, 1, 0, 1, 0]
    assert laws[9] == 3 - 2
    assert laws[10] == shown(1 / 3)
    assert commitments["T7-1"][10] == shown(0 / 2)
    assert commitments["T7-1"][1].endswith("(new in 2008)") and commitments["T7-1"][11] is None
    groups = [r for r in rows if r[0] is None and r[1] and not str(r[1]).startswith("Source")]
    assert groups[0][1].endswith("Leaders' Statement on Counter-Terrorism") and len(groups) == len(
        {item["instrument_code"] for item in items_of(recorded, 2008)}), "one heading per instrument"
    headings = [r[1] for r in groups]
    assert len(set(headings)) == len(headings), "two instruments of one title told apart"
    assert {"Joint Statement of the APEC Ministerial Meeting (Santiago, Chile, 2004)",
            "Joint Statement of the APEC Ministerial Meeting (Busan, Korea, 2005)"} <= set(headings)
    with store.transaction() as session:  # each heading's name and pooled rate are its instrument's, as the browser shows
        by_instrument = rates.instrument_rates(session, 2008)
    assert headings == [row["instrument"] for row in by_instrument]
    assert [r[10] for r in groups] == [None if row["implementation_rate"] is None else shown(row["implementation_rate"])
                                       for row in by_instrument]
    assert "Most advanced commitments: LC02-2 " in findings and f"({100 * 1.5 / 3:.1f}%)" in findings
    assert "1 commitment is overdue somewhere at the end of 2008; most widely: LC02-1" in findings
    assert "in 2 economies" in findings, "CAN and CHL; no return is left out"


def test_matrix_changes_overdue_trend(report, recorded):
    matrix = rows_of(report["Matrix"])
    header = matrix[0]
    assert header[:2] == ["Ref", "Commitment"] and header[2:] == sorted(header[2:]) and len(header) == 2 + 21
    by_ref = {r[0]: dict(zip(header, r)) for r in matrix[1:] if r[0] and not str(r[0]).startswith("Source")}
    assert by_ref["LC02-2"]["AUS"] == STATUS_CODES["partial"]
    assert by_ref["LC02-3"]["CHL"] == STATUS_CODES["not_started"]
    assert by_ref["LC02-1"]["JPN"] == "-"
    assert by_ref["T7-1"]["AUS"] == STATUS_CODES["not_applicable"] != "NA", "pandas reads NA as missing"
    legend = " ".join(str(r[0]) for r in matrix if r[0])
    assert all(f"{STATUS_CODES[key]} {label}" in legend for key, label in SCALE.items())

    changes = [r for r in rows_of(report["Changes"], 2) if r[0] and r[2]]
    kinds = {(r[0], r[2]): r[3] for r in changes}
    assert sorted((r[0], r[2], r[4], r[5], r[6]) for r in changes if r[3] == "Changed") == [
        ("AUS", "LC02-1", "Planned", 2006, "Implemented"),
        ("CAN", "LC02-3", "Planned", 2006, "Partially implemented"),
    ]
    assert kinds[("AUS", "LC02-2")] == "New this year"
    previous = {(e, ref): status for (e, ref, y), status in sorted(RECORDED.items(), key=lambda p: p[0][2]) if y < 2008}
    this_year = {(e, ref): status for (e, ref, y), status in RECORDED.items() if y == 2008}
    unchanged = [key for key, status in this_year.items() if previous.get(key) == status]
    assert unchanged == [("CAN", "LC02-1")] and ("CAN", "LC02-1") not in kinds, "carried forward: counted, not listed"
    assert len(changes) == len(this_year) - len(unchanged) and set(kinds.values()) == {"New this year", "Changed"}

    overdue = [r for r in rows_of(report["Overdue"], 2) if r[0] and r[1]]
    assert len(overdue) == 1, "each overdue commitment once"
    laws = overdue[0]
    assert laws[0] == "LC02-1" and laws[3] == "5 years 2 months"
    assert laws[4] == "2: CAN (In progress), CHL (Not reported)", "an answer of 2005 does not count in 2008; no return left out"

    trend = rows_of(report["Trend"])
    assert trend[0] == ["Economy code", "Economy", "2005", "2006", "2007", "2008"]
    chl = next(r for r in trend if r[0] == "CHL")
    assert chl[2] == shown(1 / len(items_of(recorded, 2005)))
    assert chl[3:5] == [None, None], "no return in 2006 and 2007: a gap, not 0"
    region = next(r for r in trend if r[1] == "Region-wide")
    assert region[2] == shown(chl[2]), "2005: CHL was the only economy that returned"
    notes = " ".join(str(r[0]) for r in trend if r[0])
    assert "Break between 2007 and 2008: 6 commitments added in 2008" in notes
    assert [sheet.title for sheet in report.chartsheets] == ["Rates chart", "Statuses chart", "Trend chart"]
    assert all(len(sheet._charts) == 1 for sheet in report.chartsheets)


def profile_block(ws) -> dict:
    """A profile's figures above its table: caption -> value, on both sides."""
    block = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0] == "Ref":
            return block
        block.update({row[c]: row[c + 1] for c in (1, 3) if row[c]})
    raise AssertionError(f"{ws.title}: no table header")


def test_profiles_figures_beside_the_region_and_formula_like_text(report):
    rows = rows_of(report["AUS"])
    laws = next(r for r in rows if r[0] == "LC02-1")
    assert laws[2:5] == ["Implemented", "Up from Planned (2006)", "=1+1"]
    assert next(r for r in rows if r[0] == "LC02-2")[3] == "First report"
    for sheet in (report["AUS"], report["Data"], report["Returns"], report["Needs and offers"]):
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate} would be a formula"
    economies = {r[0]: r for r in rows_of(report["Economies"], 2) if r[0]}
    region = next(r for r in rows_of(report["Economies"], 2) if r[0] is None and r[1])[10]
    for code in ("AUS", "CAN", "CHL"):
        block = profile_block(report[code])
        assert block["Implementation rate"] == shown(economies[code][10]), code
        assert block["Coverage"] == shown(economies[code][9]), code
        assert block["Region-wide rate"] == region
    assert profile_block(report["CAN"])["Change since 2007, like for like"] == economies["CAN"][11]
    assert profile_block(report["AUS"])["Change since 2007, like for like"] == "no return for 2007"
    printed = " ".join(str(v) for name in ("AUS", "CAN", "CHL") for row in rows_of(report[name]) for v in row if v)
    assert "Jo Citizen" not in printed and "@example" not in printed, "no contact point in a printed sheet"
    formats = {c.value: report["CAN"].cell(c.row, c.column + 1).number_format for c in report["CAN"]["D"][:4] if c.value}
    assert formats["Change since 2007, like for like"] == '+0.0" pp";-0.0" pp";0.0" pp"'


def test_data_sheet_is_a_table_and_imports_back(report, recorded, tmp_path, store):
    data = report["Data"]
    rows = rows_of(data)
    assert rows[0][:10] == ["Economy code", "Economy", "Returned", "Ref", "Instrument", "Category", "Commitment",
                            "Deadline", "Year", "Status"]
    assert len(rows) == 1 + 21 * len(items_of(recorded, 2008))
    assert data.auto_filter.ref == f"A1:Q{len(rows)}"
    assert report.defined_names["ProgressData"].attr_text == f"Data!$A$1:$Q${len(rows)}"
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_excel(tmp_path / "report.xlsx", sheet_name="Data", engine="openpyxl")
    assert list(frame.columns[:3]) == ["Economy code", "Economy", "Returned"] and len(frame) == len(rows) - 1
    assert set(frame["Returned"]) == {"Yes", "No"} and set(frame[frame["Returned"] == "Yes"]["Economy code"]) == {"AUS", "CAN", "CHL"}
    assert str(frame["Deadline"].dtype).startswith("datetime64") and str(frame["Year"].dtype) == "int64"
    assert frame["Commitment"].map(type).eq(str).all()

    from conftest import Tracker

    fresh = Tracker(str(tmp_path / "fresh.db"))
    fresh("init")
    fresh("import", str(tmp_path / "report.xlsx"))
    for code in ("AUS", "CAN", "CHL", "JPN"):
        original = recorded("show", code, "--year", "2008", "--json").output
        assert fresh("show", code, "--year", "2008", "--json").output == original


def test_about_sheet(report):
    about = {r[0]: r[1] if r[1] is not None else r[2] for r in rows_of(report["About"]) if r and r[0]}
    assert about["Produced with"].startswith("tracker ")
    assert about["Catalogue"].startswith("apec-cyber@")
    assert about["Published by"].startswith("Secretariat of the Security and Prosperity Steering Group")
    assert about["Data as of (latest change included)"] is not None
    assert about["Partially implemented"] == "PI"
    formulas = {r[0]: r[2] for r in rows_of(report["About"]) if r and r[0]}
    assert formulas["Implementation rate"].startswith("Implementation rate = (implemented")
    assert "like for like" in formulas["Change since the previous year"]
    assert "leave it out" in formulas["No return"]
    assert formulas["Region-wide figures"] == REGION_FORMULA, \
        "said once (it added 'Only economies that returned for the year count.', a line of its own for 'count.')"


def test_the_cover_title_takes_the_fewest_lines_and_leaves_no_word_alone(report):
    """At 20 pt, the demo's title printed '2010' alone on a second line; it takes one line at 18."""
    title = report["Cover"]["A7"]
    assert title.value == "APEC cyber-security commitments: progress report 2008"
    assert title.font.b and title.font.sz == 18
    assert report["Cover"].row_dimensions[7].height < 2 * 18 * LINE_PITCH / 10
    assert cover_title_points("Progress report 2008") == (20, 1)
    long = "Commitments of the leaders and ministers of the member economies of the region: progress report 2008"
    points, lines = cover_title_points(long)
    assert points < 20 and lines == 2 and len(wrapped(long, 90 * 10 / points, bold=True)[-1].split()) > 1


def test_same_data_same_cells(recorded, tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    recorded("report", "--year", "2008", "--out", str(first))
    recorded("report", "--year", "2008", "--out", str(second))
    a, b = load_workbook(first), load_workbook(second)
    assert a.sheetnames == b.sheetnames
    for name in (ws.title for ws in a.worksheets):
        assert rows_of(a[name]) == rows_of(b[name]), name


def test_a_year_without_entries_and_unknown_years(tracker, tmp_path):
    path = tmp_path / "empty.xlsx"
    tracker("report", "--year", "2009", "--out", str(path))
    wb = load_workbook(path)
    assert "No economy has returned for 2009" in findings_of(wb)
    assert "Rates chart" not in wb.sheetnames and "Trend chart" in wb.sheetnames, "no rate to draw, no empty bars"
    assert "No checklist item applies in 1990" in tracker("report", "--year", "1990", "--out", str(path), expect=1).output
    assert "has not come yet" in tracker("report", "--year", "2150", "--out", str(path), expect=1).output


def test_demo_marks_every_sheet_and_keeps_away_from_real_data(tmp_path, target, demo_copy):
    if "://" in target:
        pytest.skip("the demo always builds its own SQLite file")
    from conftest import Tracker

    demo_copy(tmp_path / "demo")
    wb = load_workbook(tmp_path / "demo" / "progress-2010.xlsx")
    for ws in wb.worksheets[1:]:
        assert ws.oddHeader.right.text.endswith(" | ILLUSTRATIVE DATA"), ws.title
    assert wb["Data"]["A1"].value == "Economy code", "the notice never sits above a table"
    for name, columns in (("Cover", 1), ("Key findings", 1), ("About", 3)):
        notice = next(row for row in wb[name].iter_rows() if row[0].value == ILLUSTRATIVE_NOTE)
        assert {cell.fill.fgColor.rgb for cell in notice[:columns]} == {"FFF4CCCC"}, f"{name}: shaded under the whole sentence"
    again = Tracker(str(tmp_path / "mine.db"))("demo", "--out", str(tmp_path / "demo"))
    assert "2008: 21 forms written, 14 filled in and imported; KOR's draft" in again.output and "Reports:" in again.output
    assert not (tmp_path / "mine.db").exists()
    (tmp_path / "other").mkdir()
    Tracker(str(tmp_path / "other" / "demo.db"))("init")
    refused = Tracker("unused.db")("demo", "--out", str(tmp_path / "other"), expect=1)
    assert "is not a demo database" in refused.output


def test_every_sheet_is_set_up_for_print(report):
    fonts = {font.name for font in report._fonts}
    assert fonts == {"Arial"}, "one font family throughout, headings included"
    title = "APEC cyber-security commitments: progress report 2008"
    assert report.properties.title == title and report.properties.creator.startswith("Secretariat of the Security")
    assert report["Cover"]["A7"].value == title and not report["Cover"].oddHeader.left.text
    assert any(str(r[0]).startswith("Secretariat of the Security") for r in rows_of(report["Cover"]) if r[0])
    for ws in report.worksheets[1:]:
        setup = ws.page_setup
        assert int(setup.paperSize) == 9, f"{ws.title}: A4"
        if ws.title == "Commitments":  # its pages broken by hand, at a scale that fits the width
            assert not ws.sheet_properties.pageSetUpPr.fitToPage and 50 < setup.scale < 100 and ws.row_breaks.brk
        else:
            assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1) == 1, ws.title
        assert ws.oddHeader.left.text == title, ws.title
        assert ws.oddFooter.right.text == "Page &P of &N", ws.title
        assert "tracker" not in (ws.oddFooter.left.text or ""), "the tool's name and version are on the About sheet"
        if ws.title in ("Commitments", "Economies", "Matrix", "Trend", "Overdue", "AUS", "Data", "Returns", "Changes"):
            assert ws.print_title_rows, f"{ws.title}: header row repeated on every printed page"
            assert ws.freeze_panes, f"{ws.title}: frozen below the header"
        assert "ILLUSTRATIVE" not in ws.oddHeader.right.text, "only the demo is marked illustrative"
        if ws.title in WORKING_SHEETS:
            (area,) = ws.print_area if isinstance(ws.print_area, list) else [ws.print_area]
            cell = area.split("!")[1].replace("$", "").split(":")[0]
            assert ws[cell].value is None, f"{ws.title}: printed nothing (its print area is one empty cell)"
    assert report["AUS"].oddHeader.right.text == "Australia (AUS)"
    assert report["Key findings"].page_setup.orientation == "portrait"
    assert report["Commitments"].page_setup.orientation == "landscape"
    assert report["Economies"].freeze_panes == "C2" and report["Data"].freeze_panes == "B2"
    assert report["Matrix"].freeze_panes == "C2"


def header_rows(ws):
    """The row numbers holding a table header (white bold text on the header fill)."""
    return [row[0].row for row in ws.iter_rows() if row[0].value and row[0].font.bold and row[0].font.color
            and row[0].font.color.rgb == "FFFFFFFF"]


def test_titles_fit_their_columns_and_long_text_wraps(report):
    for ws in report.worksheets:
        for number in header_rows(ws):
            for cell in ws[number]:
                if not cell.value:
                    continue
                assert not cell.alignment.textRotation, f"{ws.title}!{cell.coordinate}: headers are horizontal"
                width = ws.column_dimensions[cell.column_letter].width
                longest = max(len(word) for word in re.split(r"(?<=-)|\s+", str(cell.value)))  # lines break after "-"
                assert width >= longest + 1, f"{ws.title}!{cell.coordinate} {cell.value!r} is cut (width {width})"
                assert cell.alignment.wrap_text, f"{ws.title}!{cell.coordinate}"
                below = next((ws.cell(number + n, cell.column).value for n in range(1, 10)
                              if ws.cell(number + n, cell.column).value is not None), None)
                numbers = isinstance(below, (int, float, datetime))
                if ws.cell(number + 1, cell.column).alignment.horizontal == "center":
                    assert cell.alignment.horizontal == "center", f"{ws.title}!{cell.coordinate}: over its codes"
                    continue
                assert below is None or (cell.alignment.horizontal == "right") == numbers, f"{ws.title}!{cell.coordinate}: over its figures"
    commitments = report["Commitments"]
    laws = next(row for row in commitments.iter_rows(min_row=2) if row[0].value == "LC02-1")
    text = laws[1]
    lines = math.ceil(len(text.value) / (1.3 * commitments.column_dimensions["B"].width))  # 10 pt Arial
    assert lines > 3 and text.alignment.wrap_text and commitments.row_dimensions[text.row].height >= LINE_PITCH * lines
    assert report["Returns"].column_dimensions["G"].width >= 16, "a date and time needs 16 characters, not ###"


def test_no_text_touches_the_column_beside_it(report):
    """Text left-aligned beside a number or other text prints as one phrase ("1888 5 years",
    "adopt and develop laws Implemented") unless it is indented: on every printed sheet each
    text cell is indented (Excel and LibreOffice indent only text aligned left) and wraps."""
    touching = []
    for ws in report.worksheets:
        if ws.title in WORKING_SHEETS:
            continue
        for row in ws.iter_rows():
            for before, text in zip(row, row[1:]):
                if before.value is not None and isinstance(text.value, str) and text.alignment.horizontal not in ("center", "right") \
                        and not (text.alignment.horizontal == "left" and text.alignment.indent):
                    touching.append(f"{ws.title}!{before.coordinate}:{text.coordinate}")
    assert not touching, touching[:10]


def test_needs_and_returns(recorded, tmp_path, store):
    from formtools import fill

    recorded("record", "CAN", "LC02-1", "--year", "2008", "--offers", "Training for prosecutors")
    recorded("record", "CAN", "LC02-3", "--year", "2008", "--needs", "Forensic tools")
    recorded("record", "KOR", "LC02-3", "--year", "2008", "--offers", "Written without a return")
    recorded("contact", "JPN", "--year", "2006", "--name", "Old focal point", "--email", "old@example.go.jp")
    recorded("contact", "JPN", "--year", "2007", "--name", "Kenji Sato", "--email", "kenji@example.go.jp")
    recorded("contact", "JPN", "--year", "2009", "--name", "Not yet", "--email", "later@example.go.jp")
    recorded("form", "--year", "2008", "--economy", "PER", "--out", str(tmp_path))
    recorded("form", "--year", "2008", "--economy", "PER", "--out", str(tmp_path / "again"))
    fill(tmp_path / "PER-2008.xlsx", {"LC02-1": {"Status": "Planned"}}, contact={"Contact e-mail": "ana@example.gob.pe"})
    recorded("import", str(tmp_path / "PER-2008.xlsx"))
    path = tmp_path / "report.xlsx"
    recorded("report", "--year", "2008", "--out", str(path))
    wb = load_workbook(path)

    needs = [r for r in rows_of(wb["Needs and offers"], 2) if r[2]]
    assert [r[:1] + r[2:] for r in needs] == [
        ["LC02-1", "Needs and offers", "AUS: +61 2 0000", "CAN: Training for prosecutors"],
        ["LC02-3", "Needs, no offer", "CAN: Forensic tools", None],
    ]
    assert needs[0][1].startswith("Endeavor to enact a comprehensive set of laws")
    assert ("2 commitments are the subject of a capacity-building need or offer in 2008. Matched, a need with an offer "
            "from another economy: 1; needs without an offer: 1; offers without a need: 0") in findings_of(wb)

    header = rows_of(wb["Returns"])[0]
    assert header[:3] == ["Economy code", "Economy", "Return for 2008"]
    returns = {r[0]: dict(zip(header, r)) for r in rows_of(wb["Returns"], 2) if r[1]}
    assert len(returns) == 21
    per = returns["PER"]
    assert (per["Return for 2008"], per["Forms issued"], per["Forms returned"], per["Items answered"]) == ("Returned", 2, 1, 1)
    assert per["Last form imported"] is not None and per["E-mail"] == "ana@example.gob.pe"
    assert per["Complete"] == shown(1 / per["Items that apply"]) and per["Review"] == "Received"
    aus = returns["AUS"]
    assert (aus["Forms issued"], aus["Forms returned"], aus["Items answered"]) == (0, 0, 3)
    assert aus["Contact point"] == "=Jo Citizen" and aus["E-mail"] == "jo@example.gov.au"
    jpn = returns["JPN"]
    assert jpn["Return for 2008"] == "No return" and jpn["Items answered"] == 0 and jpn["Complete"] is None
    assert (jpn["Contact point"], jpn["E-mail"]) == ("Kenji Sato (given for 2007)", "kenji@example.go.jp"), (
        "no return: chased through the latest focal point known up to the year")
    assert returns["CHL"]["Return for 2008"] == "Returned" and returns["CHL"]["Last return"] is None
    assert returns["KOR"]["Return for 2008"] == "No return" and returns["KOR"]["Last return"] == 2006
    missing = {r[0]: r for r in rows_of(wb["No return"], 2) if r[0] and not str(r[0]).startswith("Source")}
    assert missing["KOR"][2:4] == [2006, 0] and missing["JPN"][2:4] == [None, None] and "AUS" not in missing


def test_pdf_beside_the_workbook(recorded, tmp_path, monkeypatch):
    path = tmp_path / "report.xlsx"
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    output = recorded("report", "--year", "2008", "--out", str(path), "--pdf", expect=1).output
    assert "No PDF written: LibreOffice (soffice) is not installed" in output
    assert path.exists() and not path.with_suffix(".pdf").exists()


def test_the_report_works_out_each_figure_once_per_economy_not_once_per_pair(store, tmp_path, monkeypatch):
    """Every economy's sheet shows the region-wide rate and how many returned: worked out afresh
    for each sheet, the report grew with the square of the economies (2.3x the time for twice
    as many at 400). The tallies it looks up must grow with the economies, at most 2.2x for twice
    as many."""
    from sqlalchemy import select

    from tracker.economies import add_economy
    from tracker.models import Economy, Item
    from tracker.progress import record_entries
    from tracker.report import ReportData, gather
    from tracker.report import render

    def answer_everything():
        with store.transaction() as session:
            for year in (2007, 2008):
                items = [item for item in session.scalars(select(Item)) if item.applies_in(year)]
                for economy in session.scalars(select(Economy)):
                    record_entries(session, economy, year, [(item, {"status": "partial"}) for item in items], "setup")

    looked_up = []
    tally = ReportData.tally
    monkeypatch.setattr(ReportData, "tally", lambda self, *args: looked_up.append(1) or tally(self, *args))

    def tallies_looked_up(name: str) -> int:
        looked_up.clear()
        with store.transaction() as session:
            render(gather(session, 2008), tmp_path / name)
        return len(looked_up)

    answer_everything()
    small = tallies_looked_up("small.xlsx")
    with store.transaction() as session:
        for number in range(21):
            add_economy(session, f"Z{number:02d}", f"Added economy {number}")
    answer_everything()
    large = tallies_looked_up("large.xlsx")
    assert small > 0
    assert large <= 2.2 * small, (small, large)


def test_an_economys_profile_names_its_return_as_a_sentence_would():
    from tracker.report.profiles import _possessive

    assert [_possessive(name) for name in ("Japan", "The Philippines", "United States")] == [
        "Japan's", "the Philippines'", "United States'"]


@pytest.mark.parametrize("text, width, cut", [
    ("Signed the Convention on Cybercrime on 23 November 2001; ratification pending", 40,
     "Signed the Convention on Cybercrime…"),
    ("Party to the Convention on Cybercrime, in force since 1 January 2007", 48,
     "Party to the Convention on Cybercrime, in force…"),
    ("Cybersecurity Awareness Day, 29 October each year", 32, "Cybersecurity Awareness Day…"),
    ("Enact laws by October 2003 and report on them each year", 30, "Enact laws by October 2003…"),
    ("Supercalifragilisticexpialidocious text", 12, "Supercalifra…"),
])
def test_text_cut_short_keeps_a_date_whole_or_drops_it(text, width, cut):
    from tracker.report.book import brief

    assert brief(text, width) == cut
