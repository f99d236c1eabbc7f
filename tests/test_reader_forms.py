"""Forms as a person (or a forger) could alter them: what the sheet shows must be what is stored,
or the form is refused naming the cells, the database unchanged."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Color, Font, PatternFill

from formtools import fill, form_sheet_member, rewrite_member, snapshot
from handmade import MEASURES, parts, table_rows, zipped
from tracker.workbook.layout import FORM_SHEET


@pytest.fixture
def forms(tracker, tmp_path):
    """JPN's and KOR's 2008 forms, JPN's answered."""
    tracker("form", "--year", "2008", "--economy", "JPN", "--economy", "KOR", "--out", str(tmp_path))
    fill(tmp_path / "JPN-2008.xlsx", {"LC02-1": {"Status": "Implemented"}}, contact={"Contact name": "Sato"})
    return tmp_path


def _refused(tracker, store, path, *expected):
    before = snapshot(store)
    output = tracker("import", str(path), expect=1).output
    for text in expected:
        assert text in output, output
    assert snapshot(store) == before


def test_a_form_showing_one_economy_and_signed_for_another_is_refused_naming_both(tracker, store, forms):
    japan = forms / "JPN-2008.xlsx"
    korea_identification = zipfile.ZipFile(forms / "KOR-2008.xlsx").read("docProps/custom.xml").decode()
    rewrite_member(japan, "docProps/custom.xml", lambda _: korea_identification)
    _refused(tracker, store, japan, "cell B2 shows Economy 'Japan (JPN)', but the form's signed identification is for KOR 2008")


def test_a_form_showing_another_year_is_refused_naming_both(tracker, store, forms):
    japan = forms / "JPN-2008.xlsx"
    rewrite_member(japan, form_sheet_member(japan), lambda x: re.sub(r"<t>2008</t>", "<t>2009</t>", x, count=1))
    _refused(tracker, store, japan, "cell B3 shows Year '2009', but the form's signed identification is for JPN 2008")


def test_a_contact_caption_given_twice_is_refused_naming_both_cells(tracker, store, forms):
    japan = forms / "JPN-2008.xlsx"
    rewrite_member(japan, form_sheet_member(japan), lambda x: re.sub(r"<t>Contact title</t>", "<t>Contact name</t>", x, count=1))
    _refused(tracker, store, japan, "cells A5 and A6: the caption 'Contact name' is given twice")


def test_an_unaltered_form_shows_what_it_is_signed_for(tracker, forms):
    assert "applied" in tracker("import", str(forms / "JPN-2008.xlsx")).output


def test_text_typed_as_n_a_is_stored_and_the_error_value_refused(tracker, store, tmp_path):
    text = tmp_path / "text.xlsx"
    text.write_bytes(zipped(parts(table_rows(f'<c r="{MEASURES}" t="inlineStr"><is><t>#N/A</t></is></c>'))))
    tracker("import", str(text))
    shown = json.loads(tracker("show", "JPN", "--year", "2008", "--json").output)
    assert {row["ref"]: row["measures"] for row in shown}["LC02-1"] == "#N/A"
    error = tmp_path / "error.xlsx"
    error.write_bytes(zipped(parts(table_rows(f'<c r="{MEASURES}" t="e"><f>NA()</f><v>#N/A</v></c>'))))
    _refused(tracker, store, error, "cell E2 (Measures undertaken): holds the spreadsheet error #N/A")


def test_answers_on_a_copied_form_sheet_are_refused_naming_it(tracker, store, forms):
    japan = forms / "JPN-2008.xlsx"
    workbook = load_workbook(japan)
    copy = workbook.copy_worksheet(workbook[FORM_SHEET])
    copy.title = "Form (2)"
    workbook.save(japan)
    _refused(tracker, store, japan, "sheet Form (2) has the columns of sheet Form and holds answers, but only sheet Form is imported")


@pytest.mark.parametrize("font", [Font(color="FFFFFF"), Font(color=Color(theme=0)), Font(size=1)],
                         ids=["white", "the theme's background", "1 pt"])
def test_an_answer_typed_in_a_font_no_one_can_see_is_refused_naming_the_cell(tracker, store, forms, font):
    japan = forms / "JPN-2008.xlsx"
    workbook = load_workbook(japan)
    cell = workbook[FORM_SHEET]["G12"]  # LC02-1's Measures undertaken, on the form's white input fill
    cell.value, cell.font, cell.fill = "Act passed in secret", font, PatternFill()
    workbook.save(japan)
    _refused(tracker, store, japan, "sheet Form, cell G12: holds 'Act passed in secret', but its font ",
             "so it cannot be seen. Set the cell's font colour to Automatic")


def test_the_hidden_identification_sheet_is_read_whatever_its_font(tracker, store, forms):
    japan = forms / "JPN-2008.xlsx"
    workbook = load_workbook(japan)
    for row in workbook["Identification"].iter_rows():
        for cell in row:
            cell.font = Font(color="FFFFFF")
    for name in [prop.name for prop in workbook.custom_doc_props.props]:  # lost: the sheet identifies the form
        del workbook.custom_doc_props[name]
    workbook.save(japan)
    assert "applied" in tracker("import", str(japan)).output
