"""The demo report and a form as their readers see them: printed to PDF by LibreOffice, opened by
Gnumeric, ExcelJS and SheetJS (Node) and pandas. Each check is skipped where its program is not
installed; ``.ci/run`` installs them all."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import Tracker

SOFFICE = shutil.which("soffice")
PDF_TOOLS = shutil.which("pdftotext") and shutil.which("pdfinfo")
#: pdftotext's word boxes are about 1.43 times the font size.
BOX_PER_POINT = 1.43
SMALLEST_POINTS = 7.5  # "about 8 pt"
#: The form prints smaller: its answer columns are 14 characters wide (Status 12), the Instrument
#: column 16.5 (its names' longest word, "Communications", whole) and the longest
#: commitment takes at most eight lines, all on one A4 page wide (issues 24 and 27).
FORM_SMALLEST_POINTS = 6.8
STATUS_LABELS = ("Not started", "Planned", "In progress", "Partially implemented", "Implemented", "Not applicable")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_copy):
    """The demo's 2008 report and a fresh (not filled-in) JPN form of its open round, 2010."""
    folder = tmp_path_factory.mktemp("demo")
    demo_copy(folder)
    Tracker(str(folder / "demo.db"))("form", "--year", "2010", "--economy", "JPN", "--out", str(folder / "fresh"))
    return folder / "progress-2008.xlsx", folder / "fresh" / "JPN-2010.xlsx"


@pytest.fixture(scope="module")
def printed(demo, tmp_path_factory):
    """The demo's report printed to PDF by ``tracker report --pdf`` (LibreOffice, as a user runs
    it): (workbook, the command's output), the PDF beside the workbook. Printed once for the
    tests below. The destination is given relative to the current folder, as a user types it
    (and as the browser's report jobs write into ``reports/``)."""
    folder = tmp_path_factory.mktemp("printed")
    with contextlib.chdir(folder):
        output = Tracker(str(demo[0].parent / "demo.db"))("report", "--year", "2008", "--out", "out/progress.xlsx",
                                                         "--pdf").output
    return folder / "out" / "progress.xlsx", output


def to_pdf(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    subprocess.run([SOFFICE, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(path)], check=True, capture_output=True, timeout=300)
    return folder / f"{path.stem}.pdf"


def pages_of(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, its words with their boxes (x0, y0, x1, y1, text), the page's width last."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml).replace(' xmlns="http://www.w3.org/1999/xhtml"', "")
    root = ElementTree.fromstring(xml)
    return [
        [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text or "")
         for w in page.iter("word") if w.text]
        + [(0, 0, 0, 0, float(page.get("width")))]
        for page in root.iter("page")
    ]


def words_of(page):
    return page[:-1]


def body_of(words):
    """A page's words less its header and footer, which print at 8 to 10 pt whatever the scale of
    the sheet: on a last page of two rows they were most of its words."""
    header_bottom, footer_top = min(w[3] for w in words), max(w[1] for w in words)
    return [w for w in words if w[1] >= header_bottom and w[3] <= footer_top]


def overprinted(words) -> list[tuple[str, str]]:
    """Pairs of words drawn over each other: text cut off by a row too short or a cell too narrow."""
    clashes = []
    words = sorted(words, key=lambda w: w[1])
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b[1] >= a[3]:
                break
            width = min(a[2], b[2]) - max(a[0], b[0])
            height = min(a[3], b[3]) - max(a[1], b[1])
            smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
            if width > 0 and height > 0 and width * height > 0.25 * smaller:
                clashes.append((a[4], b[4]))
    return clashes


def sheet_of(page) -> str:
    """The sheet a page belongs to: the right of the page header's line (the cover has none)."""
    words, width = words_of(page), page[-1][4]
    if not any(w[4] == "Page" for w in words):
        return "Cover"
    top = min(w[1] for w in words)
    line = sorted((w for w in words if w[1] < top + 3), key=lambda w: w[0])
    return " ".join(w[4] for w in line if w[0] > width * 0.6).split(" | ")[0]


def lines_of(words) -> list[list[tuple]]:
    """The words of a page in printed lines (the same top, within a point), left to right."""
    lines: dict[float, list] = {}
    for word in sorted(words, key=lambda w: w[1]):
        key = next((k for k in lines if abs(k - word[1]) < 1.0), word[1])
        lines.setdefault(key, []).append(word)
    return [sorted(line, key=lambda w: w[0]) for _, line in sorted(lines.items())]


def touching_columns(words, least: float = 4.0) -> list[str]:
    """Words that start a table cell printed less than ``least`` points after the word before them
    on the same line: text of one column running into the next ("adopt and develop laws
    Implemented"). A cell starts at an x where, on at least three lines of the page, a word starts
    at least ``least`` points clear of the word before it; a line with no such gap is prose."""
    lines = lines_of(words)
    starts: dict[float, int] = {}
    for line in lines:
        for before, word in zip(line, line[1:]):
            if word[0] - before[2] >= least:
                starts[round(word[0])] = starts.get(round(word[0]), 0) + 1
    columns = {x for x, n in starts.items() if n >= 3}
    found = []
    for line in lines:
        if not any(word[0] - before[2] >= least for before, word in zip(line, line[1:])):
            continue  # a line of prose, not a row of cells
        for before, word in zip(line, line[1:]):
            if round(word[0]) in columns and 0 <= word[0] - before[2] < least:
                found.append(f"{before[4]} {word[4]}")
    return found


def table_line_gaps(page) -> list[float]:
    """The gaps between successive printed lines of a page's table (from under its header row to
    its source line), in lines: 1 between two lines of one cell, a little more between rows, 2 or
    more where a row leaves an empty band under its text."""
    lines = lines_of(body_of(words_of(page)))
    start = next((i for i, line in enumerate(lines) if line[0][4] in ("Ref", "Sheet", "Economy", "Figure")), None)
    if start is None:
        return []
    end = next((i for i, line in enumerate(lines) if line[0][4] == "Source:"), len(lines))
    tops = [line[0][1] for line in lines[start + 1:end]]
    gaps = [below - above for above, below in zip(tops, tops[1:])]
    return [gap / min(gaps) for gap in gaps] if len(gaps) > 2 else []


needs_pdf = pytest.mark.skipif(not (SOFFICE and PDF_TOOLS), reason="LibreOffice or poppler-utils is not installed")


@needs_pdf
def test_demo_report_prints_as_a_publication(printed, demo):
    pages = pages_of(printed[0].with_suffix(".pdf"))
    assert len(pages) <= 40, f"{len(pages)} pages"
    sheets = [sheet_of(page) for page in pages]
    count = {name: sheets.count(name) for name in dict.fromkeys(sheets)}
    for name, most in {"Cover": 1, "Contents": 1, "Key findings": 1, "Commitments": 3, "Economies": 1, "Matrix": 1,
                       "Rates chart": 1, "Statuses chart": 1, "Trend": 1, "Trend chart": 1, "Overdue": 1,
                       "Australia (AUS)": 1, "No return": 1, "About": 2}.items():
        assert 1 <= count.get(name, 0) <= most, f"{name}: {count.get(name)} pages"
    assert "Viet Nam (VNM)" not in count, "no profile for an economy without a return"
    assert not {"Data", "Returns", "Changes", "Chart data"} & set(sheets), "working sheets are not printed"
    text = [" ".join(w[4] for w in words_of(page)) for page in pages]
    assert "APEC cyber-security commitments: progress report 2008" in text[0]
    assert "Secretariat of the Security and Prosperity Steering Group" in text[0]
    title = lines_of(words_of(pages[0]))[0]
    assert " ".join(w[4] for w in title) == "APEC cyber-security commitments: progress report 2008", \
        "the cover's title on one line (at 20 pt, '2008' printed alone on a second)"
    everything = " ".join(text)
    assert not re.search(r"[\w.+-]+@[\w-]+(\.[A-Za-z]{2,})+\b", everything), "no e-mail address in print"
    from openpyxl import load_workbook

    returns = load_workbook(demo[0], read_only=True)["Returns"]
    header = next(returns.iter_rows(max_row=1, values_only=True))
    names = {row[header.index("Contact point")] for row in returns.iter_rows(min_row=2, values_only=True)} - {None}
    assert names and not [name for name in names if name in everything], "no contact name in print"
    for number, page in enumerate(pages, start=1):
        words, where = words_of(page), f"page {number} ({sheets[number - 1]})"
        assert not overprinted(words), f"{where}: text drawn over text {overprinted(words)[:5]}"
        assert not any("###" in w[4] for w in words), f"{where}: a number too wide for its column"
        body = body_of(words) if number > 1 else words
        heights = sorted(w[3] - w[1] for w in body)
        smallest = heights[len(heights) // 10] / BOX_PER_POINT  # the smallest tenth: chart labels, notes
        assert smallest >= SMALLEST_POINTS, f"{where} prints at {smallest:.1f} pt"
        if number > 1:
            assert f"Page {number} of {len(pages)}" in text[number - 1], where
            assert len(lines_of(body)) >= 4, f"{where}: a page that only repeats a header"
            assert not touching_columns(body), f"{where}: columns touch {touching_columns(body)[:5]}"


@pytest.fixture(scope="module")
def printed_2010(demo, tmp_path_factory):
    """The demo's 2010 report printed by LibreOffice: the catalogue's second version, so commitments
    added, reworded and with longer short titles."""
    if not (SOFFICE and PDF_TOOLS):
        pytest.skip("LibreOffice or poppler-utils is not installed")
    return to_pdf(demo[0].parent / "progress-2010.xlsx", tmp_path_factory.mktemp("printed-2010"))


@needs_pdf
def test_table_rows_are_as_tall_as_their_printed_text(printed_2010):
    """Rows were sized 12.75 pt a line for text LibreOffice prints 11.2 pt apart, and for a column
    narrower than it prints: a band under nearly every wrapped row (193 of 707 gaps over 1.4 lines,
    the widest 3.3). A line that fills its column to within about 1 % is still counted as
    wrapping (a row a line too tall, never one too short)."""
    gaps = [gap for page in pages_of(printed_2010)[1:] for gap in table_line_gaps(page)]
    bands = [gap for gap in gaps if gap > 1.4]
    assert len(gaps) > 300, len(gaps)
    assert len(bands) <= len(gaps) // 100 and max(gaps) < 2.4, f"{len(bands)} of {len(gaps)}, widest {max(gaps):.1f} lines"


@needs_pdf
def test_about_definitions_are_as_tall_as_their_printed_text(printed_2010):
    """About's 'Region-wide figures' said 'Only economies that returned for the year count.' after
    a definition that says so already: a line of its own for 'count.'. Every definition prints in
    the lines its row was made for, and none ends on a line of one word that it need not."""
    from tracker.rates import REGION_FORMULA
    from tracker.report.book import LINE_PITCH, rows_height
    from tracker.workbook.typesetting import text_lines

    (page,) = [page for page in pages_of(printed_2010) if sheet_of(page) == "About"]
    lines = [" ".join(w[4] for w in line) for line in lines_of(body_of(words_of(page)))]
    start = next(i for i, line in enumerate(lines) if line.startswith("Region-wide figures"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("Change since"))
    assert " ".join(lines[start:end]) == f"Region-wide figures {REGION_FORMULA}"
    assert end - start == text_lines(REGION_FORMULA, 55 - 1.3) and rows_height(end - start) < (end - start + 1) * LINE_PITCH
    assert len(lines[end - 1].split()) > 1, f"the definition's last line: {lines[end - 1]!r}"
    assert max(table_line_gaps(page)) < 1.4, "no empty band under a definition"


@needs_pdf
def test_text_cut_short_keeps_a_date_whole_or_drops_it(printed_2010):
    """Text cut to a line ended on part of a date: "Signed the Convention on Cybercrime on 23
    November…" (JPN's and USA's measures), "Cybersecurity Awareness Day, 29…" (the Statuses
    chart), "in force since 1…". A cut now ends on neither a number, a month nor a word that
    leads into what it drops."""
    cut = [w[4] for page in pages_of(printed_2010) for w in words_of(page) if w[4].endswith("…")]
    stranded = [word for word in cut if re.fullmatch(
        r"\(?\d[\d,./:-]*|January|February|March|April|May|June|July|August|September|October|November|December"
        r"|on|in|since|by|of|and|the|to|a|an", word[:-1].rstrip(",;:."))]
    assert len(cut) >= 5 and not stranded, (stranded, cut)


@needs_pdf
def test_table_headers_keep_clear_of_each_other(printed_2010, demo):
    """"Not reported" (aligned right) ended where "Implementation rate" began, so that they read as
    one header. On a header's printed lines, two words less than 4 pt apart are now always two
    words of one title."""
    from openpyxl import load_workbook

    book = load_workbook(demo[0].parent / "progress-2010.xlsx", read_only=True)
    sheets = ("Commitments", "Economies", "Trend", "Overdue", "No return")
    pairs = {pair for name in sheets for title in next(book[name].iter_rows(max_row=1, values_only=True)) if title
             for pair in zip(title.split(), title.split()[1:])}
    touching, checked = [], 0
    for page in pages_of(printed_2010):
        if sheet_of(page) not in sheets:
            continue
        lines = lines_of(body_of(words_of(page)))
        end = next(i for i, line in enumerate(lines) if line[0][4] in ("Ref", "code"))
        for line in lines[:end + 1]:
            checked += 1
            touching += [f"{a[4]} {b[4]}" for a, b in zip(line, line[1:]) if b[0] - a[2] < 4 and (a[4], b[4]) not in pairs]
    assert checked >= 10 and not touching, touching


@needs_pdf
def test_statuses_chart_prints_every_commitment_label(printed_2010, demo):
    """LibreOffice wrapped a long label ("AD10-1 Cybersecurity Awareness Day, 29 October") and then,
    the labels no longer fitting, printed every other one."""
    from openpyxl import load_workbook

    sheet = load_workbook(demo[0].parent / "progress-2010.xlsx", read_only=True)["Chart data"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Commitment")
    labels = [row[column] for row in rows[1:] if row[column]]
    (page,) = [page for page in pages_of(printed_2010) if sheet_of(page) == "Statuses chart"]
    printed = {" ".join(w[4] for w in line) for line in lines_of(words_of(page))}
    assert len(labels) == 27 and [label for label in labels if label not in printed] == []


@needs_pdf
def test_no_commitments_page_ends_with_an_instrument_heading(printed_2010, demo):
    """An instrument's heading row (its pooled rate) printed last on a page, its commitments on the
    next ("Bangkok Declaration" ended a page of the 2010 report): the sheet's pages are now broken
    by hand before such a heading."""
    from openpyxl import load_workbook

    rows = list(load_workbook(demo[0].parent / "progress-2010.xlsx", read_only=True)["Commitments"].iter_rows(values_only=True))
    headings = [row[1] for row in rows[1:] if row[0] is None and row[1] and row[10] is not None]
    assert len(headings) >= 8, headings
    figure = re.compile(r"[+-]?\d+(\.\d+)?%?|pp")
    pages = [page for page in pages_of(printed_2010) if sheet_of(page) == "Commitments"]
    seen = set()
    for number, page in enumerate(pages, start=1):
        lines = [[w[4] for w in line] for line in lines_of(body_of(words_of(page)))]
        lines = [" ".join(words[:max((i + 1 for i, w in enumerate(words) if not figure.fullmatch(w)), default=0)])
                 for words in lines]  # less the figures at the right
        for heading in headings:
            at = next((i for i, line in enumerate(lines) if len(line) > 12 and heading.startswith(line)), None)
            if at is not None:
                seen.add(heading)
                assert any(re.match(r"[A-Z]+\d*-\d", line) for line in lines[at + 1:]), f"{heading} ends page {number}"
    assert len(seen) == len(headings) and len(pages) <= 3


@needs_pdf
def test_form_prints_readably(demo, tmp_path):
    pages = [words_of(page) for page in pages_of(to_pdf(demo[1], tmp_path))]
    text = [" ".join(w[4] for w in page) for page in pages]
    assert "What to do" in text[0] and "Cells you can type in" in text[0], "the instructions fit on the first page"
    assert "Commitment progress form" in text[1]
    assert len(pages) <= 8, f"{len(pages)} pages"
    for number, page in enumerate(pages, start=1):
        assert not overprinted(page), f"page {number}: {overprinted(page)[:5]}"
        heights = sorted(w[3] - w[1] for w in body_of(page))
        body = heights[len(heights) // 10] / BOX_PER_POINT
        assert body >= FORM_SMALLEST_POINTS, f"page {number} prints at {body:.1f} pt"
        assert "Progress form: Japan (JPN), 2010" in text[number - 1] and f"of {len(pages)}" in text[number - 1]
    printed = " ".join(text)
    assert "Contact e-mail" in printed and "Contact phone" in printed
    assert re.search(r"Convention on Cybercrime \(2001\) by October (\S+ ){0,12}2003\.", printed), \
        "the longest commitment is printed whole (its last line may follow other cells' words)"
    from openpyxl import load_workbook

    from tracker.workbook.layout import FORM_SHEET, HEADER_ROW

    sheet = load_workbook(demo[1], read_only=True)[FORM_SHEET]
    names = {row[1] for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if row[0] and row[1]}
    words = {w[4] for page in pages for w in page}
    broken = {word for name in names for word in name.split()  # whole, or broken after a hyphen only
              if word not in words and not set(re.findall(r"[^-]+-?", word)) <= words}
    assert "Statement on the Security of Information and Communications Infrastructures" in names
    assert not broken, f"words of instruments' names broken across lines: {sorted(broken)}"


@needs_pdf
def test_form_gives_instruments_names_room_from_the_deadline(demo, tmp_path):
    """The Instrument column (14) wrapped the catalogue's names onto up to six lines ("APEC
    Leaders' / Statement on / Fighting / Terrorism and / Promoting / Growth") beside a Deadline
    column (10) that holds one date in 27 rows, and a Ref column a little wider than its captions
    need: the Instrument column now has their room, and no name takes more than five lines."""
    from openpyxl import load_workbook

    from tracker.workbook.layout import FORM_SHEET, HEADER_ROW

    sheet = load_workbook(demo[1], read_only=True)[FORM_SHEET]
    names = {row[1] for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if row[0] and row[1]}
    taken = {}
    for page in pages_of(to_pdf(demo[1], tmp_path))[1:]:
        words = words_of(page)
        header = next(w for w in words if w[4] == "Instrument")
        left, right = header[0], next(w[0] for w in words if w[4] == "Commitment" and abs(w[1] - header[1]) < 1)
        lines = [" ".join(w[4] for w in line) for line in lines_of([w for w in words if left - 1 <= w[0] < right - 1])]
        for start in range(len(lines)):
            for end in range(start + 1, min(start + 8, len(lines)) + 1):
                name = " ".join(lines[start:end]).replace("- ", "-")  # "2010-" / "2015"
                if name in names:
                    taken[name] = end - start
    assert set(taken) == names and max(taken.values()) <= 5, taken


@pytest.mark.skipif(not shutil.which("ssconvert"), reason="Gnumeric (ssconvert) is not installed")
def test_gnumeric_opens_both_without_a_warning(demo, tmp_path):
    for path in demo:
        result = subprocess.run(["ssconvert", str(path), str(tmp_path / f"{path.stem}.xlsx")],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0 and not (result.stderr + result.stdout).strip(), result.stderr
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Workbook contains no default style")  # openpyxl on Gnumeric's styles
        resaved = load_workbook(tmp_path / "JPN-2010.xlsx")
    (validation,) = resaved["Form"].data_validations.dataValidation
    assert validation.formula1 == "StatusLabels", "the drop-down survives Gnumeric's save"


NODE_CHECK = """
const ExcelJS = require('exceljs');
const XLSX = require('xlsx');
(async () => {
  for (const path of process.argv.slice(1)) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path);
    const sheet = XLSX.readFile(path);
    console.log(`${path} ${wb.worksheets.length} ${sheet.SheetNames.length}`);
  }
})().catch(e => { console.error(e.message); process.exit(1); });
"""


def node_modules() -> str | None:
    folder = os.environ.get("TRACKER_TEST_NODE_MODULES")
    if folder and shutil.which("node") and all((Path(folder) / name).is_dir() for name in ("exceljs", "xlsx")):
        return folder
    return None


@pytest.mark.skipif(not node_modules(), reason="set TRACKER_TEST_NODE_MODULES to a node_modules with exceljs and xlsx")
def test_exceljs_and_sheetjs_open_both(demo):
    result = subprocess.run(["node", "-e", NODE_CHECK, *map(str, demo)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NODE_PATH": node_modules()})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    from openpyxl import load_workbook

    sheets = len(load_workbook(demo[0], read_only=True).sheetnames)  # worksheets and the 3 chart sheets
    assert lines[0].endswith(f"{sheets - 3} {sheets}") and lines[1].endswith("4 4"), lines  # ExcelJS skips chart sheets


def test_pandas_reads_every_table_from_its_header_row(demo):
    pandas = pytest.importorskip("pandas")
    sheets = pandas.read_excel(demo[0], sheet_name=None, engine="openpyxl")
    assert list(sheets["Data"].columns[:4]) == ["Economy code", "Economy", "Returned", "Ref"]
    assert len(sheets["Data"]) == 21 * 26
    for name in ("Economies", "Commitments", "Matrix", "Changes", "Overdue", "Trend", "Returns"):
        assert sheets[name].columns[0] in ("Economy code", "Ref"), name
    data = sheets["Data"]
    assert all(str(data[c].dtype).startswith("datetime64") for c in ("Deadline", "Last updated"))
    assert str(data["Year"].dtype) == "int64" and set(data["Returned"]) == {"Yes", "No"}
    for column in ("Economy code", "Economy", "Ref", "Commitment", "Status"):
        assert data[column].dropna().map(type).eq(str).all(), column
    matrix = sheets["Matrix"]
    codes = matrix[matrix["Ref"].str.match(r"^[A-Z]", na=False) & ~matrix["Ref"].str.startswith("Source", na=False)]
    assert not codes.iloc[:, 2:].isna().any().any(), "no status code that pandas reads as missing (NA)"


@needs_pdf
def test_report_pdf_option_writes_the_pdf_beside_the_workbook(printed):
    path, output = printed
    pdf = path.with_suffix(".pdf")
    assert f"Wrote {Path('out', pdf.name)}" in output
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.pdf", "progress.xlsx"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = [" ".join(w[4] for w in words_of(page)) for page in pages_of(pdf)]
    assert 20 < int(re.search(r"Pages:\s+(\d+)", info).group(1)) == len(pages) <= 40
    assert [n for n, page in enumerate(pages, 1) if "progress report 2008" not in page] == [], "every page is of this report"
    assert "Title:" in info and "progress report 2008" in info.split("Title:")[1].splitlines()[0], "the PDF's title"
