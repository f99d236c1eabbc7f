"""Cases from real writers' workbooks and from forms a person (or a forger) could alter, each
written by hand as the XML it is about, read as Excel shows it or refused naming the cell."""

from __future__ import annotations

from datetime import datetime

import pytest

from handmade import MEASURES, measures, parts, read, styles, table_rows
from tracker.workbook.reader import FileRefused


def test_conditional_formats_number_formats_do_not_turn_a_date_into_a_number():
    dated = parts(table_rows(f'<c r="{MEASURES}" s="1"><v>42062</v></c>'), styles_xml=styles(
        cell_formats='<xf numFmtId="0"/><xf numFmtId="14"/>',
        dxfs='<dxf><numFmt numFmtId="14" formatCode="0.00%"/></dxf>'))
    assert measures(dated) == datetime(2015, 2, 27)


def test_a_shared_string_is_its_text_then_every_run_in_order_without_phonetic_guides():
    text = parts(table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'), shared_strings=(
        '<si><t>tval</t><r><t>rval1</t></r><r><rPr><b/></rPr><t>rval2</t></r>'
        '<rPh sb="0" eb="1"><t>カケ</t></rPh><phoneticPr fontId="1"/></si>'))
    assert measures(text) == "tvalrval1rval2"


def test_an_inline_string_of_runs_is_read_whole_without_phonetic_guides():
    cell = f'<c r="{MEASURES}" t="inlineStr"><is><r><t>掛</t></r><r><t>け</t></r><rPh sb="0" eb="1"><t>カ</t></rPh></is></c>'
    assert measures(parts(table_rows(cell))) == "掛け"


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
