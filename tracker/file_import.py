"""Importing filled-in workbooks: forms made by ``tracker form``, and tidy tables.

Each file is checked whole before anything is written, then applied in one transaction
through the one write path (``progress.record_entries``), or not at all. A dry run is the same
import rolled back. Every file imported is recorded with the SHA-256 of its bytes, so the same
file imported twice changes nothing. An e-mail message (``.eml``) stands for the workbooks
attached to it (``received_mail``), each imported the same way, with the message's sender and
date kept.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.catalogue import items_for
from tracker.errors import Refused, not_found, quoted
from tracker.forms import signature, signing_key
from tracker.import_log import undone_ids
from tracker.models import Change, Economy, Form, Import, utcnow
from tracker.progress import (
    CLEAR_MARKER,
    Outcome,
    answers_as_of,
    carried_forward,
    clean_entry_value,
    entries_of,
    lock_economies,
    record_contact,
    record_entries,
)
from tracker.received_mail import MESSAGE_SUFFIX, WORKBOOK_SUFFIX, Attachment, MailOrigin, Unreadable, message_file
from tracker.status import label
from tracker.store import Store
from tracker.workbook.layout import CONTACT_LABELS, FIELD_LABELS, FIELD_TITLES, ID_FIELDS
from tracker.workbook.reader import (MAX_FILE_BYTES, OTHER_FORMATS, ErrorValue, FileRefused, cell_text,
                                     check_shown_identification, read_workbook)
from tracker.workbook.reader import Parsed as _Parsed
from tracker.workbook.reader import Row as _Row
from tracker.workbook.reader import normal as _normal
from tracker.text import escaped
from tracker.years import check_year

MAX_PROBLEMS_SHOWN = 25


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    status: str  # "applied", "would apply", "refused", "already imported", "skipped"
    kind: str | None = None
    economy: str | None = None
    year: int | None = None
    new: int = 0
    changed: int = 0
    confirmed: int = 0  # entries holding only earlier answers returned as they were
    unchanged: int = 0
    changes: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what was applied anyway, such as a missing row
    sender: str | None = None  # for a workbook attached to an e-mail message: its sender, date and message
    sent_at: datetime | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "refused"


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
    if isinstance(raw, ErrorValue):
        problems.append(
            f"{where}, cell {coordinate} ({title}): holds the spreadsheet error {raw}. "
            "Type the value itself (to type text that starts with =, put a ' before it)."
        )
        return None
    return cell_text(raw)


def _entry_values(row: _Row, formulas, where, item_ref, problems) -> dict[str, str | None]:
    """The row's answers, validated here so that each problem names its cell; ``None`` for a
    field whose cell holds ``CLEAR_MARKER`` (to be emptied)."""
    values: dict[str, str | None] = {}
    for title, name in FIELD_TITLES.items():
        if title not in row.cells:
            continue
        text = _value(row.cells, title, formulas, where, problems)
        if text is None:
            continue
        if text.strip().casefold() == CLEAR_MARKER:
            values[name] = None
            continue
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
    except ValueError:
        problems.append(f"{where}, cell {row.cells['Year'][1]} (Year): {quoted(year_text or '')} is not a year such as 2008.")
        year = None
    except Refused as exc:
        problems.append(f"{where}, cell {row.cells['Year'][1]} (Year): {exc}")
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
                title = FIELD_LABELS[name]
                problems.append(
                    f"{where}, cell {row.cells[title][1]} ({title}): {item.ref} {name} was changed in the "
                    "database after this form was issued "
                    f"(database: {shown(now)!r}, form: {shown(new)!r}). Import with --force to keep the "
                    "form's value, or send a fresh form."
                )
    if problems:
        raise FileRefused(problems)


def _missing_rows(session: Session, where: str, updates, economy: Economy, year: int) -> list[str]:
    """One warning per item of the year's checklist that the form has no row for (a row deleted):
    the rest of the form applies, and that item is neither confirmed nor changed."""
    present = {item.id for item, _, _ in updates}
    return [
        f"{where}: the form has no row for {item.ref}, so its answer for {year} was neither confirmed nor "
        f"changed. Put the row back (or ask for a fresh form) and import again, or record it with "
        f"`tracker record {economy.code} {item.ref} --year {year}`."
        for item in items_for(session, year) if item.id not in present
    ]


def _change_rows(economy: Economy, year: int, outcome: Outcome) -> list[dict]:
    return [
        {"economy": economy.code, "year": year, "ref": outcome.ref, "field": c.field, "old": c.old, "new": c.new,
         "confirmed": c.confirmed}
        for c in outcome.changes
    ]


def _apply(session: Session, name: str, digest: str, parsed: _Parsed, force: bool, result: FileResult,
           origin: MailOrigin | None) -> None:
    """Check the parsed file against the database and write it through the one write path."""
    record = Import(file_name=name, sha256=digest, kind=parsed.kind, imported_at=utcnow(), new=0, changed=0, unchanged=0,
                    mail_from=origin and origin.sender, mail_sent_at=origin and origin.sent_at)
    where = f"{name}, sheet {parsed.sheet.name}"
    form = None
    if parsed.kind == "form":
        form, economy = _check_form(session, name, parsed.identification)
        check_shown_identification(name, parsed)
        groups = _plan(session, where, parsed, fixed=(economy, form.year))
        lock_economies(session, [economy.id])
        _resolve_conflicts(session, form, economy, groups.get((economy, form.year), []), force, where)
        contact = _contact(parsed, where)
        result.warnings += _missing_rows(session, where, groups.get((economy, form.year), []), economy, form.year)
        record.economy_id, record.year, record.form_id = economy.id, form.year, form.id
        result.economy, result.year = economy.code, form.year
    else:
        groups = _plan(session, where, parsed)
        lock_economies(session, [group_economy.id for group_economy, _ in groups])
    session.add(record)
    session.flush()
    source = f"import {name}"
    for (group_economy, year), updates in groups.items():
        carried = carried_forward(session, group_economy.id, year) if form is not None else None
        for outcome in record_entries(session, group_economy, year, [(i, v) for i, v, _ in updates], source,
                                      record.id, erase=True, carried=carried):
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


def _came_with(origin: MailOrigin | None) -> dict:
    """A result's fields saying which message a workbook came attached to (none for a file)."""
    return {"sender": origin.sender, "sent_at": origin.sent_at, "message": origin.message} if origin else {}


def _check_and_apply(session: Session, name: str, digest: str, parsed: _Parsed, force: bool,
                     status: str, origin: MailOrigin | None = None) -> FileResult:
    """One attempt at the import's transaction. The same file imported at the same moment by
    someone else takes its SHA-256 first; the store then runs this again, and it says so."""
    earlier = session.scalar(select(Import).where(Import.sha256 == digest))
    if earlier is not None:
        undone = " It was undone since; to apply it again, undo that undo (see `tracker imports list`)." \
            if earlier.id in undone_ids(session) else ""
        return FileResult(name, "already imported", earlier.kind, problems=[
            f"{name} was already imported on {earlier.imported_at:%Y-%m-%d %H:%M} UTC "
            f"(as {earlier.file_name}, import {earlier.id}); nothing changed.{undone}"
        ], **_came_with(origin))
    result = FileResult(name, status, parsed.kind, **_came_with(origin))
    _apply(session, name, digest, parsed, force, result, origin)
    return result


#: What is imported: a workbook's path, a workbook attached to a message, or the result already
#: known for what cannot be imported (skipped or refused).
Source = Path | Attachment | FileResult


def _origin(source: Path | Attachment) -> MailOrigin | None:
    return source.origin if isinstance(source, Attachment) else None


def _shown_name(source: Path | Attachment) -> str:
    return source.name if isinstance(source, Attachment) else escaped(source.name)


def _read_one(source: Path | Attachment) -> tuple[str, str, _Parsed]:
    """A file's name (escaped: ``text.escaped``, as it is stored and shown), the SHA-256 of its
    bytes and its sheet, read whole (refused when too large). An attachment's bytes are in hand."""
    if isinstance(source, Attachment):
        return source.name, hashlib.sha256(source.data).hexdigest(), read_workbook(source.name, source.data)
    path = source
    name = escaped(path.name)
    if path.exists() and not path.is_file():
        raise Refused(f"{path} is not a file (a device, such as /dev/null, or a pipe): give a workbook (.xlsx) "
                      "or a folder of them.")
    if not path.is_file():
        raise Refused(f"{path}: no such file or folder.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise Refused(f"{name} is over {MAX_FILE_BYTES // 1_000_000} MB; a form is far smaller. It was not read.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    return name, hashlib.sha256(data).hexdigest(), read_workbook(name, data)


def _refusal(source: Path | Attachment, exc: Refused | FileRefused) -> FileResult:
    problems = exc.problems if isinstance(exc, FileRefused) else [str(exc)]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        problems = problems[:MAX_PROBLEMS_SHOWN] + [f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more."]
    return FileResult(_shown_name(source), "refused", problems=problems, **_came_with(_origin(source)))


def _import_one(store: Store, source: Path | Attachment, dry_run: bool, force: bool) -> FileResult:
    """Import one file: read it whole first, then check and apply it in one transaction."""
    try:
        name, digest, parsed = _read_one(source)
        status = "would apply" if dry_run else "applied"
        return store.run(_check_and_apply, name, digest, parsed, force, status, _origin(source), dry_run=dry_run)
    except (FileRefused, Refused) as exc:
        return _refusal(source, exc)


def _found_in_folder(path: Path) -> FileResult | None:
    """What becomes of a file found in a folder: None when it is a workbook to import, else the
    result that says why it is skipped (hidden files, Office lock files, folders) or refused."""
    name = escaped(path.name)
    if name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#")):
        return FileResult(name, "skipped", problems=[
            f"{name}: an Office lock file (a workbook is open in Excel or LibreOffice); skipped."])
    if name.startswith("."):
        return FileResult(name, "skipped", problems=[f"{name}: a hidden file; skipped."])
    if path.is_dir():
        return FileResult(name, "skipped", problems=[
            f"{name}: a folder; what it holds is not imported (name it to import it)."])
    suffix = path.suffix.lower()
    if suffix in (WORKBOOK_SUFFIX, MESSAGE_SUFFIX):
        return None
    return FileResult(name, "refused", problems=[
        f"{name}: " + OTHER_FORMATS.get(suffix, "not an Excel workbook (.xlsx), so it was not read.")])


def attached(found: Attachment | Unreadable) -> Attachment | FileResult:
    """A spreadsheet attached to a message: the workbook to import, or why it is refused."""
    if isinstance(found, Attachment):
        return found
    return FileResult(found.name, "refused", problems=[found.reason], **_came_with(found.origin))


def _opened(path: Path) -> list[Source]:
    """A file given or found: itself, or for an e-mail message (``.eml``) the workbooks attached to
    it, each imported as if it had been given on its own."""
    if path.suffix.lower() != MESSAGE_SUFFIX:
        return [path]
    try:
        return [attached(found) for found in message_file(path)]
    except Refused as exc:
        return [FileResult(escaped(path.name), "refused", problems=[str(exc)])]


def expand_paths(paths: Iterable[str]) -> list[Source]:
    """Files as given; a folder stands for every file in it, each either a workbook or message to
    import (``.xlsx``, ``.eml`` in any case) or the result saying why it is skipped or refused."""
    files: list[Source] = []
    for given in paths:
        path = Path(given)
        if not path.is_dir():
            files += _opened(path)
            continue
        try:
            found = sorted(path.iterdir())
        except OSError as exc:
            raise Refused(f"The folder {path} cannot be read: {exc.strerror or exc}.") from None
        verdicts = [(p, _found_in_folder(p)) for p in found]
        if not any(v is None or v.status == "refused" for _, v in verdicts):
            raise Refused(f"The folder {path} holds no .xlsx files (nor .eml messages).")
        for found_path, verdict in verdicts:
            files += _opened(found_path) if verdict is None else [verdict]
    return files


def import_files(
    store: Store,
    paths: Iterable[str],
    dry_run: bool = False,
    force: bool = False,
    progress: Callable[[Iterable], Iterable] = lambda files: files,
) -> list[FileResult]:
    """Import each file (or every .xlsx and .eml of a folder) on its own: applied whole, or not at
    all. Every other file of a folder is accounted for, skipped or refused."""
    return import_sources(store, expand_paths(paths), dry_run, force, progress)


def import_sources(
    store: Store,
    sources: list[Source],
    dry_run: bool = False,
    force: bool = False,
    progress: Callable[[Iterable], Iterable] = lambda files: files,
) -> list[FileResult]:
    """Import each workbook (a file, or attached to a message) on its own, as ``import_files``."""
    with store.kept_open(), _collector_past_what_is_loaded(len(sources)):
        return [
            source if isinstance(source, FileResult) else _import_one(store, source, dry_run, force)
            for source in progress(sources)
        ]


#: How many files an import takes before the loaded libraries are set aside from the collector:
#: more than a round of 21 economies returns.
FREEZE_FROM_FILES = 25


@contextmanager
def _collector_past_what_is_loaded(files: int):
    """Reading a folder of forms makes millions of short-lived objects, and each of Python's full
    garbage collections would rescan every object of the libraries already loaded: measured, a
    seventh of an import of 50 forms. For several files, those are set aside (``gc.freeze``)
    while the files are imported and handed back afterwards.

    Garbage is collected first, once: garbage set aside with the rest came back unseen by the
    collector's counts and piled up in a process that imports again and again (a million objects
    after 150 imports of one file in the test suite, ten seconds to collect at exit). A round's
    worth of files is imported without any of it: the one full collection cost more than it
    saved (measured: 21 forms of the APEC catalogue, 211 ms without, 246 ms with; more in a
    long-lived process such as the browser view's server, whose collection has more to scan)."""
    if files < FREEZE_FROM_FILES:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _PreviewOutdated(Exception):
    def __init__(self, results: list[FileResult]):
        self.results = results


def preview_fingerprint(results: list[FileResult]) -> str:
    """A digest of everything a preview shows, to tell whether applying would still do just that.

    An "already imported" file changes nothing, whatever its message says: that names the earlier
    import, whose id and time differ from run to run when it is an earlier file of the same batch."""
    shown = json.dumps([asdict(result) | ({"problems": []} if result.status == "already imported" else {})
                        for result in results], sort_keys=True, default=str)
    return hashlib.sha256(shown.encode()).hexdigest()


def _all_in_one(session: Session, files: list[Source], fingerprint: str | None) -> list[FileResult]:
    """Each file checked and applied in turn, each in a savepoint of one transaction (a refused
    file leaves nothing behind); with ``fingerprint``, refused whole unless the results are the
    ones previewed."""
    results = []
    for path in files:
        if isinstance(path, FileResult):
            results.append(path)
            continue
        try:
            name, digest, parsed = _read_one(path)
            with session.begin_nested():
                results.append(_check_and_apply(session, name, digest, parsed, False, "would apply", _origin(path)))
        except (FileRefused, Refused) as exc:
            results.append(_refusal(path, exc))
    if fingerprint is not None and preview_fingerprint(results) != fingerprint:
        raise _PreviewOutdated(results)
    return results


def preview_files(store: Store, paths: Iterable[str]) -> tuple[list[FileResult], str]:
    """What importing the files, in order, would do (``tracker import --dry-run``, each file seeing
    the ones before it, as applying them does), and its ``preview_fingerprint``."""
    results = store.run(_all_in_one, expand_paths(paths), None, dry_run=True)
    return results, preview_fingerprint(results)


def apply_previewed(store: Store, paths: Iterable[str], fingerprint: str) -> tuple[list[FileResult], str | None]:
    """Import the files exactly as previewed: in one transaction that is committed only if it does
    what the preview with ``fingerprint`` showed. Returns the results and ``None``; or, when the
    database changed since, nothing applied, the new preview and its fingerprint."""
    try:
        results = store.run(_all_in_one, expand_paths(paths), fingerprint)
    except _PreviewOutdated as outdated:
        return outdated.results, preview_fingerprint(outdated.results)
    for result in results:
        if result.status == "would apply":
            result.status = "applied"
    return results, None
