"""``tracker demo``: five yearly rounds on a separate, illustrative database, for a newcomer's first run.

The demo database is built from the real catalogue and economies and tells what makes reporting
year over year hard: rounds 2006 to 2010, economies returning some years and not others, the
catalogue's second version loaded before 2010 (a commitment reworded, one retired, new ones), a
wrong file imported and undone, a closed round reopened for a late return. Everything goes through
the library's functions, as the commands do. Its entries are made up (seeded, so every run gives
the same data) and every sheet of its reports says so; the only facts in them are public ones about
the Convention on Cybercrime: who signed it when, and the United States' ratification (``CONVENTION``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.atomic import refusal, replacing
from tracker.catalogue import built_in_path, items_for, load_catalogue, parse_catalogue
from tracker.errors import Refused
from tracker.file_import import FileResult, import_files
from tracker.forms import FormRequest, write_forms
from tracker.import_log import list_imports
from tracker.initialise import initialise, version_key
from tracker.models import Catalogue, Economy, Setting
from tracker.progress import record_contact, record_entries
from tracker.kept_reports import write_report
from tracker.report import ILLUSTRATIVE_KEY
from tracker.reviews import not_accepted, review_return
from tracker.rounds import close_round, open_round, reopen_round
from tracker.status import LABELS
from tracker.store import DATABASE_JOURNALS, Store
from tracker.text import escaped
from tracker.undo import undo_import
from tracker.workbook.layout import COLUMNS, CONTACT_LABELS, FIELD_LABELS, FORM_SHEET, HEADER_ROW

DEMO_DB = "demo.db"
YEARS = (2006, 2007, 2008, 2009, 2010)
FORM_YEARS = (2008, 2010)  # the years answered on forms; the others recorded as returns received otherwise
NEW_CATALOGUE_YEAR = 2010  # the catalogue's newest version is loaded before this year's round
REPORT_YEARS = YEARS  # each kept as published, so that the demo's five years can be published
ROUND_YEAR = YEARS[-1]  # the round the demo leaves open, for a newcomer to try
SOURCE = "tracker demo (illustrative)"
#: The economies with no return each year (illustrative); "late" ones return after the round closed.
ABSENT = {
    2006: ("BRN", "MEX", "PER", "PNG", "RUS", "VNM"),
    2007: ("BRN", "CHL", "PNG", "RUS"),
    2008: ("BRN", "IDN", "PER", "PHL", "PNG", "VNM"),
    2009: ("HKG", "MEX", "PNG", "RUS", "THA"),
    2010: ("BRN", "CHL", "MEX", "NZL", "RUS", "VNM"),
}
LATE = {2008: "PER"}
REOPEN_REASON = "Peru's return arrived after the round closed (illustrative)."
#: A focal point's draft, every status "Implemented", imported by mistake and undone (illustrative).
WRONG_FILE = (2008, "KOR")
#: Public facts: the Convention on Cybercrime was signed on 23 November 2001 by the United States,
#: Japan and Canada; the United States ratified it in 2006, in force on 1 January 2007. The statuses
#: given for them are the demo's reading, as illustrative as the rest.
CONVENTION_REF = "AMM05-1"
CONVENTION = {
    "USA": lambda year: ("partial", "Ratified the Convention on Cybercrime in 2006; in force from 1 January 2007.")
    if year < 2007 else ("implemented", "Party to the Convention on Cybercrime, in force since 1 January 2007."),
    "JPN": lambda year: ("in_progress", "Signed the Convention on Cybercrime on 23 November 2001; "
                                        "the legislation needed to accept it is in preparation."),
    "CAN": lambda year: ("in_progress", "Signed the Convention on Cybercrime on 23 November 2001; "
                                        "ratification under study."),
}
#: Capacity-building needs and offers (illustrative), by year, economy and commitment: in 2010 two
#: needs met by an offer, one need no one offers to meet, and one offer no one asked for; in 2008
#: one need met by an offer.
NEEDS_AND_OFFERS = {
    (2008, "THA", "LC02-3"): {"needs": "Training for the first staff of a national CERT."},
    (2008, "AUS", "LC02-3"): {"offers": "Places for CERT staff on our incident-handling course."},
    (2010, "PNG", "LC02-3"): {"needs": "Help to set up a national CERT: staffing plan and training."},
    (2010, "AUS", "LC02-3"): {"offers": "Staff exchange with our national CERT; incident-handling training."},
    (2010, "PER", "LC02-1"): {"needs": "Advice on drafting cybercrime legislation."},
    (2010, "JPN", "LC02-1"): {"offers": "Seminar for legislative drafters on cybercrime offences."},
    (2010, "IDN", "T5-2"): {"needs": "Training for prosecutors on electronic evidence."},
    (2010, "SGP", "CSS-3"): {"offers": "Public awareness campaign material, free to adapt."},
}
#: Measures that read well beside any commitment (illustrative).
MEASURES = [
    "Work plan agreed with the agencies concerned.",
    "Inter-agency working group established.",
    "Consultation held with industry and civil society.",
    "Budget allocated for the next steps.",
    "Officials trained; guidance published.",
]


@dataclass
class DemoResult:
    database: Path
    reports: list[Path]
    story: list[str] = field(default_factory=list)  # one line per year: what happened in the round
    forms: list[Path] = field(default_factory=list)  # the open round's forms, returned or not


def _next_status(rng: random.Random, status: str | None) -> str:
    """A plausible next status: mostly the same or one step forward on the scale, now and then one back."""
    progression = ["not_started", "planned", "in_progress", "partial", "implemented"]
    if status is None:
        return rng.choices(progression + ["not_applicable"], weights=[3, 3, 3, 2, 2, 1])[0]
    if status == "not_applicable" or status == "implemented":
        return status
    step = rng.choices([-1, 0, 1, 2], weights=[0.5, 4, 5, 1])[0]
    return progression[max(0, min(progression.index(status) + step, len(progression) - 1))]


def _answer(rng: random.Random, last: dict, economy: str, ref: str, year: int) -> dict:
    """The economy's illustrative answer for an item in ``year`` (a public fact where there is one)."""
    if ref == CONVENTION_REF and economy in CONVENTION:
        status, measures = CONVENTION[economy](year)
    else:
        status = _next_status(rng, last.get((economy, ref)))
        measures = rng.choice(MEASURES) if status not in ("not_started", "not_applicable") and rng.random() < 0.4 else None
    last[(economy, ref)] = status
    return {"status": status, **({"measures": measures} if measures else {}), **NEEDS_AND_OFFERS.get((year, economy, ref), {})}


def _accept_and_close(session: Session, year: int) -> None:
    """The secretariat's end of a round: every return reviewed and accepted, then the round closed."""
    for code, _state in not_accepted(session, year):
        review_return(session, code, year, "accepted", None, {}, SOURCE)
    close_round(session, year, SOURCE)


def _record_year(session: Session, year: int, rng: random.Random, last: dict) -> str:
    """Record the year's returns as received other than by form, and close the round."""
    open_round(session, year, date(year, 3, 31), SOURCE)
    items = items_for(session, year)
    economies = [e for e in session.scalars(select(Economy).order_by(Economy.code)) if e.code not in ABSENT[year]]
    for economy in economies:
        updates = [(item, _answer(rng, last, economy.code, item.ref, year)) for item in items]
        record_entries(session, economy, year, updates, SOURCE)
        record_contact(session, economy, year, {"name": f"Focal point of {economy.name}"}, SOURCE)
    _accept_and_close(session, year)
    return f"{year}: {len(economies)} economies returned (recorded by the secretariat); closed"


def _fill_form(path: Path, answers: Callable[[str], dict], economy: str) -> None:
    """Type answers into a form as a focal point would, and save it."""
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    column = {title: index for index, (title, _, _) in enumerate(COLUMNS, start=1)}
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        ref = ws.cell(row=row, column=column["Ref"]).value
        if not ref:
            continue
        for name, value in answers(ref).items():
            ws.cell(row=row, column=column[FIELD_LABELS[name]]).value = LABELS[value] if name == "status" else value
    for row in range(1, HEADER_ROW):
        if ws.cell(row=row, column=1).value == CONTACT_LABELS["email"]:
            ws.cell(row=row, column=2).value = f"focal.point@{economy.lower()}.example.org"
    with replacing(path, f"the filled-in form {path.name}") as temporary:
        wb.save(temporary)


def _forms(store: Store, year: int, codes: list[str], folder: Path, progress) -> list[Path]:
    with store.transaction() as session:
        open_round(session, year, date(year, 3, 31), SOURCE)
        # The folder is the demo's own (checked by _fresh_database): its earlier forms are replaced.
        return write_forms(session, year, codes, folder, FormRequest(return_to="the demo secretariat"),
                           progress(f"Writing the demo's {year} forms") if not codes else (lambda e: e), force=True)


def _returned_forms(store: Store, year: int, codes: list[str], rng, last, folder: Path,
                    progress) -> tuple[list[Path], list[FileResult]]:
    """Write the year's forms (for every economy, or those named), fill in those returned and
    import them: the forms written, and what each import did."""
    forms = {path.name.split("-")[0]: path for path in _forms(store, year, codes, folder, progress)}
    returned = codes or [code for code in forms if code not in ABSENT[year] and (year, code) != WRONG_FILE]
    for code in returned:
        _fill_form(forms[code], lambda ref, code=code: _answer(rng, last, code, ref, year), code)
    imported = import_files(store, [str(forms[code]) for code in returned], progress=progress(f"Importing the {year} forms"))
    return list(forms.values()), imported


def _wrong_file_undone(store: Store, year: int, economy: str, folder: Path) -> int:
    """Import the economy's draft (every status "Implemented") and undo it; return the import's id."""
    draft = folder / f"{economy}-{year}-draft.xlsx"
    draft.write_bytes((folder / f"{economy}-{year}.xlsx").read_bytes())
    _fill_form(draft, lambda ref: {"status": "implemented"}, economy)
    import_files(store, [str(draft)])
    with store.transaction() as session:
        wrong = next(row["id"] for row in reversed(list_imports(session)) if row["file"] == draft.name)
        undo_import(session, wrong, False, SOURCE)
    return wrong


def _form_year(store: Store, year: int, rng, last, folder: Path, progress) -> tuple[str, list[Path]]:
    """Forms out, returns in (a wrong file undone and a late return, where the story has them):
    what happened, and the forms written."""
    written, imported = _returned_forms(store, year, [], rng, last, folder, progress)
    applied = sum(result.status == "applied" for result in imported)
    line = f"{year}: {len(written)} forms written, {applied} filled in and imported"
    if year == WRONG_FILE[0]:
        wrong = _wrong_file_undone(store, year, WRONG_FILE[1], folder)
        _returned_forms(store, year, [WRONG_FILE[1]], rng, last, folder / "fresh", progress)
        line += f"; {WRONG_FILE[1]}'s draft imported by mistake, undone (import {wrong}), a fresh form sent and imported"
    if year in LATE:
        with store.transaction() as session:
            _accept_and_close(session, year)
        with store.transaction() as session:
            reopen_round(session, year, REOPEN_REASON, SOURCE)
        late = folder / f"{LATE[year]}-{year}.xlsx"
        _fill_form(late, lambda ref: _answer(rng, last, LATE[year], ref, year), LATE[year])
        import_files(store, [str(late)])
        with store.transaction() as session:
            _accept_and_close(session, year)
        line += f"; closed, reopened for {LATE[year]}'s late return, imported, closed again"
    return line + ("; the round is open" if year == ROUND_YEAR else ""), written


def newest_shipped_catalogue(session: Session) -> Path | None:
    """The newest version, among the catalogue files shipped beside the built-in one, of the
    catalogue the database holds, when it is newer than the loaded one."""
    loaded = session.scalar(select(Catalogue).order_by(Catalogue.id))
    newer = [(version_key(parsed.version), path) for path in sorted(built_in_path().parent.glob("*.catalogue"))
             for parsed in [parse_catalogue(path.read_text(encoding="utf-8"), path.name)]
             if parsed.code == loaded.code and version_key(parsed.version) > version_key(loaded.version)]
    return max(newer)[1] if newer else None


def _new_catalogue(session: Session) -> str:
    path = newest_shipped_catalogue(session)
    if path is None:
        return "no newer catalogue shipped"
    result = load_catalogue(session, path)
    return (f"catalogue {result.catalogue}@{result.version} loaded ({path.name}): added {', '.join(result.added)}; "
            f"reworded {', '.join(result.reworded)}; retired {', '.join(result.retired)}")


def _fresh_database(out_dir: Path) -> Store:
    """The demo's own database in ``out_dir``, made anew (refused when a database there is not a demo's)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise refusal("the demo", out_dir, exc) from None
    database = out_dir / DEMO_DB
    if not database.exists():
        for year in sorted({*FORM_YEARS, *REPORT_YEARS}):
            if (out_dir / f"progress-{year}.xlsx").exists() or any((out_dir / "forms" / str(year)).glob("*.xlsx")):
                raise Refused(f"{escaped(out_dir)} already holds a {year} report or forms that no demo wrote; "
                              "choose another --out folder.")
    if database.exists():
        existing = Store(str(database))
        if existing.schema_state()[0] != "empty":
            with existing.transaction() as session:
                is_demo = session.get(Setting, ILLUSTRATIVE_KEY) is not None
            existing.engine.dispose()
            if not is_demo:
                raise Refused(f"{database} exists and is not a demo database; choose another --out folder.")
        for journal in DATABASE_JOURNALS:
            Path(f"{database}{journal}").unlink(missing_ok=True)
    store = Store(str(database))
    initialise(store)
    with store.transaction() as session:
        session.add(Setting(key=ILLUSTRATIVE_KEY, value="true"))
    return store


def _no_progress(title: str) -> Callable[[Iterable], Iterable]:
    return lambda items: items


def run_demo(out_dir: Path, progress: Callable[[str], Callable[[Iterable], Iterable]] = _no_progress) -> DemoResult:
    """Build the demo database in ``out_dir``, run its rounds 2006 to 2010, and write and keep a
    report for each year.

    ``progress(title)`` wraps each long step's items (the CLI shows a labelled bar per step)."""
    store = _fresh_database(out_dir)
    result = DemoResult(out_dir / DEMO_DB, [])
    rng, last = random.Random(2008), {}
    for year in YEARS:
        if year == NEW_CATALOGUE_YEAR:
            with store.transaction() as session:
                result.story.append(f"{year - 1}-{year}: {_new_catalogue(session)}")
        if year in FORM_YEARS:
            line, result.forms = _form_year(store, year, rng, last, out_dir / "forms" / str(year), progress)
            result.story.append(line)
        else:
            with store.transaction() as session:
                result.story.append(_record_year(session, year, rng, last))
    for year in REPORT_YEARS:
        path = out_dir / f"progress-{year}.xlsx"
        with store.transaction() as session:
            write_report(session, year, path)
        result.reports.append(path)
    store.engine.dispose()
    return result
