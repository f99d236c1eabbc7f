"""Helpers that fill in forms the way focal points do, and snapshot the database."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import text

from tracker.workbook.layout import FORM_SHEET, HEADER_ROW

TABLES = ("entry", "change", "economy_return", "file_import", "economy", "item", "form")


def fill(path: Path, answers: dict[str, dict[str, object]], contact: dict[str, object] | None = None,
         out: Path | None = None, drop_validation: bool = False, reverse_rows: bool = False) -> Path:
    """Type ``answers`` ({ref: {column title: value}}) into a form and save it with openpyxl.

    ``drop_validation`` removes the drop-down, as pasting values over it does; ``reverse_rows``
    reorders the item rows.
    """
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    titles = {cell.value: cell.column for cell in ws[HEADER_ROW]}
    rows = {ws.cell(row=r, column=1).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    for ref, values in answers.items():
        for title, value in values.items():
            ws.cell(row=rows[ref], column=titles[title]).value = value
    for caption, value in (contact or {}).items():
        for r in range(1, HEADER_ROW):
            if ws.cell(row=r, column=1).value == caption:
                ws.cell(row=r, column=2).value = value
    if drop_validation:
        ws.data_validations.dataValidation = []
    if reverse_rows:
        first, last = HEADER_ROW + 1, ws.max_row
        contents = [[c.value for c in ws[r]] for r in range(first, last + 1)]
        for offset, values in enumerate(reversed(contents)):
            for column, value in enumerate(values, start=1):
                ws.cell(row=first + offset, column=column).value = value
    target = out or path
    wb.save(target)
    return target


def rewrite_member(path: Path, member: str, change, out: Path | None = None) -> Path:
    """Rewrite one part of a workbook's zip with ``change(text) -> text``."""
    out = out or path
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    parts[member] = change(parts[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out


def form_sheet_member(path: Path) -> str:
    """The zip member that holds the Form sheet (openpyxl numbers sheets in workbook order)."""
    wb = load_workbook(path, read_only=True)
    index = wb.sheetnames.index(FORM_SHEET) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def snapshot(store) -> dict:
    """Every row of the tables an import could touch."""
    with store.engine.connect() as connection:
        return {
            table: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
            for table in TABLES
        }
