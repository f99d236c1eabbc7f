"""Forms: the workbook each economy fills in for a year.

A form is prefilled with the economy's latest answers, so a focal point only changes what
changed. It carries a hidden identification (custom document properties and a hidden sheet,
both of which survive a save in Excel or LibreOffice) signed with a key kept in the database,
so that an import knows which economy and year a form was issued for and refuses a forgery.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import rounds
from tracker.catalogue import catalogue_version, items_for, wordings_for
from tracker.economies import resolve_economy
from tracker.errors import Refused
from tracker.models import Economy, Form, Return, Setting, utcnow
from tracker.progress import check_year, latest_entries
from tracker.status import LABELS, SCALE, label
from tracker.workbooks import WRAP, set_text, style_header

FORM_SHEET = "Form"
ID_SHEET = "Identification"
LISTS_SHEET = "Lists"
STATUS_LIST_NAME = "StatusLabels"
HEADER_ROW = 10
#: The Form sheet's columns: (title, entry field or None for read-only columns, width).
COLUMNS = [
    ("Ref", None, 9),
    ("Instrument", None, 24),
    ("Commitment", None, 50),
    ("Deadline", None, 11),
    ("Last reported status", None, 18),
    ("Status", "status", 20),
    ("Measures undertaken", "measures", 40),
    ("Further measures planned", "planned", 36),
    ("Timeframe", "timeframe", 14),
    ("Capacity-building needs", "needs", 30),
    ("Evidence", "evidence", 30),
]
#: The labels of the contact-point cells above the header, in column A; the value goes in column B.
CONTACT_LABELS = {
    "name": "Contact name",
    "title": "Contact title",
    "email": "Contact e-mail",
    "phone": "Contact phone",
}
ID_FIELDS = ("form_id", "economy", "year", "catalogue_version", "issued_at")
PROPERTY_PREFIX = "tracker_"
UNLOCKED = Protection(locked=False)
INPUT_FILL_COLOR = "FFF2CC"


def signing_key(session: Session) -> bytes:
    """The key that signs forms, made on first use and kept in the database."""
    setting = session.get(Setting, "form_key")
    if setting is None:
        setting = Setting(key="form_key", value=secrets.token_hex(32))
        session.add(setting)
        session.flush()
    return bytes.fromhex(setting.value)


def signature(key: bytes, identification: dict[str, str]) -> str:
    message = "\n".join(f"{name}={identification[name]}" for name in ID_FIELDS)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class FormRequest:
    """What the instructions tell the focal point about returning the form."""

    due: date | None = None
    return_to: str | None = None


def _instructions(wb: Workbook, economy: Economy, year: int, request: FormRequest, version: str) -> None:
    ws = wb.active
    ws.title = "Instructions"
    due = request.due.strftime("%d %B %Y") if request.due else "the date given in the covering message"
    send_to = request.return_to or "the secretariat that sent it to you"
    lines = [
        (f"Progress form: {economy.name}, {year}", True),
        ("", False),
        ("What to do", True),
        (f"1. Go to the sheet '{FORM_SHEET}'. Fill in the contact point at the top.", False),
        ("2. For every commitment, choose a Status from the drop-down list and describe, in plain "
         "words, the measures undertaken this year, further measures planned and their timeframe, "
         "any capacity-building needs (or offers), and evidence such as the name of a law or a web "
         "address.", False),
        ("3. The form is prefilled with your latest answers; change only what has changed. "
         "A cell left blank keeps the answer already on record; to change an answer, type the new one.", False),
        ("4. Do not add, delete, rename or reorder sheets, and do not change the Ref column: it is how "
         "the secretariat matches your answers.", False),
        (f"5. Save the workbook as .xlsx (not .xls, not with a password) and send it to {send_to} "
         f"by {due}.", False),
        ("", False),
        ("The status scale", True),
        *[(f"{lab}: {meaning}", False) for lab, meaning in SCALE.values()],
        ("", False),
        (f"Catalogue: {version}. Cells you can type in are shaded yellow.", False),
    ]
    for row, (text, bold) in enumerate(lines, start=1):
        cell = set_text(ws.cell(row=row, column=1), text)
        cell.alignment = WRAP
        if bold:
            cell.font = Font(bold=True, size=14 if row == 1 else 11)
    ws.column_dimensions["A"].width = 110


def _status_list(wb: Workbook) -> None:
    ws = wb.create_sheet(LISTS_SHEET)
    for row, text in enumerate(LABELS.values(), start=1):
        set_text(ws.cell(row=row, column=1), text)
    ws.sheet_state = "hidden"
    wb.defined_names[STATUS_LIST_NAME] = DefinedName(
        STATUS_LIST_NAME, attr_text=f"{LISTS_SHEET}!$A$1:$A${len(LABELS)}"
    )


def _identification(wb: Workbook, identification: dict[str, str]) -> None:
    ws = wb.create_sheet(ID_SHEET)
    for row, (name, value) in enumerate(identification.items(), start=1):
        set_text(ws.cell(row=row, column=1), name)
        set_text(ws.cell(row=row, column=2), value)
        wb.custom_doc_props.append(StringProperty(name=PROPERTY_PREFIX + name, value=value))
    ws.sheet_state = "veryHidden"


def _form_sheet(wb, economy, year, items, latest, contact, texts) -> None:
    ws = wb.create_sheet(FORM_SHEET, 1)
    fill = PatternFill("solid", fgColor=INPUT_FILL_COLOR)
    set_text(ws["A1"], "Commitment progress form").font = Font(bold=True, size=14)
    for row, (caption, value) in enumerate([("Economy", f"{economy.name} ({economy.code})"), ("Year", str(year))], start=2):
        set_text(ws.cell(row=row, column=1), caption).font = Font(bold=True)
        set_text(ws.cell(row=row, column=2), value)
    for row, (name, caption) in enumerate(CONTACT_LABELS.items(), start=5):
        set_text(ws.cell(row=row, column=1), caption).font = Font(bold=True)
        cell = set_text(ws.cell(row=row, column=2), getattr(contact, name) if contact else None)
        cell.protection, cell.fill = UNLOCKED, fill

    for column, (title, _, width) in enumerate(COLUMNS, start=1):
        set_text(ws.cell(row=HEADER_ROW, column=column), title)
        ws.column_dimensions[ws.cell(row=HEADER_ROW, column=column).column_letter].width = width
    style_header(ws[HEADER_ROW])

    status_column = next(i for i, (_, f, _) in enumerate(COLUMNS, start=1) if f == "status")
    for row, item in enumerate(items, start=HEADER_ROW + 1):
        entry = latest.get(item.id)
        last = f"{label(entry.status)} ({entry.year})" if entry and entry.status else "Not reported"
        fixed = [item.ref, item.instrument.title, texts[item.id],
                 item.deadline.isoformat() if item.deadline else "", last]
        for column, value in enumerate(fixed, start=1):
            set_text(ws.cell(row=row, column=column), value).alignment = WRAP
        for column, (_, field, _) in enumerate(COLUMNS[len(fixed):], start=len(fixed) + 1):
            value = getattr(entry, field) if entry else None
            cell = set_text(ws.cell(row=row, column=column), label(value) if field == "status" else value)
            cell.alignment, cell.protection, cell.fill = WRAP, UNLOCKED, fill

    last_row = HEADER_ROW + max(len(items), 1)
    letter = ws.cell(row=HEADER_ROW, column=status_column).column_letter
    validation = DataValidation(
        type="list", formula1=f"={STATUS_LIST_NAME}", allow_blank=True, showErrorMessage=True,
        errorTitle="Status", error="Choose a status from the list.",
    )
    validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{last_row}")
    ws.add_data_validation(validation)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{ws.cell(row=last_row, column=len(COLUMNS)).coordinate}"
    for row in range(HEADER_ROW + 1, last_row + 1):
        ws.row_dimensions[row].height = 60


def write_form(session: Session, economy: Economy, year: int, path: Path, request: FormRequest,
               key: bytes, version: str, items) -> Form:
    """Write one economy's form for ``year`` to ``path`` and record that it was issued."""
    form = Form(id=str(uuid.uuid4()), economy_id=economy.id, year=year,
                catalogue_version=version, issued_at=utcnow())
    session.add(form)
    identification = {
        "form_id": form.id,
        "economy": economy.code,
        "year": str(year),
        "catalogue_version": version,
        "issued_at": form.issued_at.isoformat(),
    }
    identification["signature"] = signature(key, identification)
    contact = session.scalar(select(Return).where(Return.economy_id == economy.id, Return.year == year))
    wb = Workbook()
    _instructions(wb, economy, year, request, version)
    texts = wordings_for(session, year, items)
    _form_sheet(wb, economy, year, items, latest_entries(session, economy, year), contact, texts)
    _status_list(wb)
    _identification(wb, identification)
    wb.properties.title = f"{economy.name} {year} progress form"
    wb.properties.creator = "tracker"
    wb.active = 1
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return form


def write_forms(
    session: Session,
    year: int,
    economy_codes: list[str],
    out_dir: Path,
    request: FormRequest,
    progress: Callable[[Iterable], Iterable] = lambda economies: economies,
) -> list[Path]:
    """Write ``<CODE>-<YEAR>.xlsx`` for each economy named (all active ones when none is)."""
    check_year(year)
    items = items_for(session, year)
    if not items:
        raise Refused(f"No checklist item applies in {year}; there is nothing to ask for.")
    if economy_codes:
        economies = [resolve_economy(session, code) for code in economy_codes]
    else:
        economies = list(session.scalars(select(Economy).where(Economy.active.is_(True)).order_by(Economy.code)))
    rounds.ensure_open(session, year, request.due, "tracker form")
    key, version = signing_key(session), catalogue_version(session)
    paths = []
    for economy in progress(economies):
        path = out_dir / f"{economy.code}-{year}.xlsx"
        try:
            write_form(session, economy, year, path, request, key, version, items)
        except OSError as exc:
            raise Refused(f"Cannot write {path}: {exc.strerror or exc}. Choose another --out folder.") from None
        paths.append(path)
    return paths
