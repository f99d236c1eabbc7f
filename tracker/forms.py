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
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet
from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from tracker import rounds
from tracker.atomic import replacing
from tracker.catalogue import catalogue_version, items_applying
from tracker.checklist import wording_in, wordings_of
from tracker.economies import member_in, resolve_member
from tracker.errors import Refused
from tracker.models import ENTRY_FIELDS, Economy, Entry, Form, Import, Return, Setting, utcnow
from tracker.progress import CLEAR_MARKER, latest_contacts
from tracker.text import check_text, escaped
from tracker.years import check_year
from tracker.status import LABELS, SCALE, label
from tracker.store import database_files
from tracker.workbook.layout import (CATALOGUE_COLUMNS, COLUMNS, CONTACT_LABELS, FORM_SHEET, HEADER_ROW, ID_FIELDS,
                                     ID_SHEET, LISTS_SHEET, PROPERTY_PREFIX, SHOWN_ID_CAPTIONS, STATUS_LIST_NAME)
from tracker.workbook.reader import MAX_FILE_BYTES, FileRefused, read_workbook
from tracker.workbook.typesetting import FONT_NAME, FONT_SIZE, HEADER_COLOUR, RISKY_LEADING, close_workbook, text_lines

INPUT_FILL_COLOR = "#FFF2CC"
LINE_HEIGHT = 12.75  # points per line of 10 pt text
INPUT_LINES = 3  # an empty answer row opens with room for a few lines of typing
INSTRUCTIONS_WIDTH = 95
#: The most lines a commitment's text may take on the form: its column widens (up to
#: ``COMMITMENT_WIDEST``) until the catalogue's longest wording of the year fits in them.
COMMITMENT_LINES = 8
COMMITMENT_WIDEST = 90


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


class _Formats:
    """The formats a form uses, one font family throughout."""

    def __init__(self, wb):
        add = wb.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.heading = add({"bold": True, "font_size": 11})
        self.bold = add({"bold": True, "valign": "top"})
        self.text = add({"text_wrap": True, "valign": "top"})
        self.quoted = add({"text_wrap": True, "valign": "top", "quote_prefix": True})
        self.header = add({"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_COLOUR, "text_wrap": True,
                           "valign": "top", "border": 1, "border_color": "#FFFFFF"})
        base = {"locked": False, "bg_color": INPUT_FILL_COLOR, "border": 1, "border_color": "#7F7F7F",
                "text_wrap": True, "valign": "top"}
        self.input = add(base)
        self.input_quoted = add({**base, "quote_prefix": True})


def _text(ws, row: int, column: int, value, fmt, quoted) -> None:
    """Write ``value`` as text (never a formula); blank cells still get the format.

    XlsxWriter copies a shared string shaped like rich-text markup (``<r>...</r>``) into the
    workbook unescaped, so such a text typed by an economy would break the form (every later
    string shifted, or cells of the attacker's making); it goes in as a rich string of two plain
    runs instead, which every reader gives back as the same text.

    Calls XlsxWriter's per-type writers directly: its public ones only add an "A1" notation
    check, and a form for every economy writes hundreds of thousands of cells."""
    if value is None or value == "":
        ws._write_blank(row, column, None, fmt)
        return
    text = str(value)
    if text.startswith("<r>") and text.endswith("</r>"):
        ws.write_rich_string(row, column, fmt, text[:3], fmt, text[3:], fmt)
        return
    ws._write_string(row, column, text, quoted if text.startswith(RISKY_LEADING) else fmt)


def _page(ws, title: str, landscape: bool) -> None:
    ws.set_paper(9)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.set_margins(left=0.3, right=0.3, top=0.7, bottom=0.6)
    escaped = title.replace("&", "&&")
    ws.set_header(f'&L&"{FONT_NAME},Bold"&10{escaped}')
    ws.set_footer(f'&R&"{FONT_NAME},Regular"&9Page &P of &N')


def _instructions(wb, formats: _Formats, economy: Economy, year: int, request: FormRequest) -> None:
    """The first sheet, and the one the workbook opens on."""
    ws = wb.add_worksheet("Instructions")
    ws.activate()
    _page(ws, f"Progress form: {economy.name} ({economy.code}), {year}", landscape=False)
    ws.fit_to_pages(1, 1)
    ws.set_column(0, 0, INSTRUCTIONS_WIDTH)
    due = request.due.strftime("%d %B %Y") if request.due else "the date given in the covering message"
    send_to = request.return_to or "the secretariat that sent it to you"
    lines = [
        (f"Progress form: {economy.name}, {year}", formats.title),
        ("", None),
        ("What to do", formats.heading),
        (f"1. Go to the sheet '{FORM_SHEET}'. Fill in the contact point at the top.", None),
        ("2. For every commitment, choose a Status from the drop-down list and describe, in plain "
         "words, the measures undertaken this year, further measures planned and their timeframe, "
         "the capacity building your economy needs and what it can offer others, and evidence such as the name of a law or a web "
         "address.", None),
        ("3. The form is prefilled with your latest answers; change only what has changed. "
         "A cell left blank keeps the answer already on record; to change an answer, type the new one; "
         f"to empty it, type {CLEAR_MARKER} in its cell (for the Status, choose {CLEAR_MARKER} at the end of its list). "
         "The column Last reported status says, for each commitment, when its answer was given and "
         f"whether it is carried forward from an earlier year; a commitment added this year says New in {year}.",
         None),
        ("4. Do not add, delete, rename or reorder sheets, and do not change the Ref column: it is how "
         "the secretariat matches your answers.", None),
        (f"5. Save the workbook as .xlsx (not .xls, not with a password) and send it to {send_to} "
         f"by {due}.", None),
        ("", None),
        ("The status scale", formats.heading),
        *[(f"{lab}: {meaning}", None) for lab, meaning in SCALE.values()],
        ("", None),
        ("Cells you can type in are shaded yellow and outlined; a row grows to fit what you type, and prints "
         "whole.", None),
    ]
    for row, (text, fmt) in enumerate(lines):
        if fmt is formats.title:
            ws.set_row(row, 22)
        elif text and fmt is None:
            ws.set_row(row, LINE_HEIGHT * text_lines(text, INSTRUCTIONS_WIDTH) + 3)
        _text(ws, row, 0, text, fmt or formats.text, formats.quoted)


#: What the Status drop-down offers: the scale, then the marker that empties a stored status
#: (the drop-down refuses anything else typed, so the marker must be in it to be usable there).
STATUS_CHOICES = (*LABELS.values(), CLEAR_MARKER)


def _status_list(wb) -> None:
    ws = wb.add_worksheet(LISTS_SHEET)
    for row, text in enumerate(STATUS_CHOICES):
        ws.write_string(row, 0, text)
    ws.hide()
    wb.define_name(STATUS_LIST_NAME, f"={LISTS_SHEET}!$A$1:$A${len(STATUS_CHOICES)}")


def _identification(wb, identification: dict[str, str]) -> None:
    ws = wb.add_worksheet(ID_SHEET)
    for row, (name, value) in enumerate(identification.items()):
        ws.write_string(row, 0, name)
        ws.write_string(row, 1, value)
        wb.set_custom_property(PROPERTY_PREFIX + name, value, "text")
    ws.very_hidden()


def wording_start(starts: Sequence[int], year: int) -> int:
    """The year the wording that applies in ``year`` starts, of a reworded item's ``starts``."""
    return max((start for start in starts if start <= year), default=starts[0])


def last_reported(entry, year: int, previous: tuple[int, str] | None, first_year: int,
                  wording_starts: Sequence[int] = ()) -> str:
    """What the form shows of an item's latest answer (an entry's row: its year and status): its
    status, its year, and whether it is this year's answer (new, changed or unchanged against the
    one before) or carried forward, and then, for an item reworded since (``wording_starts``: the
    years its wordings start), that it answered the earlier wording; for an item that applies
    from this year and has no answer yet, that it is new."""
    if entry is None or not entry.status:
        return f"New in {year}" if first_year == year else "Not reported"
    if entry.year < year:
        then = wording_start(wording_starts, entry.year) if wording_starts else None
        under = f", under the {then} wording" if then is not None and then != wording_start(wording_starts, year) else ""
        return f"{label(entry.status)} ({entry.year}; carried forward{under})"
    if previous is None:
        return f"{label(entry.status)} ({year}; new this year)"
    if previous[1] == entry.status:
        return f"{label(entry.status)} ({year}; unchanged since {previous[0]})"
    return f"{label(entry.status)} ({year}; changed from {label(previous[1])} in {previous[0]})"


def _at_newest(newest, *columns):
    """``columns`` of the entries in the year that ``newest`` (a subquery of economy_id, item_id and
    year) names for each economy and item."""
    return select(*columns).join(newest, and_(Entry.economy_id == newest.c.economy_id,
                                              Entry.item_id == newest.c.item_id, Entry.year == newest.c.year))


def _latest_entries(ids: list[int], year: int):
    """Each item's latest entry up to ``year`` that holds an answer, for the economies ``ids``: the
    database finds its year and sends that one row, not the item's history. An entry emptied
    (withdrawn, or every field cleared) is no answer: the one before it carries forward, as if it
    had never been recorded."""
    holds_an_answer = or_(*(getattr(Entry, field).is_not(None) for field in ENTRY_FIELDS))
    newest = (select(Entry.economy_id, Entry.item_id, func.max(Entry.year).label("year"))
              .where(Entry.economy_id.in_(ids), Entry.year <= year, holds_an_answer)
              .group_by(Entry.economy_id, Entry.item_id).subquery())
    answers = [getattr(Entry, field) for _, field, _ in COLUMNS if field]
    return _at_newest(newest, Entry.economy_id, Entry.item_id, Entry.year, *answers)


def _previous_statuses(ids: list[int], year: int):
    """For each item given a status in ``year``, the latest status before it (what "changed" or
    "unchanged" is said against): none is read for the usual form, of a year not yet answered."""
    answered = aliased(Entry)
    newest = (select(Entry.economy_id, Entry.item_id, func.max(Entry.year).label("year"))
              .join(answered, and_(answered.economy_id == Entry.economy_id, answered.item_id == Entry.item_id,
                                   answered.year == year, answered.status.is_not(None)))
              .where(Entry.economy_id.in_(ids), Entry.year < year, Entry.status.is_not(None))
              .group_by(Entry.economy_id, Entry.item_id).subquery())
    return _at_newest(newest, Entry.economy_id, Entry.item_id, Entry.year, Entry.status)


@dataclass
class Prefill:
    """What the forms of one year show besides the catalogue, read for all their economies at once
    (a fixed number of queries, however many economies and items, and one row per item however
    many years of history are stored). The online return (``online_return``) shows the same."""

    latest: dict[int, dict[int, Row]]  # economy id -> item id -> latest entry up to the year
    earlier: dict[int, dict[int, tuple[int, str]]]  # economy id -> item id -> (year, status) before it
    contacts: dict[int, Return]  # economy id -> its contact point for the year, or the latest earlier one
    widths: list[float]  # the Form sheet's columns
    catalogue: list[tuple[int, list[str], int, int]]  # per item: id, catalogue cells, first year, lines they take
    wording_starts: dict[int, tuple[int, ...]]  # item id -> the years its wordings start, for an item reworded

    @classmethod
    def read(cls, session: Session, economies: list[Economy], year: int, items) -> Prefill:
        ids = [economy.id for economy in economies]
        latest: dict[int, dict[int, Row]] = {}
        for entry in session.execute(_latest_entries(ids, year)):
            latest.setdefault(entry.economy_id, {})[entry.item_id] = entry
        earlier: dict[int, dict[int, tuple[int, str]]] = {}
        for economy_id, item_id, entry_year, status in session.execute(_previous_statuses(ids, year)):
            earlier.setdefault(economy_id, {})[item_id] = (entry_year, status)
        return cls(latest, earlier, latest_contacts(session, year, ids), *_catalogue_cells(session, year, items))


def _widths(texts: list[str]) -> list[float]:
    """The columns' widths: the layout's, the Commitment column widened so that the longest of
    ``texts`` (the year's wordings) takes at most ``COMMITMENT_LINES`` lines."""
    widths = [width for _, _, width in COLUMNS]
    column = [title for title, _, _ in COLUMNS].index("Commitment")
    while widths[column] < COMMITMENT_WIDEST and any(text_lines(t, widths[column]) > COMMITMENT_LINES for t in texts):
        widths[column] += 2
    return widths


def _catalogue_cells(session: Session, year: int, items) -> tuple[list[float], list[tuple[int, list[str], int, int]],
                                                                  dict[int, tuple[int, ...]]]:
    """The columns' widths, and per item, in order: its id, its cells in the columns that come
    from the catalogue (Ref, Instrument, Commitment in the year's wording, Deadline), its first
    year and the lines its cells take, at least ``INPUT_LINES``: the same in every economy's
    form, so worked out once for all of them; and the years the wordings of each item reworded start."""
    wordings = wordings_of(session, items)
    texts = {item_id: wording_in(item_wordings, year) for item_id, item_wordings in wordings.items()}
    widths = _widths(list(texts.values()))
    rows = []
    for item in items:
        cells = [item.ref, item.instrument.title, texts[item.id], item.deadline.isoformat() if item.deadline else ""]
        lines = max(INPUT_LINES, *(text_lines(value, width) for value, width in zip(cells, widths)))
        rows.append((item.id, cells, item.first_year, lines))
    starts = {item_id: tuple(start for start, _ in w) for item_id, w in wordings.items() if len(w) > 1}
    return widths, rows, starts


class _RefittedRows(Worksheet):
    """A sheet whose item rows (numbered above ``HEADER_ROW``) carry a height without fixing it
    (no ``customHeight``). The height written fits the text the row holds, so the form opens and
    prints whole (LibreOffice does not fit a row that has no height); not fixed, it lets Excel
    and LibreOffice refit the row as the focal point types, so a long answer typed later shows
    and prints whole too (a fixed row cuts it). XlsxWriter fixes every height it writes, so its
    row tag is amended here; ``tests/test_form_printing.py`` checks the result."""

    refitted_from = HEADER_ROW

    def _xml_start_tag_unencoded(self, tag, attributes=()) -> None:
        if tag == "row" and attributes and attributes[0][1] > self.refitted_from:
            attributes = [pair for pair in attributes if pair[0] != "customHeight"]
        super()._xml_start_tag_unencoded(tag, attributes)


def _form_sheet(wb, formats: _Formats, economy, year, prefill: Prefill) -> None:
    widths, catalogue, contact = prefill.widths, prefill.catalogue, prefill.contacts.get(economy.id)
    latest, earlier = prefill.latest.get(economy.id, {}), prefill.earlier.get(economy.id, {})
    ws = wb.add_worksheet(FORM_SHEET, worksheet_class=_RefittedRows)
    _page(ws, f"Progress form: {economy.name} ({economy.code}), {year}", landscape=True)
    ws.fit_to_pages(1, 0)
    for column, width in enumerate(widths):
        ws.set_column(column, column, width)
    ws.set_row(0, 22)
    ws.write_string(0, 0, "Commitment progress form", formats.title)
    shown = {"economy": f"{economy.name} ({economy.code})", "year": str(year)}
    for row, (key, caption) in enumerate(SHOWN_ID_CAPTIONS.items(), start=1):
        ws.write_string(row, 0, caption, formats.bold)
        ws.merge_range(row, 1, row, 3, shown[key], formats.text)
    for row, (name, caption) in enumerate(CONTACT_LABELS.items(), start=4):
        ws.write_string(row, 0, caption, formats.bold)
        value = getattr(contact, name) if contact else None
        ws.merge_range(row, 1, row, 3, None, formats.input)
        _text(ws, row, 1, value, formats.input, formats.input_quoted)

    header = HEADER_ROW - 1
    titles = [title for title, _, _ in COLUMNS]
    ws.set_row(header, LINE_HEIGHT * max(text_lines(t, 0.9 * w) for t, w in zip(titles, widths)) + 3)  # bold is wider
    for column, title in enumerate(titles):
        ws.write_string(header, column, title, formats.header)

    fields = [field for _, field, _ in COLUMNS[CATALOGUE_COLUMNS + 1:]]
    shown_widths = widths[CATALOGUE_COLUMNS:]
    for row, (item_id, cells, first_year, lines) in enumerate(catalogue, start=HEADER_ROW):
        entry = latest.get(item_id)
        answers = ([label(entry.status) if field == "status" else getattr(entry, field) for field in fields]
                   if entry else [None] * len(fields))
        shown = last_reported(entry, year, earlier.get(item_id), first_year, prefill.wording_starts.get(item_id, ()))
        lines = max(lines, *(text_lines(v, w) for v, w in zip([shown, *answers], shown_widths)))
        ws.set_row(row, LINE_HEIGHT * lines + 3)
        for column, value in enumerate(cells):
            _text(ws, row, column, value, formats.text, formats.quoted)
        _text(ws, row, CATALOGUE_COLUMNS, shown, formats.text, formats.quoted)
        for column, value in enumerate(answers, start=CATALOGUE_COLUMNS + 1):
            _text(ws, row, column, value, formats.input, formats.input_quoted)

    first, last = HEADER_ROW, HEADER_ROW - 1 + max(len(catalogue), 1)
    status_column = next(i for i, (_, f, _) in enumerate(COLUMNS) if f == "status")
    ws.data_validation(first, status_column, last, status_column, {
        "validate": "list", "source": f"={STATUS_LIST_NAME}", "ignore_blank": True,
        "error_title": "Status",
        "error_message": f"Choose a status from the list ({CLEAR_MARKER}, at its end, empties the status on record).",
    })
    ws.freeze_panes(HEADER_ROW, 1)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.repeat_rows(header)
    ws.print_area(0, 0, last, len(COLUMNS) - 1)


def write_form(session: Session, economy: Economy, year: int, path: Path, request: FormRequest,
               key: bytes, version: str, prefill: Prefill) -> Form:
    """Write one economy's form for ``year`` to ``path`` (whole or not at all) and record that it was issued."""
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
    with replacing(path, f"the form for {economy.code}") as temporary:
        wb = xlsxwriter.Workbook(str(temporary), {
            "in_memory": True,  # a form is small: assemble its parts in memory, not in temporary files
            "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE},
        })
        formats = _Formats(wb)
        _instructions(wb, formats, economy, year, request)
        _form_sheet(wb, formats, economy, year, prefill)
        _status_list(wb)
        _identification(wb, identification)
        wb.set_properties({"title": f"{economy.name} {year} progress form", "author": "tracker"})
        close_workbook(wb)
    return form


#: How long after a form was issued its file may still be last modified by tracker writing it.
WRITTEN_WITHIN = timedelta(minutes=1)


def _issued_form(session: Session, path: Path, data: bytes, economy: Economy, year: int) -> Form | None:
    """The form this database issued for ``economy`` and ``year`` that the file is, if it is one."""
    try:
        identification = read_workbook(escaped(path.name), data).identification
    except (Refused, FileRefused):
        return None
    if (not identification or any(not identification.get(k) for k in (*ID_FIELDS, "signature"))
            or not hmac.compare_digest(signature(signing_key(session), identification), identification["signature"])):
        return None
    form = session.get(Form, identification["form_id"])
    return form if form is not None and form.economy_id == economy.id and form.year == year else None


def _why_not_replace(session: Session, path: Path, economy: Economy, year: int) -> str | None:
    """Why the file at ``path`` must not be written over unasked, or ``None`` when it may: no file
    there, or a form of the economy and year that tracker wrote and nobody changed since, or a
    file already imported (its answers are in the database)."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return "tracker did not write it" if path.is_file() else None
        data, modified = path.read_bytes(), datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return None  # writing it will say what is wrong
    if session.scalar(select(Import.id).where(Import.sha256 == hashlib.sha256(data).hexdigest())) is not None:
        return None
    form = _issued_form(session, path, data, economy, year)
    if form is None:
        return f"tracker did not write it as {economy.code}'s {year} form"
    if modified.replace(tzinfo=None) > form.issued_at + WRITTEN_WITHIN:
        return (f"it was changed after tracker wrote it on {form.issued_at:%Y-%m-%d %H:%M} UTC "
                "and may hold answers not imported yet (import it first)")
    return None


def _check_destinations(session: Session, out_dir: Path, economies: list[Economy], year: int, force: bool) -> None:
    """Refuse, before any form is written, a destination that is the database (always) or that
    must not be replaced unasked (unless ``force``)."""
    destinations = [(out_dir / f"{economy.code}-{year}.xlsx", economy) for economy in economies]
    for path, _ in destinations:
        if path.resolve() in database_files(session):
            raise Refused(f"{escaped(path)} is the database itself: writing a form there would destroy it. "
                          "Write the forms to another folder with --out.")
    if force:
        return
    problems = [(path, why) for path, economy in destinations if (why := _why_not_replace(session, path, economy, year))]
    if problems:
        path, why = problems[0]
        more = f" (and {len(problems) - 1} more form{'s' if len(problems) > 2 else ''} like it)" if len(problems) > 1 else ""
        raise Refused(f"{escaped(path)} already exists and {why}{more}; no form was written. Move it away, "
                      "write the forms to another folder with --out, or add --force to replace it.")


def economies_asked(session: Session, year: int, economy_codes: list[str]) -> list[Economy]:
    """The economies named (each refused unless a member in ``year``), or every active member."""
    if economy_codes:
        return [resolve_member(session, code, year) for code in economy_codes]
    return list(session.scalars(
        select(Economy).where(Economy.active.is_(True), member_in(year)).order_by(Economy.code)))


def write_forms(
    session: Session,
    year: int,
    economy_codes: list[str],
    out_dir: Path,
    request: FormRequest,
    progress: Callable[[Iterable], Iterable] = lambda economies: economies,
    force: bool = False,
) -> list[Path]:
    """Write ``<CODE>-<YEAR>.xlsx`` for each economy named (all active ones when none is). A file
    already there is replaced only when tracker wrote it as that form, unchanged, or with ``force``;
    otherwise nothing is written. The address to return the forms to is refused unless every
    character of it can be seen (``text.check_text``), whichever door it came in by."""
    check_year(year)
    if request.return_to:
        check_text(request.return_to, "The address to return the forms to")
    items = items_applying(session, year, ", so there is nothing to ask for")
    economies = economies_asked(session, year, economy_codes)
    _check_destinations(session, out_dir, economies, year, force)
    rounds.ensure_open(session, year, request.due, "tracker form")
    key, version = signing_key(session), catalogue_version(session)
    prefill = Prefill.read(session, economies, year, items)
    paths = []
    for economy in progress(economies):
        path = out_dir / f"{economy.code}-{year}.xlsx"
        write_form(session, economy, year, path, request, key, version, prefill)
        paths.append(path)
    return paths
