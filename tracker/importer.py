"""Importing filled-in workbooks: forms made by ``tracker form``, and tidy tables.

Each file is checked whole before anything is written, then applied in one transaction
through the one write path (``progress.record_entries``), or not at all. A dry run is the same
import rolled back. Every file imported is recorded with the SHA-256 of its bytes, so the same
file imported twice changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.catalogue import items_for
from tracker.errors import Refused, not_found
from tracker.forms import (
    COLUMNS,
    CONTACT_LABELS,
    FORM_SHEET,
    ID_FIELDS,
    ID_SHEET,
    PROPERTY_PREFIX,
    signature,
    signing_key,
)
from tracker.models import Change, Economy, Form, Import, Item, utcnow
from tracker.progress import (
    answers_as_of,
    check_year,
    clean_text,
    entries_of,
    record_contact,
    record_entries,
)
from tracker.status import label, parse_status
from tracker.store import Store
from tracker.workbooks import MAX_FILE_BYTES, cell_text, open_untrusted

#: Column titles of a tidy table, and the entry field each one fills.
TABLE_KEYS = ("Economy code", "Ref", "Year")
FIELD_TITLES = {title: name for title, name, _ in COLUMNS if name}
TITLES_BY_FIELD = {name: title for title, name in FIELD_TITLES.items()}
HEADER_SEARCH_ROWS = 40
MAX_COLUMNS = 40
MAX_FORM_ROWS = 2_000
MAX_TABLE_ROWS = 250_000
EMPTY_ROWS_BEFORE_END = 200
MAX_PROBLEMS_SHOWN = 25


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    status: str  # "applied", "would apply", "refused", "already imported"
    kind: str | None = None
    economy: str | None = None
    year: int | None = None
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    changes: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "refused"


class FileRefused(Refused):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Row:
    number: int
    cells: dict[str, tuple[object, str]]  # title -> (value, coordinate)


@dataclass
class _Sheet:
    name: str
    preamble: list[_Row]
    header_row: int
    rows: list[_Row]


def _normal(text) -> str:
    return " ".join(str(text).split()).casefold() if text is not None else ""


def _read_sheet(ws, titles: Iterable[str], required: Iterable[str], limit: int) -> _Sheet | None:
    """Find the header row (within the first rows) and read the rows under it, bounded.

    Columns are matched by title, in any order or case. Returns None without the header.
    """
    wanted = {_normal(t): t for t in titles}
    needed = {_normal(t) for t in required}
    preamble: list[_Row] = []
    columns: dict[int, str] | None = None
    header_row = 0
    rows: list[_Row] = []
    empty_run = 0
    bound = HEADER_SEARCH_ROWS + limit
    for number, values in enumerate(
        ws.iter_rows(min_row=1, max_row=bound, max_col=MAX_COLUMNS, values_only=True), start=1
    ):
        if columns is None:
            found = {_normal(v): i for i, v in enumerate(values) if _normal(v) in wanted}
            if needed <= set(found):
                columns = {i: wanted[key] for key, i in found.items()}
                header_row = number
            elif number > HEADER_SEARCH_ROWS:
                return None
            else:
                preamble.append(
                    _Row(number, {str(i): (v, f"{get_column_letter(i + 1)}{number}") for i, v in enumerate(values)})
                )
            continue
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            empty_run += 1
            if empty_run >= EMPTY_ROWS_BEFORE_END:
                break
            continue
        empty_run = 0
        rows.append(
            _Row(number, {
                title: (values[i] if i < len(values) else None, f"{get_column_letter(i + 1)}{number}")
                for i, title in columns.items()
            })
        )
    if columns is None:
        return None
    return _Sheet(ws.title, preamble, header_row, rows)


def _formula_cells(path: Path, sheet: str, last_row: int) -> set[str]:
    """Coordinates of the cells that hold formulas, from a second, formula-text read."""
    workbook = open_untrusted(path, formulas=True)
    try:
        ws = workbook[sheet]
        return {
            cell.coordinate
            for row in ws.iter_rows(min_row=1, max_row=last_row, max_col=MAX_COLUMNS)
            for cell in row
            if getattr(cell, "data_type", None) == "f"
        }
    finally:
        workbook.close()


@dataclass
class _Parsed:
    kind: str
    sheet: _Sheet
    identification: dict[str, str] | None = None


def _identification(workbook) -> dict[str, str] | None:
    """The form's identification: custom document properties, else the hidden sheet."""
    found = {
        prop.name[len(PROPERTY_PREFIX):]: cell_text(prop.value)
        for prop in workbook.custom_doc_props
        if prop.name.startswith(PROPERTY_PREFIX)
    }
    if not found and ID_SHEET in workbook.sheetnames:
        for name, value in workbook[ID_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if name:
                found[str(name)] = cell_text(value)
    return found or None


def _parse(path: Path) -> _Parsed:
    """Read what the file holds: a form's sheet and identification, or a tidy table."""
    workbook = open_untrusted(path)
    try:
        names = workbook.sheetnames
        if FORM_SHEET in names:
            sheet = _read_sheet(workbook[FORM_SHEET], [t for t, _, _ in COLUMNS], ["Ref", *FIELD_TITLES], MAX_FORM_ROWS)
            if sheet is None:
                raise FileRefused([
                    f"{path.name}, sheet {FORM_SHEET}: no header row with the columns "
                    f"{', '.join(['Ref', *FIELD_TITLES])} in the first {HEADER_SEARCH_ROWS} rows. "
                    "Do not rename or delete columns; start again from the form you were sent."
                ])
            return _Parsed("form", sheet, _identification(workbook))
        ordered = sorted(names, key=lambda n: n != "Data")
        for name in ordered:
            sheet = _read_sheet(workbook[name], [*TABLE_KEYS, *FIELD_TITLES], [*TABLE_KEYS, "Status"], MAX_TABLE_ROWS)
            if sheet is not None:
                return _Parsed("table", sheet)
    finally:
        workbook.close()
    raise FileRefused([
        f"{path.name}: no sheet named {FORM_SHEET!r}, and no sheet with a header row of "
        f"{', '.join(TABLE_KEYS)}, Status. Send back the form made by `tracker form`, or a table with "
        "those columns."
    ])


def _check_form(session: Session, name: str, identification: dict[str, str] | None) -> tuple[Form, Economy]:
    if not identification or any(not identification.get(k) for k in (*ID_FIELDS, "signature")):
        raise FileRefused([
            f"{name}: the form's identification is missing, so it cannot be matched to an economy "
            "and year. Fill in the form exactly as it was sent (do not copy the sheet into a new workbook)."
        ])
    expected = signature(signing_key(session), identification)
    if not hmac.compare_digest(expected, identification["signature"]):
        raise FileRefused([
            f"{name}: the form's signature does not match its economy, year and id "
            f"(it says {identification['economy']} {identification['year']}). The identification was "
            "altered or the form was made by another database; ask for a fresh form."
        ])
    form = session.get(Form, identification["form_id"])
    if form is None:
        raise FileRefused([f"{name}: form {identification['form_id']} was not issued by this database."])
    economy = session.get(Economy, form.economy_id)
    if economy.code != identification["economy"] or str(form.year) != identification["year"]:
        raise FileRefused([
            f"{name}: the form says {identification['economy']} {identification['year']}, but it was issued "
            f"for {economy.code} {form.year}. Ask for a fresh form."
        ])
    return form, economy


def _value(cells: dict, title: str, formulas: set[str], where: str, problems: list[str]) -> str | None:
    raw, coordinate = cells.get(title, (None, None))
    if coordinate in formulas and raw is None:
        problems.append(
            f"{where}, cell {coordinate} ({title}): holds a formula whose value was never calculated. "
            "Type the value itself, or open and save the file in Excel or LibreOffice."
        )
        return None
    if isinstance(raw, str) and raw in ERROR_CODES:
        problems.append(
            f"{where}, cell {coordinate} ({title}): holds the spreadsheet error {raw}. "
            "Type the value itself (to type text that starts with =, put a ' before it)."
        )
        return None
    return cell_text(raw)


def _entry_values(row: _Row, formulas, where, item_ref, problems) -> dict[str, str]:
    values: dict[str, str] = {}
    for title, name in FIELD_TITLES.items():
        if title not in row.cells:
            continue
        text = _value(row.cells, title, formulas, where, problems)
        coordinate = row.cells[title][1]
        try:
            cleaned = clean_text(text, f"{title} of {item_ref}")
            if cleaned is not None:
                values[name] = parse_status(cleaned) if name == "status" else cleaned
        except Refused as exc:
            problems.append(f"{where}, cell {coordinate} ({title}): {exc}")
    return values


def _item_lookup(session: Session) -> tuple[dict[str, Item], dict[str, str]]:
    items = items_for(session)
    return {item.ref.casefold(): item for item in items}, {item.ref: item.text for item in items}


def _resolve_ref(text, lookup, candidates, where, coordinate, problems) -> Item | None:
    item = lookup.get(text.strip().casefold())
    if item is None:
        problems.append(f"{where}, cell {coordinate} (Ref): {not_found('Ref', text, candidates)}")
    return item


def _plan_form(session, name, parsed: _Parsed, formulas) -> tuple[Form, Economy, dict, list]:
    form, economy = _check_form(session, name, parsed.identification)
    where = f"{name}, sheet {FORM_SHEET}"
    problems: list[str] = []
    lookup, candidates = _item_lookup(session)
    seen: dict[int, str] = {}
    updates: list[tuple[Item, dict, _Row]] = []
    for row in parsed.sheet.rows:
        ref = _value(row.cells, "Ref", formulas, where, problems)
        values = _entry_values(row, formulas, where, ref or f"row {row.number}", problems)
        if not ref or not ref.strip():
            if values:
                problems.append(f"{where}, row {row.number}: has answers but no Ref; put back the Ref it had.")
            continue
        item = _resolve_ref(ref, lookup, candidates, where, row.cells["Ref"][1], problems)
        if item is None:
            continue
        if item.id in seen:
            problems.append(f"{where}, cell {row.cells['Ref'][1]} (Ref): {item.ref} appears twice (also {seen[item.id]}).")
            continue
        seen[item.id] = row.cells["Ref"][1]
        if not item.applies_in(form.year):
            problems.append(f"{where}, cell {row.cells['Ref'][1]} (Ref): {item.ref} does not apply in {form.year}.")
            continue
        updates.append((item, values, row))
    contact = {}
    by_caption = {_normal(caption): name for name, caption in CONTACT_LABELS.items()}
    for row in parsed.sheet.preamble:
        caption = _normal(row.cells.get("0", (None, ""))[0])
        if caption in by_caption and "1" in row.cells:
            raw, coordinate = row.cells["1"]
            contact[by_caption[caption]] = (cell_text(raw), coordinate)
    if problems:
        raise FileRefused(problems)
    return form, economy, contact, updates


def _resolve_conflicts(session, form: Form, economy: Economy, updates, force: bool, where: str) -> None:
    """Where the database changed after the form was issued and the form changes it too, refuse
    (or, with ``force``, let the form win). A prefilled value left as it was keeps the newer one.
    Earlier imports of the same form (a corrected copy sent again) are not conflicts."""
    late = set(session.execute(
        select(Change.item_id, Change.field)
        .outerjoin(Import, Import.id == Change.import_id)
        .where(
            Change.economy_id == economy.id,
            Change.year == form.year,
            Change.item_id.is_not(None),
            Change.changed_at > form.issued_at,
            or_(Import.form_id.is_(None), Import.form_id != form.id),
        )
    ))
    if not late:
        return
    current = entries_of(session, [economy.id], [form.year])
    issued = answers_as_of(session, economy.id, form.year, form.issued_at)
    problems = []
    for item, values, row in updates:
        entry = current.get((economy.id, item.id, form.year))
        for name, new in list(values.items()):
            now = getattr(entry, name) if entry else None
            if (item.id, name) not in late or new == now:
                continue
            if new == issued.get(item.id, {}).get(name):
                del values[name]
            elif not force:
                shown = label if name == "status" else (lambda v: v)
                title = TITLES_BY_FIELD[name]
                problems.append(
                    f"{where}, cell {row.cells[title][1]} ({title}): {item.ref} {name} was changed in the "
                    "database after this form was issued "
                    f"(database: {shown(now)!r}, form: {shown(new)!r}). Import with --force to keep the "
                    "form's value, or send a fresh form."
                )
    if problems:
        raise FileRefused(problems)


def _plan_table(session, name, parsed: _Parsed, formulas) -> dict[tuple[Economy, int], list]:
    where = f"{name}, sheet {parsed.sheet.name}"
    problems: list[str] = []
    lookup, candidates = _item_lookup(session)
    economies = {e.code.casefold(): e for e in session.scalars(select(Economy))}
    groups: dict[tuple[Economy, int], list] = {}
    seen: dict[tuple[int, int, int], str] = {}
    for row in parsed.sheet.rows:
        code = _value(row.cells, "Economy code", formulas, where, problems)
        ref = _value(row.cells, "Ref", formulas, where, problems)
        year_text = _value(row.cells, "Year", formulas, where, problems)
        values = _entry_values(row, formulas, where, ref or f"row {row.number}", problems)
        if not (code and ref and year_text):
            problems.append(f"{where}, row {row.number}: Economy code, Ref and Year are all needed.")
            continue
        economy = economies.get(code.strip().casefold())
        if economy is None:
            problems.append(
                f"{where}, cell {row.cells['Economy code'][1]} (Economy code): "
                f"{not_found('economy', code, {e.code: e.name for e in economies.values()})}"
            )
        item = _resolve_ref(ref, lookup, candidates, where, row.cells["Ref"][1], problems)
        try:
            year = check_year(int(year_text.strip()))
        except (ValueError, Refused):
            problems.append(f"{where}, cell {row.cells['Year'][1]} (Year): {year_text!r} is not a year such as 2008.")
            continue
        if economy is None or item is None:
            continue
        if not item.applies_in(year):
            problems.append(f"{where}, cell {row.cells['Ref'][1]} (Ref): {item.ref} does not apply in {year}.")
            continue
        key = (economy.id, item.id, year)
        if key in seen:
            problems.append(f"{where}, row {row.number}: {economy.code} {item.ref} {year} appears twice (also row {seen[key]}).")
            continue
        seen[key] = str(row.number)
        groups.setdefault((economy, year), []).append((item, values, row))
    if problems:
        raise FileRefused(problems)
    return groups


def _import_one(store: Store, path: Path, dry_run: bool, force: bool) -> FileResult:
    name = path.name
    if not path.is_file():
        return FileResult(name, "refused", problems=[f"{path}: no such file."])
    if path.stat().st_size > MAX_FILE_BYTES:
        return FileResult(name, "refused", problems=[
            f"{name} is over {MAX_FILE_BYTES // 1_000_000} MB; a form is far smaller. It was not read."
        ])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        with store.transaction(dry_run=dry_run) as session:
            earlier = session.scalar(select(Import).where(Import.sha256 == digest))
            if earlier is not None:
                return FileResult(name, "already imported", earlier.kind, problems=[
                    f"{name} was already imported on {earlier.imported_at:%Y-%m-%d %H:%M} UTC "
                    f"(as {earlier.file_name}); nothing changed."
                ])
            parsed = _parse(path)
            formulas = _formula_cells(path, parsed.sheet.name, parsed.sheet.rows[-1].number if parsed.sheet.rows else parsed.sheet.header_row)
            result = FileResult(name, "would apply" if dry_run else "applied", parsed.kind)
            source = f"import {name}"
            record = Import(file_name=name, sha256=digest, kind=parsed.kind, imported_at=utcnow(), new=0, changed=0, unchanged=0)
            if parsed.kind == "form":
                form, economy, contact, updates = _plan_form(session, name, parsed, formulas)
                _resolve_conflicts(session, form, economy, updates, force, f"{name}, sheet {FORM_SHEET}")
                groups = {(economy, form.year): updates}
                record.economy_id, record.year, record.form_id = economy.id, form.year, form.id
                result.economy, result.year = economy.code, form.year
            else:
                groups = _plan_table(session, name, parsed, formulas)
                contact = {}
            session.add(record)
            session.flush()
            for (economy, year), updates in groups.items():
                outcomes = record_entries(
                    session, economy, year, [(item, values) for item, values, _ in updates], source, record.id
                )
                for outcome in outcomes:
                    setattr(result, outcome.kind, getattr(result, outcome.kind) + 1)
                    result.changes += [
                        {"economy": economy.code, "year": year, "ref": outcome.ref,
                         "field": c.field, "old": c.old, "new": c.new}
                        for c in outcome.changes
                    ]
            if contact:
                try:
                    outcome = record_contact(
                        session, economy, form.year, {k: v for k, (v, _) in contact.items()}, source, record.id
                    )
                except Refused as exc:
                    cells = ", ".join(c for _, c in contact.values())
                    raise FileRefused([f"{name}, sheet {FORM_SHEET}, cells {cells} (contact point): {exc}"]) from None
                result.changes += [
                    {"economy": economy.code, "year": form.year, "ref": None,
                     "field": c.field, "old": c.old, "new": c.new}
                    for c in outcome.changes
                ]
            record.new, record.changed, record.unchanged = result.new, result.changed, result.unchanged
            return result
    except FileRefused as exc:
        problems = exc.problems
        if len(problems) > MAX_PROBLEMS_SHOWN:
            problems = problems[:MAX_PROBLEMS_SHOWN] + [f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more."]
        return FileResult(name, "refused", problems=problems)
    except Refused as exc:
        return FileResult(name, "refused", problems=[str(exc)])


def expand_paths(paths: Iterable[str]) -> list[Path]:
    """Files as given; a folder stands for every .xlsx in it (not Office's ~$ lock files)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.xlsx") if not p.name.startswith("~$"))
            if not found:
                raise Refused(f"The folder {path} holds no .xlsx files.")
            files += found
        else:
            files.append(path)
    return files


def import_files(
    store: Store,
    paths: Iterable[str],
    dry_run: bool = False,
    force: bool = False,
    progress: Callable[[Iterable], Iterable] = lambda files: files,
) -> list[FileResult]:
    """Import each file (or every .xlsx of a folder) on its own: applied whole, or not at all."""
    return [_import_one(store, path, dry_run, force) for path in progress(expand_paths(paths))]
