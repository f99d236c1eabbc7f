"""``tracker demo``: a whole round on a separate, illustrative database, for a newcomer's first run.

The demo database is built from the real catalogue and economies; its entries are made up
(seeded, so every run gives the same data) and every sheet of its report says so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from openpyxl import load_workbook
from sqlalchemy import select

from tracker.atomic import refusal, replacing
from tracker.catalogue import items_for
from tracker.errors import Refused
from tracker.forms import FormRequest, write_forms
from tracker.file_import import FileResult, import_files
from tracker.initialise import initialise
from tracker.models import Economy, Setting
from tracker.progress import record_contact, record_entries
from tracker.kept_reports import write_report
from tracker.report import ILLUSTRATIVE_KEY
from tracker.status import LABELS
from tracker.store import Store
from tracker.workbook.layout import COLUMNS, CONTACT_LABELS, FORM_SHEET, HEADER_ROW

DEMO_DB = "demo.db"
RECORDED_YEARS = (2006, 2007)
ROUND_YEAR = 2008
RETURNED_FORMS = 15
SOURCE = "tracker demo (illustrative)"
MEASURES = [
    "Draft legislation circulated for public comment.",
    "Inter-agency working group established.",
    "National CERT staffed and operating around the clock.",
    "Awareness campaign run with industry associations.",
    "Training delivered to investigators and prosecutors.",
]


@dataclass
class DemoResult:
    database: Path
    forms: list[Path]
    imports: list[FileResult]
    report: Path


def _next_status(rng: random.Random, status: str | None) -> str:
    """A plausible next status: mostly the same or one step forward on the scale."""
    progression = ["not_started", "planned", "in_progress", "partial", "implemented"]
    if status is None:
        return rng.choices(progression + ["not_applicable"], weights=[3, 3, 3, 2, 2, 1])[0]
    if status == "not_applicable" or status == "implemented":
        return status
    step = rng.choices([0, 1, 2], weights=[4, 5, 1])[0]
    return progression[min(progression.index(status) + step, len(progression) - 1)]


def _record_years(store: Store, rng: random.Random) -> dict:
    """Record the first illustrative years directly; return the last status per (economy, ref)."""
    last: dict[tuple[str, str], str] = {}
    with store.transaction() as session:
        session.add(Setting(key=ILLUSTRATIVE_KEY, value="true"))
        economies = list(session.scalars(select(Economy).order_by(Economy.code)))
        for year in RECORDED_YEARS:
            items = items_for(session, year)
            for economy in economies:
                updates = []
                for item in items:
                    status = _next_status(rng, last.get((economy.code, item.ref)))
                    last[(economy.code, item.ref)] = status
                    values = {"status": status}
                    if status not in ("not_started", "not_applicable") and rng.random() < 0.4:
                        values["measures"] = rng.choice(MEASURES)
                    updates.append((item, values))
                record_entries(session, economy, year, updates, SOURCE)
                record_contact(session, economy, year, {"name": f"Focal point of {economy.name}"}, SOURCE)
    return last


def _fill_form(path: Path, rng: random.Random, last: dict, economy: str) -> None:
    """Type answers into a form as a focal point would, and save it."""
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    column = {title: index for index, (title, _, _) in enumerate(COLUMNS, start=1)}
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        ref = ws.cell(row=row, column=column["Ref"]).value
        if not ref:
            continue
        status = _next_status(rng, last.get((economy, ref)))
        ws.cell(row=row, column=column["Status"]).value = LABELS[status]
        if status in ("in_progress", "partial") and rng.random() < 0.5:
            ws.cell(row=row, column=column["Further measures planned"]).value = rng.choice(MEASURES)
            ws.cell(row=row, column=column["Timeframe"]).value = str(ROUND_YEAR + rng.randint(1, 3))
    for row in range(1, HEADER_ROW):
        if ws.cell(row=row, column=1).value == CONTACT_LABELS["email"]:
            ws.cell(row=row, column=2).value = f"focal.point@{economy.lower()}.example.org"
    with replacing(path, f"the filled-in form {path.name}") as temporary:
        wb.save(temporary)


def _no_progress(title: str) -> Callable[[Iterable], Iterable]:
    return lambda items: items


def run_demo(out_dir: Path, progress: Callable[[str], Callable[[Iterable], Iterable]] = _no_progress) -> DemoResult:
    """Build the demo database in ``out_dir`` with its 2006 and 2007 reports, run a round of forms
    for 2008, and write its report: every report kept as published, so the years can be published.

    ``progress(title)`` wraps each long step's items (the CLI shows a labelled bar per step)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise refusal("the demo", out_dir, exc) from None
    database = out_dir / DEMO_DB
    if database.exists():
        existing = Store(str(database))
        if existing.schema_state()[0] != "empty":
            with existing.transaction() as session:
                is_demo = session.get(Setting, ILLUSTRATIVE_KEY) is not None
            existing.engine.dispose()
            if not is_demo:
                raise Refused(f"{database} exists and is not a demo database; choose another --out folder.")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    store = Store(str(database))
    initialise(store)
    rng = random.Random(ROUND_YEAR)
    last = _record_years(store, rng)
    with store.transaction() as session:
        for year in RECORDED_YEARS:
            write_report(session, year, out_dir / f"progress-{year}.xlsx")

    forms_dir = out_dir / "forms" / str(ROUND_YEAR)
    with store.transaction() as session:
        forms = write_forms(session, ROUND_YEAR, [], forms_dir, FormRequest(return_to="the demo secretariat"),
                            progress("Writing the demo's forms"))
    returned = forms[:RETURNED_FORMS]
    for path in returned:
        _fill_form(path, rng, last, path.name.split("-")[0])
    imports = import_files(store, [str(p) for p in returned], progress=progress("Importing the filled forms"))

    report_path = out_dir / f"progress-{ROUND_YEAR}.xlsx"
    with store.transaction() as session:
        write_report(session, ROUND_YEAR, report_path)
    store.engine.dispose()
    return DemoResult(database, forms, imports, report_path)
