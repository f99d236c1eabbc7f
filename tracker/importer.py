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
from tracker.models import Change, Economy, Form, Import, utcnow
from tracker.progress import (
    Outcome,
    answers_as_of,
    check_year,
    clean_entry_value,
    entries_of,
    lock_economies,
    record_contact,
    record_entries,
)
from tracker.status import label
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
    """Everything an import needs from the file, read before the database is touched."""

    kind: str
    sheet: _Sheet
    identification: dict[str, str] | None = None
    formulas: set[str] = field(default_factory=set)


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
    """Read what the file holds (a form's sheet and identification, or a tidy table), and which
    of its cells are formulas."""
    parsed = _read_values(path)
    last_row = parsed.sheet.rows[-1].number if parsed.sheet.rows else parsed.sheet.header_row
    parsed.formulas = _formula_cells(path, parsed.sheet.name, last_row)
    return parsed


def _read_values(path: Path) -> _Parsed:
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


def _value(cells: dict, key: str, formulas: set[str], where: str, problems: list[str],
           title: str | None = None) -> str | None:
    """The text of the cell under ``key``, or None; formulas without a value and error values are
    problems, reported with the cell and ``title`` (the column title by default)."""
    title = title or key
    raw, coordinate = cells.get(key, (None, None))
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
    """The row's answers, validated here so that each problem names its cell."""
    values: dict[str, str] = {}
    for title, name in FIELD_TITLES.items():
        if title not in row.cells:
            continue
        text = _value(row.cells, title, formulas, where, problems)
        try:
            cleaned = clean_entry_value(name, text, f"{title} of {item_ref}")
        except Refused as exc:
            problems.append(f"{where}, cell {row.cells[title][1]} ({title}): {exc}")
            continue
        if cleaned is not None:
            values[name] = cleaned
    return values


def _row_economy_year(row: _Row, economies: dict, formulas, where, problems) -> tuple[Economy | None, int | None]:
    """A tidy table row's economy and year, from its Economy code and Year cells."""
    code = _value(row.cells, "Economy code", formulas, where, problems)
    year_text = _value(row.cells, "Year", formulas, where, problems)
    economy = economies.get(code.strip().casefold()) if code else None
    if economy is None:
        reason = not_found("economy", code, {e.code: e.name for e in economies.values()}) if code else \
            "empty; give the economy's code, such as JPN."
        problems.append(f"{where}, cell {row.cells['Economy code'][1]} (Economy code): {reason}")
    try:
        year = check_year(int((year_text or "").strip()))
    except (ValueError, Refused):
        problems.append(f"{where}, cell {row.cells['Year'][1]} (Year): {year_text!r} is not a year such as 2008.")
        year = None
    return economy, year


def _plan(session: Session, where: str, parsed: _Parsed, fixed: tuple[Economy, int] | None = None) -> dict:
    """Check every row and group the answers by (economy, year), refusing the file on any problem.

    A form's rows all belong to the economy and year it was issued for (``fixed``); a tidy table
    names them in its Economy code and Year columns.
    """
    problems: list[str] = []
    items = items_for(session)
    by_ref = {item.ref.casefold(): item for item in items}
    economies = {} if fixed else {e.code.casefold(): e for e in session.scalars(select(Economy))}
    groups: dict[tuple[Economy, int], list] = {}
    seen: dict[tuple[int, int, int], str] = {}
    for row in parsed.sheet.rows:
        ref = _value(row.cells, "Ref", parsed.formulas, where, problems)
        values = _entry_values(row, parsed.formulas, where, ref or f"row {row.number}", problems)
        economy, year = fixed or _row_economy_year(row, economies, parsed.formulas, where, problems)
        if not (ref and ref.strip()):
            if values or not fixed:
                problems.append(f"{where}, row {row.number}: no Ref; every row with answers needs the Ref "
                                "of its commitment (put back the Ref it had).")
            continue
        ref_cell = row.cells["Ref"][1]
        item = by_ref.get(ref.strip().casefold())
        if item is None:
            problems.append(f"{where}, cell {ref_cell} (Ref): {not_found('Ref', ref, {i.ref: i.text for i in items})}")
            continue
        if economy is None or year is None:
            continue
        if not item.applies_in(year):
            problems.append(f"{where}, cell {ref_cell} (Ref): {item.ref} does not apply in {year}.")
            continue
        key = (economy.id, item.id, year)
        if key in seen:
            what = item.ref if fixed else f"{economy.code} {item.ref} {year}"
            problems.append(f"{where}, cell {ref_cell} (Ref): {what} appears twice (also {seen[key]}).")
            continue
        seen[key] = ref_cell
        groups.setdefault((economy, year), []).append((item, values, row))
    if problems:
        raise FileRefused(problems)
    return groups


def _contact(parsed: _Parsed, where: str) -> dict[str, tuple[str | None, str]]:
    """The contact point typed above a form's header (caption in column A, value in B), as
    {field: (text, cell)}."""
    problems: list[str] = []
    by_caption = {_normal(caption): name for name, caption in CONTACT_LABELS.items()}
    contact = {}
    for row in parsed.sheet.preamble:
        name = by_caption.get(_normal(row.cells.get("0", (None, ""))[0]))
        if name is not None and "1" in row.cells:
            text = _value(row.cells, "1", parsed.formulas, where, problems, title=CONTACT_LABELS[name])
            contact[name] = (text, row.cells["1"][1])
    if problems:
        raise FileRefused(problems)
    return contact


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


def _change_rows(economy: Economy, year: int, outcome: Outcome) -> list[dict]:
    return [
        {"economy": economy.code, "year": year, "ref": outcome.ref, "field": c.field, "old": c.old, "new": c.new}
        for c in outcome.changes
    ]


def _apply(session: Session, name: str, digest: str, parsed: _Parsed, force: bool, result: FileResult) -> None:
    """Check the parsed file against the database and write it through the one write path."""
    record = Import(file_name=name, sha256=digest, kind=parsed.kind, imported_at=utcnow(), new=0, changed=0, unchanged=0)
    where = f"{name}, sheet {parsed.sheet.name}"
    form = None
    if parsed.kind == "form":
        form, economy = _check_form(session, name, parsed.identification)
        groups = _plan(session, where, parsed, fixed=(economy, form.year))
        lock_economies(session, [economy.id])
        _resolve_conflicts(session, form, economy, groups.get((economy, form.year), []), force, where)
        contact = _contact(parsed, where)
        record.economy_id, record.year, record.form_id = economy.id, form.year, form.id
        result.economy, result.year = economy.code, form.year
    else:
        groups = _plan(session, where, parsed)
        lock_economies(session, [group_economy.id for group_economy, _ in groups])
    session.add(record)
    session.flush()
    source = f"import {name}"
    for (group_economy, year), updates in groups.items():
        for outcome in record_entries(session, group_economy, year, [(i, v) for i, v, _ in updates], source, record.id):
            setattr(result, outcome.kind, getattr(result, outcome.kind) + 1)
            result.changes += _change_rows(group_economy, year, outcome)
    if form is not None and contact:
        try:
            outcome = record_contact(session, economy, form.year, {k: v for k, (v, _) in contact.items()},
                                     source, record.id)
        except Refused as exc:
            cells = ", ".join(cell for _, cell in contact.values())
            raise FileRefused([f"{where}, cells {cells} (contact point): {exc}"]) from None
        result.changes += _change_rows(economy, form.year, outcome)
    record.new, record.changed, record.unchanged = result.new, result.changed, result.unchanged


def _check_and_apply(session: Session, name: str, digest: str, parsed: _Parsed, force: bool,
                     status: str) -> FileResult:
    """One attempt at the import's transaction. The same file imported at the same moment by
    someone else takes its SHA-256 first; the store then runs this again, and it says so."""
    earlier = session.scalar(select(Import).where(Import.sha256 == digest))
    if earlier is not None:
        return FileResult(name, "already imported", earlier.kind, problems=[
            f"{name} was already imported on {earlier.imported_at:%Y-%m-%d %H:%M} UTC "
            f"(as {earlier.file_name}); nothing changed."
        ])
    result = FileResult(name, status, parsed.kind)
    _apply(session, name, digest, parsed, force, result)
    return result


def _import_one(store: Store, path: Path, dry_run: bool, force: bool) -> FileResult:
    """Import one file: read it whole first, then check and apply it in one transaction."""
    name = path.name
    try:
        if not path.is_file():
            raise Refused(f"{path}: no such file or folder.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Refused(f"{name} is over {MAX_FILE_BYTES // 1_000_000} MB; a form is far smaller. It was not read.")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        parsed = _parse(path)
        status = "would apply" if dry_run else "applied"
        return store.run(_check_and_apply, name, digest, parsed, force, status, dry_run=dry_run)
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
