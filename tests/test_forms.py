"""The forms the tool writes: layout, prefill, drop-down, protection, identification."""

import pytest
from openpyxl import load_workbook

from tracker import forms
from tracker.errors import Refused

from tracker.workbook.layout import COLUMNS, FORM_SHEET, HEADER_ROW, ID_SHEET, LISTS_SHEET, STATUS_LIST_NAME
from tracker.progress import CLEAR_MARKER
from tracker.status import LABELS


def test_form_layout(tracker, tmp_path):
    tracker("record", "PER", "LC02-1", "--year", "2006", "--status", "partial", "--measures", "=SUM(A1) typed by hand")
    tracker("record", "PER", "LC02-2", "--year", "2007", "--status", "planned", "--planned", "Unit in 2009")
    tracker("record", "PER", "LC02-2", "--year", "2008", "--status", "in progress")
    tracker("contact", "PER", "--year", "2008", "--name", "Ana Quispe", "--email", "ana@example.gob.pe")
    output = tracker("form", "--year", "2008", "--economy", "per", "--out", str(tmp_path),
                     "--due", "2009-03-31", "--return-to", "spsg@example.org").output
    assert "Wrote 1 form" in output
    wb = load_workbook(tmp_path / "PER-2008.xlsx")
    assert wb.sheetnames == ["Instructions", FORM_SHEET, LISTS_SHEET, ID_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden" and wb[ID_SHEET].sheet_state == "veryHidden"
    instructions = "\n".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert "31 March 2009" in instructions and "spsg@example.org" in instructions
    assert all(lab in instructions for lab in LABELS.values())

    ws = wb[FORM_SHEET]
    assert [c.value for c in ws[HEADER_ROW]] == [title for title, _, _ in COLUMNS]
    assert ws["B2"].value == "Peru (PER)" and ws["B3"].value == "2008"
    assert ws["B5"].value == "Ana Quispe" and ws["B7"].value == "ana@example.gob.pe"
    rows = {ws.cell(row=r, column=1).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    assert len(rows) == 26
    column = {title: i for i, (title, _, _) in enumerate(COLUMNS, start=1)}
    laws = rows["LC02-1"]
    assert ws.cell(row=laws, column=column["Deadline"]).value == "2003-10-31"
    assert ws.cell(row=laws, column=column["Last reported status"]).value == "Partially implemented (2006; carried forward)"
    assert ws.cell(row=laws, column=column["Status"]).value == "Partially implemented"
    measures = ws.cell(row=laws, column=column["Measures undertaken"])
    assert measures.value == "=SUM(A1) typed by hand" and measures.data_type == "s" and measures.quotePrefix
    unit = rows["LC02-2"]
    assert ws.cell(row=unit, column=column["Status"]).value == "In progress"
    assert ws.cell(row=unit, column=column["Last reported status"]).value == "In progress (2008; changed from Planned in 2007)"
    assert ws.cell(row=unit, column=column["Further measures planned"]).value is None
    assert ws.cell(row=rows["T7-1"], column=column["Last reported status"]).value == "New in 2008"

    assert ws.protection.sheet is True
    assert ws.cell(row=laws, column=column["Status"]).protection.locked is False
    assert ws.cell(row=laws, column=column["Commitment"]).protection.locked is True
    assert ws["B5"].protection.locked is False
    assert ws.freeze_panes == f"B{HEADER_ROW + 1}"
    (validation,) = ws.data_validations.dataValidation
    assert validation.formula1 == STATUS_LIST_NAME, "stored as Excel stores it, without '='"
    assert str(validation.sqref) == f"F{HEADER_ROW + 1}:F{HEADER_ROW + 26}"
    assert wb.defined_names[STATUS_LIST_NAME].attr_text == f"{LISTS_SHEET}!$A$1:$A$7"
    assert [c.value for c in wb[LISTS_SHEET]["A"]] == [*LABELS.values(), CLEAR_MARKER]

    properties = {p.name: p.value for p in wb.custom_doc_props}
    assert properties["tracker_economy"] == "PER" and properties["tracker_year"] == "2008"
    assert len(properties["tracker_signature"]) == 64
    hidden = {r[0]: r[1] for r in wb[ID_SHEET].iter_rows(values_only=True)}
    assert hidden["signature"] == properties["tracker_signature"]


def test_forms_for_all_active_economies_by_default(tracker, tmp_path):
    output = tracker("form", "--year", "2005", "--out", str(tmp_path)).output
    assert "Wrote 21 forms" in output
    assert len(list(tmp_path.glob("*-2005.xlsx"))) == 21


def test_form_errors(tracker, tmp_path):
    assert "Unknown economy" in tracker("form", "--year", "2008", "--economy", "ZZZ", "--out", str(tmp_path), expect=1).output
    assert ("No checklist item applies in 1995, so there is nothing to ask for. The catalogue starts in 2002."
            in tracker("form", "--year", "1995", "--out", str(tmp_path), expect=1).output)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert "Cannot write" in tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(blocker / "x"), expect=1).output


def test_form_prefills_the_latest_contact_point(tracker, tmp_path):
    """Last year's focal point is usually this year's: a form without a contact for its year
    shows the latest earlier one, and the year's own contact point once there is one."""
    tracker("contact", "JPN", "--year", "2006", "--name", "Hanako Sato", "--email", "h.sato@example.go.jp")

    def contact_cells(year: int) -> dict:
        tracker("form", "--year", str(year), "--economy", "JPN", "--out", str(tmp_path / str(year)))
        ws = load_workbook(tmp_path / str(year) / f"JPN-{year}.xlsx")[FORM_SHEET]
        return {row[0]: row[1] for row in ws.iter_rows(max_row=HEADER_ROW - 1, values_only=True) if row[0]}

    assert contact_cells(2007)["Contact name"] == "Hanako Sato"
    assert contact_cells(2007)["Contact e-mail"] == "h.sato@example.go.jp"
    tracker("contact", "JPN", "--year", "2008", "--name", "Kenji Ito")
    assert contact_cells(2008)["Contact name"] == "Kenji Ito"
    assert contact_cells(2005)["Contact name"] is None, "a later year's contact is not shown for an earlier year"


MARKUP = "<r><t>x</t></r></si><si><t>injected</t></si><si><r><t>y</t></r>"


def test_text_shaped_like_rich_string_markup_stays_text(tracker, tmp_path):
    """A narrative shaped like XlsxWriter's rich-string markup is prefilled as that text, the cells
    after it keep their own, and importing the form back changes nothing."""
    tracker("record", "AUS", "LC02-1", "--year", "2008", "--status", "planned", "--measures", MARKUP)
    tracker("form", "--year", "2008", "--economy", "AUS", "--out", str(tmp_path))
    ws = load_workbook(tmp_path / "AUS-2008.xlsx")[FORM_SHEET]
    column = {title: i for i, (title, _, _) in enumerate(COLUMNS, start=1)}
    refs = [ws.cell(row=r, column=1).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    assert "injected" not in refs and len(set(refs)) == len(refs) == 26
    laws = HEADER_ROW + 1 + refs.index("LC02-1")
    assert ws.cell(row=laws, column=column["Measures undertaken"]).value == MARKUP
    assert "0 new, 0 changed, 26 unchanged" in tracker("import", str(tmp_path / "AUS-2008.xlsx"), "--dry-run").output


def test_an_address_to_return_to_with_unseen_characters_is_refused_by_the_library_for_every_door(
        store, tracker, tmp_path):
    hidden, out = "spsg\u202e@example.org", tmp_path / "forms"
    with pytest.raises(Refused, match="The address to return the forms to contains a bidirectional formatting"):
        store.run(forms.write_forms, 2009, ["PER"], out, forms.FormRequest(return_to=hidden))
    output = tracker("form", "--year", "2009", "--out", str(out), "--return-to", hidden, expect=1).output
    assert "The address to return the forms to contains a bidirectional formatting character" in output
    assert not out.exists() and tracker("round", "list").output.startswith("No rounds yet")


@pytest.mark.parametrize("catalogue", ["apec-cyber-2002-2008.catalogue", "apec-cyber-2002-2011.catalogue"])
def test_every_instrument_name_fits_the_form_word_by_word(catalogue):
    """The Instrument column was 12 wide: LibreOffice printed "Communications" (7.45 em) as
    "Communicatio" / "ns". Every word of every instrument's name in the built-in catalogues fits
    a line of the column (a hyphenated word may break after its hyphen, as Excel and LibreOffice
    break it), by the typesetting module's measure, a little on the safe side of LibreOffice's."""
    import re
    from pathlib import Path

    from tracker import templates
    from tracker.catalogue import parse_catalogue
    from tracker.workbook.typesetting import wrapped

    path = Path(templates.__file__).parent / catalogue
    parsed = parse_catalogue(path.read_text(encoding="utf-8"), path.name)
    width = dict((title, width) for title, _, width in COLUMNS)["Instrument"]
    names = [instrument["title"] for instrument in parsed.instruments]
    assert any("Communications" in name for name in names)
    for name in names:
        for word in name.split():
            for part in re.findall(r"[^-]+-?", word):
                assert wrapped(part, width) == [part], f"{part!r} of {name!r} is broken in a column {width} wide"
