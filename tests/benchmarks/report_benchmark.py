"""Benchmark: the progress report on a large synthetic store, against openpyxl's own speed.

    python tests/benchmarks/report_benchmark.py                 # 200 economies x 500 items x 10 years
    python tests/benchmarks/report_benchmark.py --economies 40 --items 100 --years 5

Builds a synthetic SQLite store, writes the report for the last year, then writes the same
number of cells with openpyxl write-only and no database (the baseline). Each runs in a child
process so its peak memory is its own. Prints every run's times and ratio, then the best time,
CPU time and peak memory of each and their ratios; the target (issue 7) is a report in at most
0.8x the baseline's time. The best of each is kept, each measured separately.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path

FIRST_YEAR = 2001
TARGET = 0.8
STATUSES = ["not_started", "planned", "in_progress", "partial", "implemented", "not_applicable"]


def build_store(path: Path, economies: int, items: int, years: int) -> None:
    from sqlalchemy import insert

    from tracker.models import Catalogue, Change, Economy, Entry, Instrument, Item
    from tracker.store import Store

    store = Store(str(path))
    store.upgrade()
    rng = random.Random(1)
    now = datetime(2026, 1, 1)
    last_year = FIRST_YEAR + years - 1
    with store.transaction() as session:
        session.execute(insert(Catalogue), [{"id": 1, "code": "bench", "title": "Benchmark", "version": "1", "loaded_at": now}])
        session.execute(insert(Instrument), [
            {"id": i, "catalogue_id": 1, "code": f"I{i}", "title": f"Instrument {i}", "body": "Ministers"} for i in range(1, 11)
        ])
        session.execute(insert(Item), [
            {"id": i, "ref": f"R{i:04d}", "instrument_id": 1 + i % 10, "text": f"Commitment number {i}, in words.",
             "text_kind": "summary", "category": f"Category {i % 7}", "first_year": FIRST_YEAR,
             "deadline": datetime(FIRST_YEAR + 3, 12, 31).date() if i % 5 == 0 else None, "position": i}
            for i in range(1, items + 1)
        ])
        session.execute(insert(Economy), [
            {"id": e, "code": f"E{e:03d}", "name": f"Economy {e}", "active": True} for e in range(1, economies + 1)
        ])
    entry_id = 0
    for year in range(FIRST_YEAR, last_year + 1):
        rows, changes = [], []
        for e in range(1, economies + 1):
            for i in range(1, items + 1):
                entry_id += 1
                status = rng.choice(STATUSES)
                rows.append({"id": entry_id, "economy_id": e, "item_id": i, "year": year, "status": status,
                             "measures": "Measures described in a sentence or two." if i % 3 == 0 else None,
                             "updated_at": now, "updated_by": "benchmark"})
                if year == last_year:
                    changes.append({"economy_id": e, "item_id": i, "year": year, "field": "status",
                                    "old_value": None, "new_value": status, "changed_at": now, "source": "benchmark"})
        with store.transaction() as session:
            session.execute(insert(Entry), rows)
            if changes:
                session.execute(insert(Change), changes)
    store.engine.dispose()


def _last_year(database: Path) -> int:
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT max(year) FROM entry").fetchone()[0]


def count_cells(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(
            archive.read(name).count(b"<c ")
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
        )


def run_report(database: Path, year: int, out: Path) -> None:
    from tracker.report import write_report
    from tracker.store import open_store

    with open_store(str(database)).transaction() as session:
        write_report(session, year, out)


def run_baseline(cells: int, out: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    # Every value is set: openpyxl skips empty cells, and the baseline must write ``cells`` cells.
    row = ["E001", "Economy 1", "R0001", "Commitment number 1, in words.", "Category 1", 2010, "Implemented",
           "Measures described in a sentence or two.", "Planned", "2012", "Needs", 0.5, datetime(2026, 1, 1)]
    full_rows, rest = divmod(cells, len(row))
    for _ in range(full_rows):
        ws.append(row)
    if rest:
        ws.append(row[:rest])
    wb.save(out)


def peak_memory_kib() -> int:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("cannot read peak memory from /proc/self/status")


def measure(args: list[str]) -> tuple[float, float, float]:
    """Run this script as a child with ``args``; return (seconds, CPU seconds, peak MiB) of that
    child alone. Its CPU time (user and system) moves much less than its wall time when other
    work shares the machine."""
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    elapsed, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{child.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return elapsed, cpu, int(child.stdout.split("peak-kib=")[1].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--economies", type=int, default=200)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--store", type=Path, help="Keep the synthetic store in this file (built if missing, "
                        "reused if present, for repeated runs of the same size).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each, alternated; the best of each counts.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "report":
            run_report(Path(rest[0]), int(rest[1]), Path(rest[2]))
        else:
            run_baseline(int(rest[0]), Path(rest[1]))
        print(f"peak-kib={peak_memory_kib()}")
        return

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database = args.store or folder / "bench.db"
        started = time.perf_counter()
        if database.exists():
            print(f"store: reusing {database} (built for its own size; the size options are ignored)")
        else:
            build_store(database, args.economies, args.items, args.years)
            print(f"store: {args.economies} economies x {args.items} items x {args.years} years "
                  f"({args.economies * args.items * args.years:,} entries) built in {time.perf_counter() - started:.1f} s")
        year = _last_year(database)
        runs = []
        for _ in range(args.repeat):  # alternated, best of each: the machine is shared
            report = measure(["--child", "report", str(database), str(year), str(folder / "report.xlsx")])
            cells = count_cells(folder / "report.xlsx")
            runs.append((report, measure(["--child", "baseline", str(cells), str(folder / "baseline.xlsx")])))
    best = [[min(run[side][measured] for run in runs) for measured in range(3)] for side in (0, 1)]
    (report_time, report_cpu, report_memory), (baseline_time, baseline_cpu, baseline_memory) = best
    print(f"cells written: {cells:,}")
    for number, (report, baseline) in enumerate(runs, start=1):
        print(f"run {number}: report {report[0]:.1f} s (CPU {report[1]:.1f} s), baseline {baseline[0]:.1f} s "
              f"(CPU {baseline[1]:.1f} s), ratio {report[0] / baseline[0]:.2f} (CPU {report[1] / baseline[1]:.2f})")
    print(f"{'best':<10}{'seconds':>10}{'CPU s':>10}{'peak MiB':>10}")
    print(f"{'report':<10}{report_time:>10.1f}{report_cpu:>10.1f}{report_memory:>10.0f}")
    print(f"{'baseline':<10}{baseline_time:>10.1f}{baseline_cpu:>10.1f}{baseline_memory:>10.0f}")
    ratio = report_time / baseline_time
    print(f"time ratio {ratio:.2f} (target <= {TARGET}; single runs {min(r[0][0] / r[1][0] for r in runs):.2f} to "
          f"{max(r[0][0] / r[1][0] for r in runs):.2f}), CPU ratio {report_cpu / baseline_cpu:.2f}, "
          f"memory ratio {report_memory / baseline_memory:.2f}")
    print("within target" if ratio <= TARGET else "OVER TARGET")


if __name__ == "__main__":
    main()
