"""The whole round, timed: every step of a year's work against a baseline measured in the same run.

    .venv/bin/python tests/benchmarks/run.py                       # 200 economies x 500 items x 10 years
    .venv/bin/python tests/benchmarks/run.py --economies 40 --items 100 --years 4
    .venv/bin/python tests/benchmarks/run.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Each size is run twice: at full size and at half size (half the economies, so half the entries),
to show how cost grows; the target is growth (full / half) at most 2.2 for every step. With
``--postgres`` the half size runs again on PostgreSQL, in a schema of its own that is dropped
afterwards, and its ratios to SQLite and to its own baseline are printed. The sizes advance in
lockstep: each step runs at every size back to back before the next step starts. Within a size,
each step and its baseline run in turn, three times for the long steps (``--repeat``) and five
for the short ones, and the fastest run of each counts; before each import the rows the last
one wrote are deleted.

Every step runs the ``tracker`` command in a child process (``tracker.cli.main``, as the installed
script does), and so does its baseline (the least a program must do for the same output); peak
memory is each child's own.

| step | baseline (same run) | target |
|---|---|---|
| init + catalogue load | SQLAlchemy Core inserting the same rows into tables made by ``create_all`` | - |
| forms | openpyxl write-only writing the same number of cells, unstyled, in as many files | 1.0 |
| import | openpyxl read-only reading every value of the same files | 1.5 |
| report | openpyxl write-only writing the same number of cells | 0.8 |
| summary | ``import sqlalchemy, click`` and the one counting query | - |
| show | ``python -c "import sqlalchemy, click"``; on PostgreSQL also its driver (``create_engine``) | 1.3 |
| --help, --version | ``python -c "import click"`` | 2.0 |

The synthetic store holds the built-in APEC catalogue and economies (``tracker init``) plus
synthetic ones up to the size asked for, and entries for every earlier year; the last year is the
round: forms are written, filled in (statuses changed in every third row), imported and reported.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

FIRST_YEAR = 2001
STATUSES = ["not_started", "planned", "in_progress", "partial", "implemented", "not_applicable"]
LABELS = ["Not started", "Planned", "In progress", "Partially implemented", "Implemented", "Not applicable"]
TARGETS = {"forms": 1.0, "import": 1.5, "report": 0.8, "show": 1.3, "--help": 2.0, "--version": 2.0}
GROWTH_TARGET = 2.2


@dataclass
class Timing:
    seconds: float
    peak_mib: float


#: Prepended to every child's code: at exit, the child prints its own peak resident memory
#: (VmHWM, which starts afresh at exec; a forked child's rusage would count the parent's pages).
PEAK = ("import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('peak-kib=' + next(l.split()[1] for l in open('/proc/self/status') "
        "if l.startswith('VmHWM')) + '\\n'))\n")


def tracker(*args: str) -> list[str]:
    """The ``tracker`` command, as the installed script runs it."""
    return python("import sys\nfrom tracker.cli import main\nsys.argv = ['tracker', *sys.argv[1:]]\nmain()", *args)


def timed(command: list[str]) -> Timing:
    """Run ``command`` (made by ``python``); return its wall time and its own peak resident memory."""
    started = time.perf_counter()
    child = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command[3:])} exited {child.returncode}:\n{child.stderr}")
    return Timing(elapsed, int(child.stderr.rsplit("peak-kib=", 1)[1].split()[0]) / 1024)


def fastest(step: Callable[[], Timing], baseline: Callable[[], Timing], repeat: int) -> tuple[Timing, Timing]:
    """The fastest of ``repeat`` runs of a step and of its baseline, run in turn, each baseline
    right after its step. This machine's speed drifts by a third over minutes: one run of each
    told more of the moment than of the code (the same import measured 1.2x and 1.9x its
    baseline in three pairs of runs within five minutes)."""
    runs = [(step(), baseline()) for _ in range(repeat)]
    return (min((run for run, _ in runs), key=lambda t: t.seconds),
            min((run for _, run in runs), key=lambda t: t.seconds))


def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", PEAK + code, *args]


def catalogue_text(items: int) -> str:
    lines = ["[catalogue]", "code: bench", "title: Benchmark commitments", "version: 1", ""]
    for i in range(1, 11):
        lines += [f"[instrument BENCH-{i}]", f"title: Benchmark instrument {i}", "body: Ministers", ""]
    for i in range(1, items + 1):
        lines += [f"[item B{i:04d}]", f"instrument: BENCH-{1 + i % 10}", f"category: Category {i % 7}",
                  "text-kind: summary", f"text: Commitment number {i}, described in a sentence of words.",
                  f"first-year: {FIRST_YEAR}", ""]
        if i % 5 == 0:
            lines.insert(-1, f"deadline: {FIRST_YEAR + 3}-12-31")
    return "\n".join(lines)


def add_economies_and_history(target: str, economies: int, years: int) -> None:
    """Setup, not timed: synthetic economies up to ``economies`` and entries for every earlier year."""
    from sqlalchemy import func, insert, select

    from tracker.models import Economy, Entry, Item
    from tracker.store import Store

    store = Store(target)
    rng = random.Random(1)
    now = datetime(2026, 1, 1)
    with store.transaction() as session:
        have = session.scalar(select(func.count()).select_from(Economy))
        if economies > have:
            session.execute(insert(Economy), [
                {"code": f"X{e:03d}", "name": f"Synthetic economy {e}", "active": True}
                for e in range(1, economies - have + 1)
            ])
    with store.transaction() as session:
        economy_ids = list(session.scalars(select(Economy.id)))
        item_ids = list(session.scalars(select(Item.id)))
    for year in range(FIRST_YEAR, FIRST_YEAR + years - 1):
        rows = [{"economy_id": e, "item_id": i, "year": year, "status": rng.choice(STATUSES),
                 "measures": "Measures described in a sentence or two." if i % 3 == 0 else None,
                 "updated_at": now, "updated_by": "benchmark"}
                for e in economy_ids for i in item_ids]
        with store.transaction() as session:
            session.execute(insert(Entry), rows)
    store.engine.dispose()
    settle(target)


def settle(target: str) -> None:
    """Setup, not timed: on PostgreSQL, ``VACUUM ANALYZE`` what setup wrote or deleted, as a
    server's autovacuum does in time (this machine's server runs with it off). Without it every
    import timed again ran on the dead rows of the ones before (244,600 dead entries after 20) and
    took longer each time: 3.7 s, then 4.8 s, for the same 50 forms."""
    from sqlalchemy import create_engine, text

    from tracker.store import sqlite_path

    if sqlite_path(target):
        return
    engine = create_engine(target, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE economy, item, entry, change, file_import, economy_return"))
    finally:
        engine.dispose()


def fill_forms(folder: Path) -> None:
    """Setup, not timed: type a status into every third row of every form, as focal points do."""
    from openpyxl import load_workbook

    from tracker.workbook.layout import FORM_SHEET, HEADER_ROW

    for number, path in enumerate(sorted(folder.glob("*.xlsx"))):
        wb = load_workbook(path)
        ws = wb[FORM_SHEET]
        titles = {cell.value: cell.column for cell in ws[HEADER_ROW]}
        for row in range(HEADER_ROW + 1, ws.max_row + 1):
            if (row + number) % 3 == 0:
                ws.cell(row=row, column=titles["Status"]).value = LABELS[(row + number) % len(LABELS)]
                ws.cell(row=row, column=titles["Measures undertaken"]).value = f"Measures typed in row {row}."
        wb.save(path)


def count_cells(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            total += sum(archive.read(n).count(b"<c ") for n in archive.namelist() if n.startswith("xl/worksheets/"))
    return total


BASELINE_WRITE = """
import sys
from datetime import datetime
from openpyxl import Workbook
cells, files, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
row = ["E001", "Economy 1", "R0001", "Commitment number 1, in words.", "Category 1", 2010, "Implemented",
       "Measures described in a sentence or two.", "Planned", "2012", "Needs", 0.5, datetime(2026, 1, 1)]
per_file = cells // files
for number in range(files):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    full_rows, rest = divmod(per_file, len(row))
    for _ in range(full_rows):
        ws.append(row)
    if rest:
        ws.append(row[:rest])
    wb.save(f"{out}/baseline-{number}.xlsx")
"""

BASELINE_READ = """
import sys
from pathlib import Path
from openpyxl import load_workbook
for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            pass
    wb.close()
"""

BASELINE_INIT = """
import sys
from datetime import datetime
from sqlalchemy import create_engine, insert
from tracker.models import Base, Catalogue, Economy, Instrument, Item
items, economies = int(sys.argv[2]), int(sys.argv[3])
engine = create_engine("sqlite:///" + sys.argv[1])
Base.metadata.create_all(engine)
now = datetime(2026, 1, 1)
with engine.begin() as connection:
    connection.execute(insert(Catalogue), [{"id": 1, "code": "b", "title": "B", "version": "1", "loaded_at": now}])
    connection.execute(insert(Instrument), [{"id": i, "catalogue_id": 1, "code": f"I{i}", "title": "T", "body": "B"}
                                            for i in range(1, 20)])
    connection.execute(insert(Item), [{"ref": f"R{i}", "instrument_id": 1, "text": "Commitment", "text_kind": "summary",
                                       "category": "C", "first_year": 2001, "position": i} for i in range(items)])
    connection.execute(insert(Economy), [{"code": f"E{e}", "name": f"Economy {e}", "active": True}
                                         for e in range(economies)])
"""

BASELINE_SUMMARY = """
import sys
import click
from sqlalchemy import create_engine, func, select
from tracker.models import Entry
engine = create_engine(sys.argv[1])
with engine.connect() as connection:
    rows = connection.execute(select(Entry.economy_id, Entry.status, func.count()).where(Entry.year == int(sys.argv[2]))
                              .group_by(Entry.economy_id, Entry.status)).all()
print(len(rows))
"""

#: ``show``'s baseline on a database server: what any program that reaches one loads besides
#: SQLAlchemy and click, the driver (psycopg imports asyncio, 60 ms) and SQLAlchemy's dialect for it.
BASELINE_SERVER = """
import sys
import click
from sqlalchemy import create_engine
create_engine(sys.argv[1])
"""


@contextmanager
def untimed_session(target: str):
    """One transaction on the store, for setup and checks that are not timed; closed after."""
    from tracker.store import Store

    store = Store(target)
    try:
        with store.transaction() as session:
            yield session
    finally:
        store.engine.dispose()


def forget_imports(target: str, year: int) -> None:
    """Setup, not timed: the store as it was before the round's forms came back, so that the
    import can be timed again on the same data (it had written only these rows)."""
    from sqlalchemy import delete

    from tracker.models import Change, Entry, Import, Return

    with untimed_session(target) as session:
        session.execute(delete(Change).where(Change.import_id.is_not(None)))
        session.execute(delete(Entry).where(Entry.year == year))
        session.execute(delete(Return).where(Return.year == year))
        session.execute(delete(Import))
    settle(target)


def round_rows(target: str, year: int) -> tuple[int, int]:
    """How many files are recorded as imported, and how many entries the round's year holds."""
    from sqlalchemy import func, select

    from tracker.models import Entry, Import

    with untimed_session(target) as session:
        return (session.scalar(select(func.count()).select_from(Import)),
                session.scalar(select(func.count()).select_from(Entry).where(Entry.year == year)))


def run_size(target: str, folder: Path, economies: int, items: int, years: int, sqlite_file: Path | None,
             repeat: int, results: dict) -> Iterator[None]:
    """Every step at one size, into ``results`` ({step: (timing, baseline timing)}), pausing after
    each; the long steps run ``repeat`` times, the short ones five times."""
    year = FIRST_YEAR + years - 1
    db = ["--db", target]
    (folder / "bench.catalogue").write_text(catalogue_text(items - 26), encoding="utf-8")

    init_time = timed(tracker(*db, "init"))
    load_time = timed(tracker(*db, "catalog", "load", str(folder / "bench.catalogue")))
    scratch = folder / "baseline-init.db"
    results["init + catalogue load"] = (
        Timing(init_time.seconds + load_time.seconds, max(init_time.peak_mib, load_time.peak_mib)),
        timed(python(BASELINE_INIT, str(scratch), str(items), str(economies))),
    )
    yield
    add_economies_and_history(target, economies, years)

    forms_dir, baseline_forms = folder / "forms", folder / "baseline-forms"
    baseline_forms.mkdir()

    def write_forms_baseline() -> Timing:
        paths = sorted(forms_dir.glob("*.xlsx"))
        return timed(python(BASELINE_WRITE, str(count_cells(paths)), str(len(paths)), str(baseline_forms)))

    results["forms"] = fastest(lambda: timed(tracker(*db, "form", "--year", str(year), "--out", str(forms_dir))),
                               write_forms_baseline, repeat)
    yield

    fill_forms(forms_dir)

    def import_forms() -> Timing:
        forget_imports(target, year)
        if round_rows(target, year) != (0, 0):
            raise SystemExit("the store still holds the last import's rows")
        timing = timed(tracker(*db, "import", str(forms_dir)))
        imports, entries = round_rows(target, year)
        if imports != len(list(forms_dir.glob("*.xlsx"))) or not entries:
            raise SystemExit("the import did not apply every form")
        return timing

    results["import"] = fastest(import_forms, lambda: timed(python(BASELINE_READ, str(forms_dir))), repeat)
    yield

    report, baseline_report = folder / "report.xlsx", folder / "baseline-report"
    baseline_report.mkdir()
    results["report"] = fastest(
        lambda: timed(tracker(*db, "report", "--year", str(year), "--out", str(report))),
        lambda: timed(python(BASELINE_WRITE, str(count_cells([report])), "1", str(baseline_report))), repeat)
    yield

    summary_target = f"sqlite:///{sqlite_file}" if sqlite_file else target
    results["summary"] = fastest(lambda: timed(tracker(*db, "summary", "--year", str(year), "--json")),
                                 lambda: timed(python(BASELINE_SUMMARY, summary_target, str(year))), 5)
    yield
    show_baseline = python("import sqlalchemy, click") if sqlite_file else python(BASELINE_SERVER, target)
    results["show"] = fastest(lambda: timed(tracker(*db, "show", "AUS", "--year", str(year))),
                              lambda: timed(show_baseline), 5)
    yield
    for option in ("--help", "--version"):
        results[option] = fastest(lambda: timed(tracker(option)), lambda: timed(python("import click")), 5)


def run_sqlite(economies: int, items: int, years: int, repeat: int, results: dict) -> Iterator[None]:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database = folder / "bench.db"
        yield from run_size(str(database), folder, economies, items, years, database, repeat, results)


def run_postgres(url: str, economies: int, items: int, years: int, repeat: int, results: dict) -> Iterator[None]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    target = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as folder:
            yield from run_size(target, Path(folder), economies, items, years, None, repeat, results)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def in_lockstep(legs: list[Iterator[None]]) -> None:
    """Run the sizes one step at a time, each step at every size back to back: this machine's
    speed drifts over minutes, and a half size run a quarter of an hour after the full size made
    the full / half column tell more of the drift than of the code."""
    while legs:
        legs = [leg for leg in legs if next(leg, StopIteration) is not StopIteration]


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def print_table(full: dict, half: dict, postgres: dict | None) -> bool:
    """The table; returns whether every target was met."""
    header = f"{'step':<24}{'time s':>8}{'base s':>8}{'ratio':>7}{'target':>7}{'peak MiB':>9}{'full/half':>10}"
    if postgres:
        header += f"{'PG/SQLite':>10}{'PG ratio':>9}"
    print(header)
    ok = True
    for step, (timing, baseline) in full.items():
        target = TARGETS.get(step)
        step_ratio = ratio(timing.seconds, baseline.seconds)
        growth = ratio(timing.seconds, half[step][0].seconds)
        met = (target is None or step_ratio <= target) and growth <= GROWTH_TARGET
        ok &= met
        line = (f"{step:<24}{timing.seconds:>8.2f}{baseline.seconds:>8.2f}{step_ratio:>7.2f}"
                f"{(f'{target:.1f}' if target else '-'):>7}{timing.peak_mib:>9.0f}{growth:>10.2f}")
        if postgres:
            on_postgres, its_baseline = postgres[step]
            line += (f"{ratio(on_postgres.seconds, half[step][0].seconds):>10.2f}"
                     f"{ratio(on_postgres.seconds, its_baseline.seconds):>9.2f}")
        print(line + ("" if met else "  OVER TARGET"))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--economies", type=int, default=200, help="at least 21 (the built-in APEC economies)")
    parser.add_argument("--items", type=int, default=500, help="at least 27 (the built-in catalogue has 26)")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--postgres", metavar="URL", help="also run the half size on this PostgreSQL database")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each long step (forms, import, report) and of its baseline; the fastest counts")
    args = parser.parse_args()
    if args.economies < 42 or args.items < 27 or args.years < 2:
        parser.error("give at least 42 economies (the half size must hold the 21 built-in ones), 27 items, 2 years")
    half = args.economies // 2
    print(f"full size: {args.economies} economies x {args.items} items x {args.years} years; "
          f"half size: {half} economies", flush=True)
    full_results, half_results, postgres_results = {}, {}, {} if args.postgres else None
    legs = [run_sqlite(args.economies, args.items, args.years, args.repeat, full_results),
            run_sqlite(half, args.items, args.years, args.repeat, half_results)]
    if args.postgres:
        legs.append(run_postgres(args.postgres, half, args.items, args.years, args.repeat, postgres_results))
    in_lockstep(legs)
    ok = print_table(full_results, half_results, postgres_results)
    print("every target met" if ok else "some targets missed (marked OVER TARGET)")


if __name__ == "__main__":
    main()
