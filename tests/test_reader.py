"""The strict reader: real filled forms, altered in their XML the way broken or hostile files are,
are read exactly as a person sees them or refused naming the file and cell, database unchanged."""

import json
import random
import re
import shutil
import string
import zipfile

import pytest

from formtools import fill, form_sheet_member, rewrite_member, snapshot
from tracker.workbook import reader, reader_package
from tracker.errors import Refused


def build_form(tracker, folder):
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(folder / "out"))
    fill(folder / "out" / "JPN-2008.xlsx", {"LC02-1": {"Status": "Implemented"}, "LC02-2": {"Status": "Planned"}})


@pytest.fixture
def form(set_up, tmp_path):
    """JPN's 2008 form with LC02-1 (row 12) and LC02-2 (row 13) answered."""
    set_up(build_form)
    return tmp_path / "out" / "JPN-2008.xlsx"


def entries(tracker):
    return {r["ref"]: r for r in json.loads(tracker("show", "JPN", "--year", "2008", "--json").output)}


def _row(xml, number):
    return re.search(rf'<row r="{number}"[^>]*>.*?</row>', xml).group(0)


def _sheet(change):
    return lambda form: rewrite_member(form, form_sheet_member(form), change)


def _workbook(change):
    return lambda form: rewrite_member(form, "xl/workbook.xml", change)


def _column_f(change):
    """``change`` applied to the ``<col>`` element that sets column F (the Status column), which
    may set its neighbours too (one element for adjacent columns of one width)."""
    def covering_f(match):
        low, high = (int(n) for n in re.search(r'min="(\d+)" max="(\d+)"', match.group(0)).groups())
        return change(match.group(0)) if low <= 6 <= high else match.group(0)
    return _sheet(lambda x: re.sub(r"<col [^>]*>", covering_f, x))


def _cell(coordinate, replacement):
    """Replace a cell element by ``replacement``."""
    return _sheet(lambda x: re.sub(rf'<c r="{coordinate}"[^>]*?(/>|>.*?</c>)', replacement, x, count=1))


def _with_stored_member_corrupted(form):
    """The Form sheet stored uncompressed, one byte of it changed: the zip's checksum no longer matches."""
    member = form_sheet_member(form)
    with zipfile.ZipFile(form) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    with zipfile.ZipFile(form, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data, zipfile.ZIP_STORED if name == member else zipfile.ZIP_DEFLATED)
    raw = form.read_bytes()
    at = raw.index(b"<t>Planned</t>")
    form.write_bytes(raw[:at + 4] + b"X" + raw[at + 5:])
    return form


REFUSED = {
    "number cell holding text": (_cell("D11", '<c r="D11" s="2" t="n"><v>soon</v></c>'),
                                 "sheet Form, cell D11: a number cell holds 'soon', which is not a number"),
    "number with underscores": (_cell("D11", '<c r="D11" t="n"><v>1_000</v></c>'), "cell D11: a number cell holds '1_000'"),
    "bad ISO date": (_cell("D11", '<c r="D11" t="d"><v>2009-13-45</v></c>'), "cell D11: a date cell holds '2009-13-45'"),
    "boolean written true": (_cell("D11", '<c r="D11" t="b"><v>true</v></c>'), "cell D11: a TRUE/FALSE cell holds 'true'"),
    "shared text out of range": (_cell("D11", '<c r="D11" t="s"><v>99</v></c>'),
                                 "cell D11: refers to shared text number '99', but the file holds 0"),
    "negative shared text index": (_cell("D11", '<c r="D11" t="s"><v>-1</v></c>'), "cell D11: refers to shared text number '-1'"),
    "shared text index not a number": (_cell("D11", '<c r="D11" t="s"><v>x</v></c>'), "refers to shared text number 'x'"),
    "unknown error value": (_cell("D11", '<c r="D11" t="e"><v>#OOPS</v></c>'), "cell D11: holds an error value '#OOPS'"),
    "unknown cell type": (_cell("D11", '<c r="D11" t="q"><v>1</v></c>'), "cell D11: has a cell type 'q'"),
    "style not defined": (_cell("D11", '<c r="D11" s="999"><v>1</v></c>'), "cell D11: refers to style number '999'"),
    "character XML forbids": (_sheet(lambda x: x.replace("<t>Planned</t>", "<t>Plan&#1;ned</t>")),
                              "part xl/worksheets/sheet2.xml is not well-formed XML"),
    "checksum error": (_with_stored_member_corrupted, "part xl/worksheets/sheet2.xml is damaged (its checksum does not match)"),
    "negative row number": (_sheet(lambda x: x.replace('<row r="11"', '<row r="-11"')), "a row is numbered '-11'"),
    "row number out of range": (_sheet(lambda x: x.replace('<row r="11"', '<row r="2000000"')), "a row is numbered 2000000"),
    "row given twice": (_sheet(lambda x: x.replace("</sheetData>", _row(x, 13).replace("Planned", "Implemented") + "</sheetData>")),
                        "sheet Form: row 13 is given twice in the file"),
    "cell given twice": (_sheet(lambda x: x.replace(_row(x, 13), _row(x, 13).replace(
        "</row>", '<c r="F13" t="inlineStr"><is><t>Implemented</t></is></c></row>'))), "cell F13: given twice in the file"),
    "cell outside its row": (_sheet(lambda x: x.replace('<c r="F13"', '<c r="F14"')), "row 13: a cell is named 'F14'"),
    "Ref repeated after many blank rows": (_sheet(lambda x: x.replace(
        "</sheetData>", '<row r="300"><c r="A300" t="inlineStr"><is><t>LC02-1</t></is></c></row></sheetData>')),
        "cell A300 (Ref): LC02-1 appears twice (also A12)"),
    "hidden row": (_sheet(lambda x: x.replace('<row r="13"', '<row r="13" hidden="1"')),
                   "cell F13: holds 'Planned', but row 13 is hidden, so it cannot be seen"),
    "zero-height row": (_sheet(lambda x: re.sub(r'<row r="13" ht="[0-9.]+"', '<row r="13" ht="0"', x)),
                        "cell F13: holds 'Planned', but row 13 is hidden"),
    "row hidden by the sheet's default": (_sheet(lambda x: re.sub(r'(<row r="13"[^>]*?) ht="[0-9.]+"', r"\1", x).replace(
        "<sheetFormatPr ", '<sheetFormatPr zeroHeight="1" ')), "cell F13: holds 'Planned', but row 13 is hidden"),
    "rows hidden by a default given after them": (_sheet(lambda x: re.sub(r'(<row r="13"[^>]*?) ht="[0-9.]+"', r"\1", x).replace(
        "</sheetData>", '</sheetData><sheetFormatPr zeroHeight="1"/>')), "cell F13: holds 'Planned', but row 13 is hidden"),
    "hidden column": (_column_f(lambda col: col.replace("<col ", '<col hidden="1" ')),
                      "cell F13: holds 'Planned', but column F is hidden"),
    "zero-width column": (_column_f(lambda col: re.sub(r'width="[0-9.]+"', 'width="0"', col)),
                          "cell F10: holds 'Status', but column F is hidden"),
    "merged-over cell": (_sheet(lambda x: x.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="E13:F13"/></mergeCells>')),
                         "cell F13: holds 'Planned', but it lies under the merged cells E13:F13"),
    "contact in a hidden row": (lambda f: _sheet(lambda x: x.replace('<row r="7"', '<row r="7" hidden="1"'))(
        fill(f, {}, contact={"Contact e-mail": "a@example.org"})), "cell B7: holds 'a@example.org', but row 7 is hidden"),
    "hidden Form sheet": (_workbook(lambda x: x.replace('name="Form" sheetId="2" state="visible"', 'name="Form" sheetId="2" state="hidden"')),
                          "JPN-2008.xlsx: the sheet Form is hidden"),
    "two sheets named Form": (_workbook(lambda x: x.replace('name="Instructions"', 'name="Form"')),
                              "JPN-2008.xlsx: two sheets are named 'Form'"),
    "repeated header": (_cell("C10", '<c r="C10" t="inlineStr"><is><t>status</t></is></c>'),
                        "sheet Form: the header 'Status' is given twice (cells C10, F10)"),
    "document type declared": (_sheet(lambda x: '<!DOCTYPE x [<!ENTITY a "b">]>' + x), "declares a document type or entities"),
    "not UTF-8": (_sheet(lambda x: '<?xml version="1.0" encoding="ISO-8859-1"?>' + x), "is not encoded in UTF-8"),
    "property given twice": (lambda f: rewrite_member(f, "docProps/custom.xml", lambda x: re.sub(
        r"(<property [^>]*name=\"tracker_year\".*?</property>)", r"\1\1", x)), "the document property 'tracker_year' is given twice"),
    "identification far too long": (lambda f: rewrite_member(f, "docProps/custom.xml", lambda x: x.replace(
        ">JPN<", ">" + "JPN" * 1000 + "<")), "the identification's 'economy' holds 'JPNJPN"),
    "duplicated zip member": (lambda f: _duplicate_member(f), "holds the part xl/worksheets/sheet2.xml twice"),
}


def _duplicate_member(form):
    member = form_sheet_member(form)
    with zipfile.ZipFile(form) as source:
        parts = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(form, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts + [(member, dict(parts)[member])]:
            target.writestr(name, data)
    return form


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("case", list(REFUSED))
def test_malformed_or_unseen_content_is_refused_naming_file_and_cell(tracker, store, form, case):
    make, message = REFUSED[case]
    path = make(form)
    before = snapshot(store)
    result = tracker("import", str(path), expect=1)
    assert message in result.output
    assert "Traceback" not in result.output
    assert snapshot(store) == before
    as_json = json.loads(tracker("import", "--json", str(path), expect=1).output)
    assert as_json[0]["status"] == "refused" and all(p.startswith("JPN-2008.xlsx") for p in as_json[0]["problems"])


def test_rows_out_of_order_in_the_xml_are_all_read_by_their_number(tracker, form):
    def reverse(xml):
        rows = re.findall(r"<row .*?</row>", xml)
        return xml.replace("".join(rows), "".join(reversed(rows)))

    _sheet(reverse)(form)
    assert "applied (form JPN 2008): 2 new, 0 changed, 24 unchanged" in tracker("import", str(form)).output
    got = entries(tracker)
    assert got["LC02-1"]["status"] == "implemented" and got["LC02-2"]["status"] == "planned"


def test_cells_and_rows_without_numbers_follow_the_previous_ones(tracker, form):
    _sheet(lambda x: re.sub(r'(<row r="1[23]") ([^>]*>)', r"<row \2", x).replace('<c r="F13"', "<c")
           .replace('<c r="E13"', "<c"))(form)
    # Row 12 now follows row 11 and row 13 follows it; in row 13, E and F follow D.
    assert "2 new" in tracker("import", str(form)).output
    assert entries(tracker)["LC02-2"]["status"] == "planned"


def test_shared_strings_dates_and_booleans_are_read_as_excel_shows_them(tracker, form):
    def shared(xml):
        xml = re.sub(r'<c r="F13" s="[0-9]+" t="inlineStr"><is><t>Planned</t></is></c>', '<c r="F13" t="s"><v>1</v></c>', xml)
        xml = re.sub(r'<c r="G13" s="[0-9]+" t="n" />', '<c r="G13" t="b"><v>1</v></c>', xml)
        return re.sub(r'<c r="H13" s="[0-9]+" t="n" />', '<c r="H13" t="d"><v>2009-04-01T00:00:00</v></c>', xml)

    _sheet(shared)(form)
    rewrite_member(form, "[Content_Types].xml", lambda x: x.replace("</Types>", (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>')))
    rewrite_member(form, "xl/_rels/workbook.xml.rels", lambda x: x.replace("</Relationships>", (
        '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>')))
    with zipfile.ZipFile(form, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
            '<si><t>unused</t></si><si><r><t>In </t></r><r><t>progress</t></r><rPh sb="0" eb="1"><t>x</t></rPh></si></sst>'))
    assert "<v>1</v>" in zipfile.ZipFile(form).read(form_sheet_member(form)).decode()
    tracker("import", str(form))
    got = entries(tracker)["LC02-2"]
    assert (got["status"], got["measures"], got["planned"]) == ("in_progress", "TRUE", "2009-04-01")


def test_a_huge_value_is_refused_quoting_only_its_start(tracker, store, form):
    huge = "".join(random.Random(1).choices(string.ascii_letters, k=10_000_000))
    _sheet(lambda x: x.replace("<t>LC02-1</t>", f"<t>{huge}</t>"))(form)
    before = snapshot(store)
    result = tracker("import", str(form), expect=1)
    assert f"cell A12: holds {huge[:60]!r}... (10,000,000 characters); a spreadsheet cell holds at most 32,767" in result.output
    assert len(result.output) < 2_000
    assert snapshot(store) == before


def test_a_broken_part_is_one_refusal_without_library_text(tracker, form):
    rewrite_member(form, "xl/styles.xml", lambda x: x.replace('<cellXfs count="9"><xf numFmtId="0"',
                                                                '<cellXfs count="9"><xf numFmtId="x"'))
    as_json = json.loads(tracker("import", "--json", str(form), expect=1).output)
    assert as_json[0]["problems"] == [
        "JPN-2008.xlsx could not be read as a workbook (ValueError). Open it in Excel or LibreOffice, "
        "save it as .xlsx and send it again."
    ]


def test_a_folder_accounts_for_every_file(tracker, form, tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    (folder / "JPN-2008.XLSX").write_bytes(form.read_bytes())
    for name in ("KOR-2008.ods", "CHN-2008.xls", "AUS-2008.xlsm", "table.csv", "notes.txt"):
        (folder / name).write_bytes(b"not read")
    for name in ("~$JPN-2008.xlsx", ".~lock.JPN-2008.xlsx#", ".DS_Store"):
        (folder / name).write_bytes(b"")
    (folder / "old").mkdir()
    result = tracker("import", str(folder), expect=1)
    out = result.output
    assert "JPN-2008.XLSX: applied (form JPN 2008): 2 new" in out
    assert "KOR-2008.ods: an OpenDocument spreadsheet (.ods); save it as an Excel workbook (.xlsx) and import that." in out
    assert "CHN-2008.xls: an Excel 97-2003 workbook (.xls); save it as an Excel workbook (.xlsx) and import that." in out
    assert "AUS-2008.xlsm: a macro-enabled workbook (.xlsm)" in out
    assert "table.csv: a CSV text file" in out
    assert "notes.txt: not an Excel workbook (.xlsx)" in out
    assert "~$JPN-2008.xlsx: an Office lock file" in out and ".~lock.JPN-2008.xlsx#: an Office lock file" in out
    assert ".DS_Store: a hidden file; skipped." in out
    assert "old: a folder; what it holds is not imported" in out
    assert "Total: 1 file(s) applied, 5 refused" in out
    assert "Not applied: AUS-2008.xlsm, CHN-2008.xls, KOR-2008.ods, notes.txt, table.csv" in out


def test_a_folder_of_only_skipped_files_is_refused(tracker, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "~$x.xlsx").write_bytes(b"")
    assert "holds no .xlsx files" in tracker("import", str(tmp_path / "empty"), expect=1).output


def _table(path, hide_row=None, sheet_state=None):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Economy code", "Ref", "Year", "Status"])
    ws.append(["AUS", "LC02-1", 2008, "Implemented"])
    ws.append(["PER", "LC02-2", 2008, "Planned"])
    if hide_row:
        ws.row_dimensions[hide_row].hidden = True
    if sheet_state:
        wb.create_sheet("Notes")
        ws.sheet_state = sheet_state
    wb.save(path)
    return path


@pytest.mark.parametrize("change, message", [
    ({"hide_row": 3}, "sheet Data, cell A3: holds 'PER', but row 3 is hidden"),
    ({"sheet_state": "hidden"}, "the table is on the hidden sheet Data"),
])
def test_tidy_tables_are_read_as_seen_too(tracker, store, tmp_path, change, message):
    path = _table(tmp_path / "table.xlsx", **change)
    before = snapshot(store)
    assert message in tracker("import", str(path), expect=1).output
    assert snapshot(store) == before


def test_a_visible_tidy_table_imports(tracker, tmp_path):
    assert "applied (table): 2 new" in tracker("import", str(_table(tmp_path / "table.xlsx"))).output


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_sheet_parsed_whole_or_streamed_is_read_the_same(form, tmp_path, monkeypatch, target):
    """A part of up to ``reader_package.WHOLE_PART_BYTES`` is parsed whole and a larger one streamed: every
    case above, and the form as filled, is read (or refused) the same either way."""
    if "://" in target:
        pytest.skip("reading touches no database")

    def read(path):
        try:
            return reader.read_workbook(path.name, path.read_bytes())
        except reader.FileRefused as exc:
            return exc.problems
        except Refused as exc:
            return str(exc)

    cases = {"as filled": lambda path: path, **{case: make for case, (make, _) in REFUSED.items()}}
    for number, (case, make) in enumerate(cases.items()):
        path = tmp_path / str(number) / form.name
        path.parent.mkdir()
        path = make(shutil.copy(form, path))
        whole = read(path)
        with monkeypatch.context() as streaming:
            streaming.setattr(reader_package, "WHOLE_PART_BYTES", -1)
            streamed = read(path)
        assert whole == streamed, case
        if case == "as filled":
            assert isinstance(whole, reader.Parsed) and len(whole.sheet.rows) == 26
