"""Cases from real writers' workbooks and from forms a person (or a forger) could alter, each
written by hand as the XML it is about, read as Excel shows it or refused naming the cell."""

from __future__ import annotations

import random
from datetime import datetime, time

import zipfile

import pytest

from handmade import MEASURES, measures, parts, read, styles, table_rows, zipped
from tracker.errors import Refused
from tracker.workbook import reader, reader_package
from tracker.workbook.reader import OTHER_FORMATS, FileRefused


#: Cases read as Excel shows them, each as its parts: {case: (parts, the value read in E2)}; the
#: differential test (test_reader_differential.py) reads them with openpyxl and calamine too.
READ_AS_SHOWN = {
    "a date under a conditional format's number format of the same id": (parts(
        table_rows(f'<c r="{MEASURES}" s="1"><v>42062</v></c>'), styles_xml=styles(
            cell_formats='<xf numFmtId="0"/><xf numFmtId="14"/>', dxfs='<dxf><numFmt numFmtId="14" formatCode="0.00%"/></dxf>')),
        datetime(2015, 2, 27)),
    "a shared string's text then its runs, without phonetic guides": (parts(
        table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'), shared_strings=(
            '<si><t>tval</t><r><t>rval1</t></r><r><rPr><b/></rPr><t>rval2</t></r>'
            '<rPh sb="0" eb="1"><t>カケ</t></rPh><phoneticPr fontId="1"/></si>')), "tvalrval1rval2"),
    "an inline string's runs, without phonetic guides": (parts(table_rows(
        f'<c r="{MEASURES}" t="inlineStr"><is><r><t>掛</t></r><r><t>け</t></r><rPh sb="0" eb="1"><t>カ</t></rPh></is></c>')),
        "掛け"),
    "an escaped underscore": (parts(table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'),
                                    shared_strings="<si><t>typed _x005F_x0041_ here</t></si>"), "typed _x0041_ here"),
    "escaped line breaks": (parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>line_x000D__x000A_two</t></is></c>')),
                            "line\r\ntwo"),
    "a merge of a single cell": (parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>merged alone</t></is></c>'),
                                       sheet_extra='<mergeCells count="1"><mergeCell ref="E2"/></mergeCells>'), "merged alone"),
    "a time alone in a date cell": (parts(table_rows(f'<c r="{MEASURES}" t="d"><v>10:10:10</v></c>')), time(10, 10, 10)),
    "a General number": (parts(table_rows(f'<c r="{MEASURES}"><v>0.30000000000000004</v></c>')), "0.3"),
}


def test_conditional_formats_number_formats_do_not_turn_a_date_into_a_number():
    members, shown = READ_AS_SHOWN["a date under a conditional format's number format of the same id"]
    assert measures(members) == shown


def test_a_shared_string_is_its_text_then_every_run_in_order_without_phonetic_guides():
    members, shown = READ_AS_SHOWN["a shared string's text then its runs, without phonetic guides"]
    assert measures(members) == shown


def test_an_inline_string_of_runs_is_read_whole_without_phonetic_guides():
    members, shown = READ_AS_SHOWN["an inline string's runs, without phonetic guides"]
    assert measures(members) == shown


def test_excel_escapes_in_a_workbook_are_decoded_exactly_once():
    cell = f'<c r="{MEASURES}" t="s"><v>0</v></c>'
    assert measures(parts(table_rows(cell), shared_strings="<si><t>typed _x005F_x0041_ here</t></si>")) == "typed _x0041_ here"
    assert measures(parts(table_rows(cell), shared_strings="<si><t>A_x0042_C</t></si>")) == "ABC"
    inline = f'<c r="{MEASURES}" t="inlineStr"><is><t>line_x000D__x000A_two</t></is></c>'
    assert measures(parts(table_rows(inline))) == "line\r\ntwo"
    formula = f'<c r="{MEASURES}" t="str"><f>"x"</f><v>_x005F_x0042_</v></c>'
    assert measures(parts(table_rows(formula))) == "_x0042_"


@pytest.mark.parametrize("cell, where", [
    (f'<c r="{MEASURES}" t="inlineStr"><is><t>Not started</t></is><is><t>Implemented</t></is></c>', "cell E2"),
    (f'<c r="{MEASURES}" t="inlineStr"><is><t>Not started</t><t>Implemented</t></is></c>', "cell E2"),
])
def test_two_texts_where_one_belongs_are_refused_naming_the_cell(cell, where):
    with pytest.raises(FileRefused, match=f"{where}: holds (two texts|a text in two parts)"):
        read(parts(table_rows(cell)))


def test_a_shared_string_of_two_texts_is_refused_naming_it():
    with pytest.raises(FileRefused, match="shared text number 0: holds a text in two parts"):
        read(parts(table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'),
                   shared_strings="<si><t>Not started</t><t>Implemented</t></si>"))


def _moved(members: dict[str, bytes], renames: dict[str, str]) -> dict[str, bytes]:
    return {renames.get(name, name): data for name, data in members.items()}


def test_part_names_with_backslashes_and_other_cases_are_found_as_opc_says():
    members = _moved(parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>found</t></is></c>')), {
        "xl/worksheets/sheet1.xml": "xl\\Worksheets\\Sheet1.XML", "xl/styles.xml": "XL\\styles.xml"})
    assert measures(members) == "found"


def test_the_workbook_part_is_found_through_the_package_relationships():
    members = _moved(parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>found</t></is></c>')), {
        "xl/workbook.xml": "xl/book.xml", "xl/_rels/workbook.xml.rels": "xl/_rels/book.xml.rels"})
    members["_rels/.rels"] = members["_rels/.rels"].replace(b"xl/workbook.xml", b"/xl/book.xml")
    assert measures(members) == "found"


def test_a_relationship_outside_the_package_is_refused():
    members = parts(table_rows(""))
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", b"../../../etc/passwd")
    with pytest.raises(FileRefused, match="refers to '../../../etc/passwd', outside the workbook"):
        read(members)


def test_a_package_naming_no_workbook_is_refused_with_advice():
    members = parts(table_rows(""))
    members["_rels/.rels"] = members["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/nothing.xml")
    with pytest.raises(FileRefused, match="holds no workbook .* Import the .xlsx form itself"):
        read(members)


def test_two_shared_string_parts_are_refused():
    members = parts(table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'), shared_strings="<si><t>first</t></si>")
    members["xl/strings2.xml"] = members["xl/sharedStrings.xml"].replace(b"first", b"second")
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="strings2.xml"/></Relationships>'))
    with pytest.raises(FileRefused, match=r"name 2 parts of one kind \(xl/sharedStrings.xml, xl/strings2.xml\)"):
        read(members)


def test_a_merge_of_a_single_cell_is_a_valid_merge():
    members, shown = READ_AS_SHOWN["a merge of a single cell"]
    assert measures(members) == shown


def test_a_time_alone_in_a_date_cell_is_read_as_that_time():
    members, shown = READ_AS_SHOWN["a time alone in a date cell"]
    assert measures(members) == shown


def test_a_negative_date_serial_is_refused_as_excel_shows_it():
    members = parts(table_rows(f'<c r="{MEASURES}" s="1"><v>-2</v></c>'),
                    styles_xml=styles(cell_formats='<xf numFmtId="0"/><xf numFmtId="14"/>'))
    with pytest.raises(FileRefused, match="cell E2: holds '-2' shown as a date or time, which Excel shows as #####"):
        read(members)


def _with_parts(members: dict[str, bytes], **added: bytes) -> dict[str, bytes]:
    return {**members, **{name.replace("__", "/"): data for name, data in added.items()}}


def _refusal(data: bytes) -> str:
    with pytest.raises(Refused) as refused:
        reader.read_workbook("alone.xlsx", data)
    assert "looks like not" not in str(refused.value)
    return str(refused.value)


def test_a_file_of_another_format_alone_gets_the_advice_a_folder_gives():
    members = parts(table_rows(""))
    binary = {**members, "_rels/.rels": members["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/workbook.bin"),
              "xl/workbook.bin": b"\x83\x01\x00"}
    assert OTHER_FORMATS[".xlsb"] in _refusal(zipped(binary))
    assert OTHER_FORMATS[".xlsm"] in _refusal(zipped({**members, "xl/vbaProject.bin": b"\x00" * 100}))
    assert OTHER_FORMATS[".ods"] in _refusal(zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                                     "content.xml": b"<office:document-content/>"}))
    assert "an Excel 97-2003 workbook (.xls)" in _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    strict = {**members, "_rels/.rels": members["_rels/.rels"].replace(
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument")}
    assert "saved as Strict Open XML; save it as an ordinary Excel workbook (.xlsx)" in _refusal(zipped(strict))
    assert "nor any spreadsheet file" in _refusal(bytes(range(256)) * 4)


def test_activex_controls_in_an_xlsx_are_refused_with_advice_that_works():
    members = {**parts(table_rows("")), "xl/activeX/activeX1.xml": b"<ax/>"}
    message = _refusal(zipped(members))
    assert "contains ActiveX controls (xl/activeX/activeX1.xml)" in message
    assert "Remove the controls (or copy the cells into the form you were sent) and save it again as .xlsx" in message
    assert ".xlsm" not in message


@pytest.mark.parametrize("compression", [zipfile.ZIP_LZMA, zipfile.ZIP_BZIP2])
def test_parts_compressed_as_no_spreadsheet_program_does_are_refused(compression):
    message = _refusal(zipped(parts(table_rows("")), compression))
    assert "part [Content_Types].xml is compressed in a way no spreadsheet program reads" in message


def test_bytes_before_the_zip_are_refused():
    assert "has bytes before its zip archive" in _refusal(b"\x00" * 4096 + zipped(parts(table_rows(""))))


def _formatted(code: str, cell: str):
    """E2 (``cell``'s value and type) with the number format ``code``, as the reader reads it."""
    number_formats = f'<numFmt numFmtId="164" formatCode="{code}"/>'
    return measures(parts(table_rows(cell.format(f'r="{MEASURES}" s="1"')), styles_xml=styles(
        number_formats, '<xf numFmtId="0"/><xf numFmtId="164"/>')))


SHOWN = {
    "percent": ("0%", "<c {}><v>0.75</v></c>", "75%"),
    "rounded to two decimals": ("0.00", "<c {}><v>3.14159</v></c>", "3.14"),
    "rounded half up as Excel does": ("0.00", "<c {}><v>2.675</v></c>", "2.68"),
    "thousands": ("#,##0", "<c {}><v>1234567</v></c>", "1,234,567"),
    "scientific": ("0.00E+00", "<c {}><v>123456789012345678</v></c>", "1.23E+17"),
    "elapsed hours": ("[h]:mm:ss", "<c {}><v>1.5</v></c>", "36:00:00"),
    "elapsed minutes": ("[mm]:ss", "<c {}><v>0.0625</v></c>", "90:00"),
    "General number": ("General", "<c {}><v>0.30000000000000004</v></c>", "0.3"),
    "General number, long": ("General", "<c {}><v>3.14159265358979</v></c>", "3.141592654"),
    "text under a number format": ("0.00", '<c {} t="inlineStr"><is><t>as typed</t></is></c>', "as typed"),
    "text under @": ("@", '<c {} t="inlineStr"><is><t>as typed</t></is></c>', "as typed"),
    "text under padding": ('_(@_)', '<c {} t="inlineStr"><is><t>as typed</t></is></c>', "as typed"),
}


@pytest.mark.parametrize("case", SHOWN)
def test_a_number_format_that_changes_what_is_shown_stores_what_is_shown(case):
    code, cell, shown = SHOWN[case]
    assert _formatted(code, cell) == shown


def test_a_general_number_without_a_style_is_stored_as_excel_shows_it():
    members, shown = READ_AS_SHOWN["a General number"]
    assert measures(members) == shown


UNSHOWN = {
    "text hidden by ;;;": (";;;", '<c {} t="inlineStr"><is><t>secret</t></is></c>', "holds 'secret', but its number format ';;;' hides it"),
    "number hidden by ;;;": (";;;", "<c {}><v>5</v></c>", "holds '5', but its number format ';;;' hides it"),
    "other text shown over the text": (';;;&quot;Implemented&quot;', '<c {} t="inlineStr"><is><t>Not started</t></is></c>',
                                       "holds 'Not started', but its number format ';;;\"Implemented\"' shows other text"),
    "literal text before": ('&quot;Status: &quot;@', '<c {} t="inlineStr"><is><t>Planned</t></is></c>', "shows other text than what it holds"),
    "literal text after": ('@&quot; (draft)&quot;', '<c {} t="inlineStr"><is><t>Planned</t></is></c>', "shows other text than what it holds"),
    "white text": ("[White]@", '<c {} t="inlineStr"><is><t>Planned</t></is></c>', "shows it in white"),
    "a General number in scientific notation": ("General", "<c {}><v>123456789012345678</v></c>",
                                                "holds '123456789012345678', but it shows as 1.23457E+17 (scientific notation)"),
    "a number by conditions": ("[&gt;100]0;0.00", "<c {}><v>5</v></c>", "shows it differently from the number it holds"),
}


@pytest.mark.parametrize("case", UNSHOWN)
def test_a_number_format_that_hides_or_alters_an_imported_value_is_refused_naming_the_cell(case):
    code, cell, message = UNSHOWN[case]
    with pytest.raises(FileRefused, match="cell E2: ") as refused:
        _formatted(code, cell)
    assert message in str(refused.value)
    assert "Set the cell's number format to General" in str(refused.value)



def test_text_that_reads_like_an_error_value_is_text():
    typed = measures(parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>#N/A</t></is></c>')))
    assert typed == "#N/A" and not isinstance(typed, reader.ErrorValue)
    shown = measures(parts(table_rows(f'<c r="{MEASURES}" t="e"><f>NA()</f><v>#N/A</v></c>')))
    assert isinstance(shown, reader.ErrorValue)


def test_rows_and_columns_too_small_to_read_are_refused_naming_the_cell():
    low = parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>tiny</t></is></c>').replace(
        '<row r="2">', '<row r="2" ht="0.1" customHeight="1">'))
    with pytest.raises(FileRefused, match="cell E2: holds 'tiny', but row 2 is hidden"):
        read(low)
    narrow = parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>tiny</t></is></c>'),
                   sheet_extra="")
    narrow["xl/worksheets/sheet1.xml"] = narrow["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", b'<cols><col min="5" max="5" width="0.01" customWidth="1"/></cols><sheetData>')
    with pytest.raises(FileRefused, match="cell E2: holds 'tiny', but column E is hidden"):
        read(narrow)


@pytest.mark.parametrize("formula, workbook_extra, message", [
    ("NOW()", "", "its formula (NOW()) gives another value whenever the spreadsheet recalculates"),
    ("RAND()*10", "", "its formula (RAND()*10) gives another value"),
    ("1+1", '<calcPr fullCalcOnLoad="1"/>', "the workbook recalculates every formula when it is opened"),
])
def test_a_cached_value_the_spreadsheet_recalculates_is_refused_naming_the_cell(formula, workbook_extra, message):
    members = parts(table_rows(f'<c r="{MEASURES}"><f>{formula}</f><v>42</v></c>'))
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(b"</sheets>", f"</sheets>{workbook_extra}".encode())
    with pytest.raises(FileRefused, match="cell E2: holds '42', but ") as refused:
        read(members)
    assert message in str(refused.value) and "Type the value itself in place of the formula" in str(refused.value)


def test_a_formula_kept_as_calculated_is_read_as_its_value():
    assert measures(parts(table_rows(f'<c r="{MEASURES}"><f>1+1</f><v>2</v></c>'))) == 2


def test_a_second_table_sheet_holding_answers_is_refused_naming_it():
    members = parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>first</t></is></c>'))
    members["xl/worksheets/sheet2.xml"] = members["xl/worksheets/sheet1.xml"].replace(b"first", b"second")
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet name="Data (2)" sheetId="2" r:id="rId9"/></sheets>')
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'worksheet" Target="worksheets/sheet2.xml"/></Relationships>'))
    with pytest.raises(FileRefused, match=r"sheet Data \(2\) has the columns of sheet Data and holds answers"):
        read(members)


def test_a_row_inside_an_extension_list_is_refused():
    members = parts(table_rows(""), sheet_extra=(
        '<extLst><ext uri="{x}"><row r="3"><c r="A3" t="inlineStr"><is><t>JPN</t></is></c></row></ext></extLst>'))
    with pytest.raises(FileRefused, match="part xl/worksheets/sheet1.xml holds a <row> inside <extLst>"):
        read(members)


def _styled(cell: str, fonts: str, fills: str = '<fill><patternFill patternType="none"/></fill>', extra: str = ""):
    """E2 (``cell``, a format string for its ``r`` and ``s``) in cell style 1: ``fonts``' second
    font on ``fills``' second fill (or none); the reader's value."""
    styles_xml = (f'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  f'<fonts><font><sz val="11"/></font>{fonts}</fonts>'
                  f'<fills><fill><patternFill patternType="none"/></fill>{fills}</fills>'
                  '<cellXfs><xf numFmtId="0" fontId="0" fillId="0"/><xf numFmtId="0" fontId="1" fillId="1"/></cellXfs>'
                  f"{extra}</styleSheet>")
    return measures(parts(table_rows(cell.format(f'r="{MEASURES}" s="1"')), styles_xml=styles_xml))


SOLID_YELLOW = '<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/><bgColor indexed="64"/></patternFill></fill>'
TEXT_CELL = '<c {} t="inlineStr"><is><t>Implemented</t></is></c>'
UNSEEN_FONTS = {
    "white text": ('<font><color rgb="FFFFFFFF"/></font>', None, TEXT_CELL, "its font is coloured #FFFFFF, the colour of its background (#FFFFFF)"),
    "white number": ('<font><color rgb="FFFFFFFF"/></font>', None, "<c {}><v>5</v></c>", "its font is coloured #FFFFFF"),
    "the theme's background colour": ('<font><color theme="0"/></font>', None, TEXT_CELL, "its font is coloured #FFFFFF"),
    "black lightened to near white": ('<font><color theme="1" tint="0.95"/></font>', None, TEXT_CELL, "is coloured #F2F2F2, the colour"),
    "nearly the background's colour": ('<font><color rgb="FFF8F8F8"/></font>', None, TEXT_CELL, "is coloured #F8F8F8"),
    "the fill's colour": ('<font><color indexed="13"/></font>', SOLID_YELLOW, TEXT_CELL, "is coloured #FFFF00, the colour of its background (#FFFF00)"),
    "automatic on black": ("<font/>", SOLID_YELLOW.replace("FFFFFF00", "FF000000"), TEXT_CELL, "is coloured #000000"),
    "a font of 1 pt": ('<font><sz val="1"/></font>', None, TEXT_CELL, "its font is 1 pt, too small to read"),
}


@pytest.mark.parametrize("case", UNSEEN_FONTS)
def test_text_in_a_font_no_one_can_see_is_refused_naming_the_cell(case):
    font, fill, cell, message = UNSEEN_FONTS[case]
    with pytest.raises(FileRefused, match="cell E2: holds ") as refused:
        _styled(cell, font, fill or '<fill><patternFill patternType="none"/></fill>')
    assert message in str(refused.value) and "so it cannot be seen" in str(refused.value)
    assert "Set the cell's font colour to Automatic" in str(refused.value)


SEEN_FONTS = {
    "white on a dark fill, as the form's header": ('<font><color rgb="FFFFFFFF"/></font>',
                                                   SOLID_YELLOW.replace("FFFFFF00", "FF1F4E79")),
    "yellow on white": ('<font><color rgb="FFFFFF00"/></font>', None),
    "light grey on white": ('<font><color rgb="FFBFBFBF"/></font>', None),
    "the theme's text colour": ('<font><color theme="1"/></font>', None),
    "small but readable": ('<font><sz val="6"/></font>', None),
    "automatic on yellow": ("<font/>", SOLID_YELLOW),
    "a pattern, not a solid fill": ('<font><color rgb="FFFFFF00"/></font>', SOLID_YELLOW.replace("solid", "gray125")),
}


@pytest.mark.parametrize("case", SEEN_FONTS)
def test_text_in_a_font_that_shows_is_read(case):
    font, fill = SEEN_FONTS[case]
    assert _styled(TEXT_CELL, font, fill or '<fill><patternFill patternType="none"/></fill>') == "Implemented"


def test_the_files_own_palette_gives_indexed_colours():
    palette = "<colors><indexedColors>" + '<rgbColor rgb="FF000000"/>' * 8 + '<rgbColor rgb="FFFFFFFF"/>' * 60 + "</indexedColors></colors>"
    with pytest.raises(FileRefused, match="cell E2: holds 'Implemented', but its font is coloured #FFFFFF"):
        _styled(TEXT_CELL, '<font><color indexed="10"/></font>', extra=palette)
    assert _styled(TEXT_CELL, '<font><color indexed="10"/></font>') == "Implemented"  # Excel's 10 is red


def test_the_themes_own_colours_are_read_from_its_part():
    members = parts(table_rows(TEXT_CELL.format(f'r="{MEASURES}" s="1"')), styles_xml=(
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts><font/>'
        '<font><color theme="4"/></font></fonts><fills><fill/></fills><cellXfs><xf/><xf fontId="1"/></cellXfs></styleSheet>'))
    drawing = "http://schemas.openxmlformats.org/drawingml/2006/main"
    members["xl/theme/theme1.xml"] = (
        f'<a:theme xmlns:a="{drawing}"><a:themeElements><a:clrScheme name="x">'
        '<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1><a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>'
        '<a:dk2><a:srgbClr val="1F497D"/></a:dk2><a:lt2><a:srgbClr val="EEECE1"/></a:lt2>'
        '<a:accent1><a:srgbClr val="FEFEFE"/></a:accent1><a:accent2><a:srgbClr val="C0504D"/></a:accent2>'
        '</a:clrScheme></a:themeElements></a:theme>').encode()
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" '
        b'Target="theme/theme1.xml"/></Relationships>'))
    with pytest.raises(FileRefused, match="its font is coloured #FEFEFE"):
        read(members)


RICH = '<c {} t="inlineStr"><is><r><t>Not started</t></r><r><rPr>{}</rPr><t> Implemented</t></r></is></c>'


@pytest.mark.parametrize("run_font", ['<color rgb="FFFFFFFF"/>', '<sz val="1"/>'])
def test_part_of_a_text_in_a_font_no_one_can_see_is_refused_naming_that_part(run_font):
    with pytest.raises(FileRefused, match="cell E2: holds 'Not started Implemented', but part of its text "
                                          r"\('Implemented'\) has a font that"):
        _styled(RICH.replace("{}", "{}", 1).format('r="E2" s="1"', run_font), "<font/>")


def test_a_shared_text_with_a_run_no_one_can_see_is_refused_where_it_is_imported():
    shared = '<si><r><t>Not started</t></r><r><rPr><color rgb="FFFFFFFF"/></rPr><t> Implemented</t></r></si>'
    members = parts(table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'), shared_strings=shared)
    with pytest.raises(FileRefused, match=r"cell E2: holds 'Not started Implemented', but part of its text \('Implemented'\)"):
        read(members)
    bold = shared.replace('<color rgb="FFFFFFFF"/>', "<b/>")
    assert measures(parts(table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'), shared_strings=bold)) == "Not started Implemented"


def test_a_value_no_one_can_see_outside_the_imported_columns_is_left_alone():
    styled = parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>shown</t></is></c>'
                              '<c r="F2" s="1" t="inlineStr"><is><t>a note in white</t></is></c>'), styles_xml=(
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts><font/>'
        '<font><color rgb="FFFFFFFF"/></font></fonts><cellXfs><xf/><xf fontId="1"/></cellXfs></styleSheet>'))
    assert measures(styled) == "shown"


X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"


def _excel_2010_extensions(rules: int = 1, seed: int = 0) -> str:
    """The ``<extLst>`` Excel 2010 and later write after a sheet's data: a drop-down's list on
    another sheet (x14 data validation), data bars over the table (x14 conditional formats, as
    many as ``rules``, each with an id of its own) with the font colour of a differential format."""
    ids = random.Random(seed)
    bars = "".join(
        f'<x14:conditionalFormatting xmlns:xm="{XM}"><x14:cfRule type="dataBar" id="{{{ids.getrandbits(128):032X}}}">'
        '<x14:dataBar minLength="0" maxLength="100"><x14:cfvo type="autoMin"/><x14:cfvo type="autoMax"/>'
        '<x14:negativeFillColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/></x14:dataBar>'
        '<x14:dxf><font><color rgb="FFFFFFFF"/><sz val="1"/></font><numFmt numFmtId="14" formatCode="0.00%"/></x14:dxf>'
        f"</x14:cfRule><xm:sqref>C{2 + n % 1000}:E{2 + n % 1000}</xm:sqref></x14:conditionalFormatting>" for n in range(rules))
    return (f'<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}">'
            f'<x14:dataValidations count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" allowBlank="1">'
            "<x14:formula1><xm:f>Lists!$A$1:$A$6</xm:f></x14:formula1><xm:sqref>D2:E100</xm:sqref>"
            "</x14:dataValidation></x14:dataValidations></ext>"
            f'<ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}" xmlns:x14="{X14}"><x14:conditionalFormattings>'
            f"{bars}</x14:conditionalFormattings></ext></extLst>")


#: Enough data bars that the sheet's part is streamed, not parsed whole (``WHOLE_PART_BYTES``).
STREAMED_RULES = 13_000


@pytest.mark.parametrize("rules", [1, STREAMED_RULES], ids=["parsed whole", "streamed"])
def test_excel_2010_extensions_neither_stop_the_reader_nor_change_a_value(rules):
    members = parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>as typed</t></is></c>'
                               '<c r="F2"><v>42062</v></c>'), sheet_extra=_excel_2010_extensions(rules))
    assert (len(members["xl/worksheets/sheet1.xml"]) > reader_package.WHOLE_PART_BYTES) == (rules == STREAMED_RULES)
    row = read(members).sheet.rows[0]
    assert row.cells["Measures undertaken"][0] == "as typed" and row.cells["Status"][0] == "Implemented"


def test_a_row_inside_an_extension_list_of_a_streamed_sheet_is_refused():
    extensions = _excel_2010_extensions(STREAMED_RULES).replace(
        "</extLst>", '<ext uri="{x}"><row r="3"><c r="A3" t="inlineStr"><is><t>JPN</t></is></c></row></ext></extLst>')
    members = parts(table_rows(""), sheet_extra=extensions)
    assert len(members["xl/worksheets/sheet1.xml"]) > reader_package.WHOLE_PART_BYTES
    with pytest.raises(FileRefused, match="part xl/worksheets/sheet1.xml holds a <row> inside <extLst>"):
        read(members)


@pytest.mark.parametrize("defaults", ['defaultColWidth="0"', 'baseColWidth="0"', 'defaultColWidth="0.3" baseColWidth="8"'])
def test_columns_too_narrow_by_the_sheets_default_are_refused_where_imported(defaults):
    members = parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>tiny</t></is></c>'))
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", f'<sheetFormatPr defaultRowHeight="15" {defaults}/><cols><col min="1" max="4" width="12" '
                        'customWidth="1"/></cols><sheetData>'.encode())
    with pytest.raises(FileRefused, match="cell E1: holds 'Measures undertaken', but column E is hidden") as refused:
        read(members)
    assert "cell E2: holds 'tiny', but column E is hidden" in str(refused.value)
    members["xl/worksheets/sheet1.xml"] = members["xl/worksheets/sheet1.xml"].replace(b'max="4"', b'max="5"')
    assert measures(members) == "tiny"


def test_a_cell_without_a_style_takes_the_first_and_its_font():
    members = parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>Implemented</t></is></c>'), styles_xml=(
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts><font><color rgb="FFFFFFFF"/>'
        '</font><font/></fonts><cellXfs><xf fontId="0"/><xf fontId="1"/></cellXfs></styleSheet>'))
    with pytest.raises(FileRefused, match="cell A1: holds 'Economy code', but its font is coloured #FFFFFF") as refused:
        read(members)
    assert "cell E2: holds 'Implemented', but its font is coloured #FFFFFF" in str(refused.value)


def test_a_colour_element_without_a_value_is_no_colour_not_white():
    from tracker.workbook.reader_styles import _argb

    assert _argb("") is None and _argb("  ") is None, "a theme colour without lastClr is not white"
    assert _argb("FF000000") == (0, 0, 0) and _argb("FFFFFF") == (255, 255, 255)
