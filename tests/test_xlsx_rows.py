"""The report's worksheet writes the XML XlsxWriter writes, faster, and keeps text as text; on an
XlsxWriter release the fast path was not tested on, XlsxWriter's public writers give the same cells."""

import subprocess
import sys
import zipfile
from copy import copy
from datetime import date, datetime

import pytest
import xlsxwriter
from openpyxl import load_workbook
from xlsxwriter.worksheet import Worksheet

from tracker.workbook import rows
from tracker.workbook.rows import FastRowWorksheet, PublicRowWorksheet

fast_path_only = pytest.mark.skipif(
    not rows.FAST_PATH, reason=f"the fast path is not used on XlsxWriter {xlsxwriter.__version__}; if this test "
    "passes with the mark removed, add the release to TESTED_XLSXWRITER in tracker/workbook/rows.py")

#: XlsxWriter's own writer takes a text of this shape for rich-string XML and writes it raw:
#: a formula cell (and a text cell after it) smuggled in by a narrative.
MARKUP = '<r><t>x</t></r></is></c><c r="Z1"><f>1+1</f><v>2</v></c><c r="Z2" t="inlineStr"><is><r><t>y</t></r>'
TEXTS = [
    "plain", "", " leading", "trailing ", "\ttab", "line\n", "two\nlines", "\x0bvertical tab", "\x1f",
    "\x00\x01\x08\x0c", "_x0041_", "a_x00ZZ_b", "_X004a_", "&<>\"'", "\ufffe\uffff", "\xa0no-break",
    "em\u2003", "\u3000", "emoji \U0001F600", "=1+1", "-dash", "x" * 33000, "\r\n",
]


def put(ws, row, values, formats):
    """A whole row: with write_cells, else cell by cell with XlsxWriter's typed writers."""
    if hasattr(ws, "write_cells"):
        return ws.write_cells(row, values, formats)
    for column, (value, fmt) in enumerate(zip(values, formats)):
        if isinstance(value, str):
            ws.write_string(row, column, value, fmt)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(row, column, value, fmt)
        elif value is not None:
            ws.write_number(row, column, value, fmt)


def workbook_xml(worksheet_class, path, markup=False):
    """Every kind of cell and row, written by XlsxWriter's writers and by whole rows; the sheet's
    and the styles' XML."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("S", worksheet_class=worksheet_class)
    bold, italic, red, wrap = (wb.add_format(p) for p in ({"bold": True}, {"italic": True}, {"font_color": "red"},
                                                          {"text_wrap": True}))
    ws.set_column(3, 3, 20, italic)
    ws.set_column(1, 1, 12)
    row = 0
    for text in TEXTS + ([MARKUP] if markup else []):
        ws.write_string(row, 0, text)
        ws.write_string(row, 1, text, bold)
        ws.write_string(row, 3, text)
        put(ws, row + 1, [text, text, None, text], [None, bold, None, None])
        row += 2
    for number in (0, 1, -1, 2010, 0.5, 1 / 3, 1e-20, 1e20, 123456789012345678, -0.0, 2**53 + 1):
        ws.write_number(row, 0, number)
        ws.write_number(row, 2, number, bold)
        ws.write_number(row, 3, number)
        put(ws, row + 1, [number, None, number, number], [None, bold, bold, None])
        row += 2
    ws.set_row(row, 30)
    ws.write_datetime(row, 0, datetime(2026, 1, 2, 3, 4, 5))
    ws.write_datetime(row, 1, date(2020, 2, 29), bold)
    put(ws, row + 1, [datetime(2026, 1, 2, 3, 4, 5), date(2020, 2, 29), None, "wrapped"], [None, bold, None, wrap])
    ws.set_row(row + 1, 45)  # after its cells: still applies
    ws.set_row(row + 2, None, red)
    ws.write_string(row + 2, 3, "row format before the column's")
    put(ws, row + 3, [None] * 5, [None] * 5)  # nothing
    ws.set_row(row + 4, 40)  # a row with attributes only
    ws.write_blank(row + 5, 0, None, bold)
    ws.write_formula(row + 5, 1, "=1+1", None, 2)
    ws.write_string(row + 5, 2, "after a formula")
    ws.write_rich_string(row + 6, 0, "a", bold, "b", "c")
    ws.write_string(row + 6, 1, "after a rich string")
    ws.write_comment(row + 7, 0, "a note")
    ws.write_string(row + 7, 0, "with a comment")
    ws.write_boolean(row + 8, 0, True)
    ws.write_url(row + 8, 1, "https://example.org")
    ws.write_string(row + 8, 800, "far right")
    put(ws, row + 9, ["whole row", "then", "cells"], [None, None, bold])
    ws.write_string(row + 9, 2, "over a cell of it", italic)
    ws.write_string(row + 9, 4, "beyond it")
    ws.write_string(row + 10, 1, "cells")
    put(ws, row + 10, ["then a whole row", "over a cell"], [None, None])
    put(ws, row + 11, ["twice"], [None])
    put(ws, row + 11, [None, "the same row"], [None, red])
    put(ws, row + 12, ["long " * 7000, "x", "\U0001F600" * 17000, "\U0001F600" * 16383 + "x", "x" * 32767], [None] * 5)
    put(ws, row + 11, ["an earlier row: left out, as XlsxWriter leaves it"], [None])
    put(ws, row + 13, [None, "blank columns around", *[None] * 900], [None] * 902)
    ws.set_row(row + 14, 50)
    put(ws, row + 16, ["after a gap", "", 7], [None, None, None])
    wb.close()
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode(), archive.read("xl/styles.xml").decode()


@fast_path_only
def test_same_xml_as_xlsxwriter(tmp_path):
    assert workbook_xml(FastRowWorksheet, tmp_path / "rows.xlsx") == workbook_xml(Worksheet, tmp_path / "stock.xlsx")


@pytest.mark.parametrize("worksheet_class", [pytest.param(FastRowWorksheet, marks=fast_path_only), PublicRowWorksheet])
def test_text_shaped_like_rich_string_markup_stays_text(tmp_path, worksheet_class):
    workbook_xml(worksheet_class, tmp_path / "rows.xlsx", markup=True)
    ws = load_workbook(tmp_path / "rows.xlsx")["S"]
    row = 1 + 2 * len(TEXTS)
    assert [ws.cell(row, column).value for column in (1, 2, 4)] == [MARKUP] * 3
    assert [ws.cell(row + 1, column).value for column in (1, 2, 4)] == [MARKUP] * 3
    assert ws["Z1"].value is None and ws["Z2"].value is None


def test_report_keeps_markup_typed_by_an_economy_as_text(tracker, tmp_path):
    tracker("record", "AUS", "LC02-1", "--year", "2008", "--status", "planned", "--measures", MARKUP)
    path = tmp_path / "report.xlsx"
    tracker("report", "--year", "2008", "--out", str(path))
    report = load_workbook(path)
    for sheet, column in (("AUS", 5), ("Data", 11)):
        ws = report[sheet]
        cells = [row[column - 1] for row in ws.iter_rows()  # the profile has the measures in brief
                 if isinstance(row[column - 1].value, str) and row[column - 1].value.startswith(MARKUP[:20])]
        assert len(cells) == 1 and cells[0].data_type == "s", sheet
        assert not any(cell.data_type == "f" for row in ws.iter_rows() for cell in row), sheet


def cells(path) -> dict:
    """Every sheet's cells as a reader sees them: value, type and format, with the rows' heights
    and the columns' widths."""
    workbook = load_workbook(path)
    return {
        ws.title: (
            [(cell.coordinate, cell.value, cell.data_type, cell.number_format,
              *(copy(style) for style in (cell.font, cell.fill, cell.border, cell.alignment, cell.protection)))
             for row in ws.iter_rows() for cell in row if cell.value is not None or cell.has_style],
            {number: dimension.height for number, dimension in ws.row_dimensions.items()},
            {letter: dimension.width for letter, dimension in ws.column_dimensions.items()},
        )
        for ws in workbook.worksheets
    }


@fast_path_only
def test_the_public_writers_give_the_fast_paths_cells(tmp_path):
    workbook_xml(FastRowWorksheet, tmp_path / "fast.xlsx", markup=True)
    workbook_xml(PublicRowWorksheet, tmp_path / "public.xlsx", markup=True)
    assert cells(tmp_path / "public.xlsx") == cells(tmp_path / "fast.xlsx")


#: ``tracker`` as on an XlsxWriter release the fast path was not tested on.
UNTESTED_XLSXWRITER = """
import xlsxwriter
xlsxwriter.__version__ = "3.99.0"
from tracker.workbook import rows
assert rows.RowWorksheet is rows.PublicRowWorksheet
from tracker.cli import main
main()
"""


def test_a_report_written_without_the_fast_path_has_the_same_cells(tracker, tmp_path):
    """The whole report, on an untested XlsxWriter release (XlsxWriter's public writers) and on
    this one: the same cells, text typed by an economy (markup, a formula) still text. On SQLite
    only: the writers are compared, and both are given the same rows whatever the database (the
    report's rows on PostgreSQL: tests/test_report.py)."""
    if "://" in tracker.target:
        pytest.skip("one database is enough to compare the two writers")
    tracker("record", "AUS", "LC02-1", "--year", "2008", "--status", "planned", "--measures", MARKUP,
            "--evidence", "=HYPERLINK(\"http://example.org\")")
    tracker("record", "JPN", "LC02-2", "--year", "2008", "--status", "implemented", "--measures", "@SUM(A1)")
    tracker("report", "--year", "2008", "--out", str(tmp_path / "fast.xlsx"))
    result = subprocess.run([sys.executable, "-c", UNTESTED_XLSXWRITER, "--db", tracker.target, "report",
                             "--year", "2008", "--out", str(tmp_path / "public.xlsx")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    public, fast = cells(tmp_path / "public.xlsx"), cells(tmp_path / "fast.xlsx")
    assert public == fast
    values = [value for cells_, _, _ in public.values() for _, value, kind, *_ in cells_ if kind == "s"]
    assert MARKUP in values and '=HYPERLINK("http://example.org")' in values and "@SUM(A1)" in values
