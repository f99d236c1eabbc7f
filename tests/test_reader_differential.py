"""The same returned form as several real programs write it, read by the tracker's reader and by
independent readers (openpyxl, python-calamine): every answer cell must read the same, as the
spreadsheet shows it, or differ only where the difference is deliberate and written down here.

The form is the tracker's own (XlsxWriter, prefilled with answers on record) with more answers
typed by openpyxl, then saved again by LibreOffice, Gnumeric, ExcelJS and SheetJS. Each file is
written once for the module; a writer that is not installed is skipped, saying so.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from conftest import Tracker
from formtools import fill
from handmade import zipped
from test_reader_cases import READ_AS_SHOWN
from test_rendering import node_modules
from tracker.workbook import reader
from tracker.workbook.layout import FIELD_TITLES, FORM_SHEET

#: Answers on record before the form is written, so XlsxWriter writes them: {ref: {option: value}}.
RECORDED = {
    "LC02-1": {"--status": "implemented", "--measures": "typed _x0041_ here", "--evidence": "Act No. 128 & <Annex>"},
    "LC02-2": {"--status": "planned", "--needs": "日本語のテキスト, 👨‍👩‍👧 and فارسی\u200cها"},
}
#: Answers then typed over the form by openpyxl, as a focal point's program would: {ref: {title: value}}.
TYPED = {
    "LC02-3": {"Status": "In progress", "Measures undertaken": "Line one\nLine two",
               "Further measures planned": 0.1 + 0.2, "Timeframe": datetime(2009, 3, 31)},
    "LC02-4": {"Status": "Partially implemented", "Measures undertaken": "#N/A",
               "Further measures planned": 42, "Timeframe": "2009-Q2", "Evidence": "007"},
    "T5-1": {"Status": "Not applicable",
               "Measures undertaken": CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"), " tail"),
               "Capacity-building needs": "  spaced  ", "Evidence": "https://example.org/a?b=1&c=2"},
}
CONTACT = {"Contact name": "佐藤 太郎", "Contact e-mail": "sato@example.jp", "Contact phone": "+81 3 1234 5678"}
#: openpyxl, one of the independent readers, warns of workbooks without a default style, as the
#: hand-made ones and gnumeric's are: expected here, and no sign of trouble in the run's output.
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")
SOFFICE = shutil.which("soffice")
SSCONVERT = shutil.which("ssconvert")
NODE_RESAVE = """
const ExcelJS = require('exceljs');
const XLSX = require('xlsx');
(async () => {
  const [writer, source, target] = process.argv.slice(1);
  if (writer === 'exceljs') {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(source);
    await wb.xlsx.writeFile(target);
  } else {
    XLSX.writeFile(XLSX.readFile(source, {cellStyles: true}), target);
  }
})().catch(e => { console.error(e.message); process.exit(1); });
"""


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """JPN's 2008 form: answers on record written by XlsxWriter, more typed by openpyxl."""
    folder = tmp_path_factory.mktemp("differential")
    tracker = Tracker(str(folder / "tracker.db"))
    tracker("init")
    for ref, options in RECORDED.items():
        tracker("record", "JPN", ref, "--year", "2008", *[part for pair in options.items() for part in pair])
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(folder / "forms"))
    return fill(folder / "forms" / "JPN-2008.xlsx", TYPED, contact=CONTACT, out=folder / "openpyxl.xlsx")


def _libreoffice(source: Path, target: Path) -> None:
    folder = target.parent / "libreoffice"
    subprocess.run([SOFFICE, f"-env:UserInstallation={(target.parent / 'profile').as_uri()}", "--headless",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=300)
    (folder / source.name).rename(target)


def _gnumeric(source: Path, target: Path) -> None:
    subprocess.run([SSCONVERT, str(source), str(target)], check=True, capture_output=True, timeout=300)


def _node(writer: str):
    def resave(source: Path, target: Path) -> None:
        subprocess.run(["node", "-e", NODE_RESAVE, writer, str(source), str(target)], check=True,
                       capture_output=True, timeout=300, env={**os.environ, "NODE_PATH": node_modules()})
    return resave


#: Each program that saves the form again, and whether it is installed.
RESAVERS = {
    "libreoffice": (_libreoffice, SOFFICE),
    "gnumeric": (_gnumeric, SSCONVERT),
    "exceljs": (_node("exceljs"), node_modules()),
    "sheetjs": (_node("sheetjs"), node_modules()),
}


@pytest.fixture(scope="module")
def written(filled) -> dict[str, Path]:
    """The form as each installed program saved it, each written once."""
    found = {"openpyxl": filled}
    for name, (resave, installed) in RESAVERS.items():
        if installed:
            target = filled.parent / f"{name}.xlsx"
            resave(filled, target)
            found[name] = target
    return found


def shown(value) -> str | None:
    """A cell's value as a spreadsheet shows it in General format, from any reader: numbers to 15
    significant digits, dates as YYYY-MM-DD (with the time when there is one), text as typed."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return f"{value:.15g}" if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def ours(path: Path) -> dict[str, object]:
    """Every answer and contact cell as the tracker's reader reads it: {cell: value}."""
    sheet = reader.read_workbook(path.name, path.read_bytes()).sheet
    cells = {}
    for row in sheet.rows:
        cells.update({cell: value for title, (value, cell) in row.cells.items() if title in FIELD_TITLES})
    for row in sheet.preamble:
        if reader.normal(row.cells["0"][0]) in reader.CONTACT_CAPTIONS:
            value, cell = row.cells["1"]
            cells[cell] = value
    return cells


def by_openpyxl(path: Path, cells) -> dict[str, object]:
    sheet = load_workbook(path, data_only=True, read_only=True)[FORM_SHEET]
    grid = {c.coordinate: c.value for row in sheet.iter_rows() for c in row if hasattr(c, "coordinate")}
    return {cell: grid.get(cell) for cell in cells}


def by_calamine(path: Path, cells) -> dict[str, object]:
    calamine = pytest.importorskip("python_calamine")
    rows = calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(FORM_SHEET).to_python(skip_empty_area=False)
    found = {}
    for cell in cells:
        column, row = reader.COORDINATE.fullmatch(cell).groups()
        number, index = int(row) - 1, reader._column_number(column) - 1
        found[cell] = rows[number][index] if number < len(rows) and index < len(rows[number]) else None
    return found


ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: Where an independent reader deliberately reads otherwise than Excel shows, and how to tell:
#: (reader, the writers whose files show it (None: any), why, test on (our value, theirs)).
#: Any other difference fails the test.
DIFFERENCES = [
    ("by_openpyxl", None, "openpyxl leaves Excel's _xHHHH_ escapes undecoded (it only drops x005F_ from "
                          "shared strings); Excel and calamine decode them once, as the reader does",
     lambda mine, theirs: isinstance(theirs, str) and ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), theirs) == mine),
    ("by_calamine", None, "python-calamine gives an error cell (#N/A) as empty; openpyxl and the reader as the error",
     lambda mine, theirs: isinstance(mine, reader.ErrorValue) and shown(theirs) is None),
    ("by_calamine", {"gnumeric"}, "Gnumeric writes text without xml:space=\"preserve\" and calamine then trims "
                                  "each part's spaces; LibreOffice shows them, as the reader and openpyxl read them",
     lambda mine, theirs: isinstance(theirs, str) and re.sub(r"\s", "", str(mine)) == re.sub(r"\s", "", theirs)),
]


def unexplained(writer: str, path: Path) -> dict[str, dict[str, tuple]]:
    """{independent reader: {cell: (ours, theirs)}} for every answer cell read otherwise, as shown,
    that no entry of ``DIFFERENCES`` explains."""
    mine = ours(path)
    found = {}
    for other in (by_openpyxl, by_calamine):
        theirs = other(path, mine)
        explained = [test for name, writers, _, test in DIFFERENCES
                     if name == other.__name__ and (writers is None or writer in writers)]
        found[other.__name__] = {
            cell: (shown(mine[cell]), shown(theirs[cell])) for cell in mine
            if shown(mine[cell]) != shown(theirs[cell]) and not any(test(mine[cell], theirs[cell]) for test in explained)}
    return found


@pytest.mark.parametrize("writer", ["openpyxl", *RESAVERS])
def test_every_answer_cell_reads_as_the_independent_readers_read_it(written, writer):
    if writer not in written:
        pytest.skip(f"{writer} is not installed")
    assert unexplained(writer, written[writer]) == {"by_openpyxl": {}, "by_calamine": {}}


#: What the answers show in every program's file, as typed (the escape and the error value aside:
#: openpyxl writes the literal ``_x0041_`` unescaped, so Excel shows "A", and "#N/A" as an error cell).
TYPED_SHOWN = {"G14": "Line one\nLine two", "H14": "0.3", "I14": "2009-03-31", "H15": "42", "I15": "2009-Q2",
               "L15": "007", "G16": "plain bold tail", "J16": "  spaced  ", "L12": "Act No. 128 & <Annex>",
               "J13": RECORDED["LC02-2"]["--needs"], "B5": CONTACT["Contact name"], "F16": "Not applicable"}


@pytest.mark.parametrize("writer", ["openpyxl", *RESAVERS])
def test_the_answers_read_are_those_typed_whoever_saved_the_form(written, writer):
    if writer not in written:
        pytest.skip(f"{writer} is not installed")
    mine = ours(written[writer])
    assert {cell: shown(mine[cell]) for cell in TYPED_SHOWN} == TYPED_SHOWN


@pytest.mark.parametrize("case", READ_AS_SHOWN)
def test_the_hand_made_cases_read_as_the_independent_readers_read_them(case, tmp_path):
    members, expected = READ_AS_SHOWN[case]
    path = tmp_path / "hand.xlsx"
    path.write_bytes(zipped(members))
    mine = reader.read_workbook(path.name, path.read_bytes()).sheet.rows[0].cells["Measures undertaken"][0]
    calamine = pytest.importorskip("python_calamine")
    theirs = {"by_calamine": calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()[1][4],
              "by_openpyxl": load_workbook(path, data_only=True)["Data"]["E2"].value}
    assert shown(mine) == shown(expected)
    assert {name: shown(value) for name, value in theirs.items()
            if shown(value) != shown(mine) and not any(
                test(mine, value) for other, _, _, test in DIFFERENCES if other == name)} == {}
