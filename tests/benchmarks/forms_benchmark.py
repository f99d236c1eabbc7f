"""Benchmark: writing every economy's form for a year, against openpyxl writing the same cells unstyled.

    python tests/benchmarks/forms_benchmark.py                          # 200 economies x 500 items
    python tests/benchmarks/forms_benchmark.py --economies 40 --items 100

Builds a synthetic SQLite store (two years of entries, so forms are prefilled and say what was
carried forward), writes all forms for the last year (``tracker.forms.write_forms``), counts the
cells they hold, then writes as many workbooks holding the same number of cells with plain
openpyxl (the baseline). Each runs in a child process. The target (issue 7): the forms take at
most as long as the baseline.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from report_benchmark import build_store, peak_memory_kib

TARGET = 1.0


def run_forms(database: Path, year: int, out: Path) -> None:
    from tracker.forms import FormRequest, write_forms
    from tracker.store import open_store

    with open_store(str(database)).transaction() as session:
        write_forms(session, year, [], out, FormRequest())


def count_cells(folder: Path) -> list[int]:
    """Per form, the cells of its sheets."""
    counts = []
    for path in sorted(folder.glob("*.xlsx")):
        with zipfile.ZipFile(path) as archive:
            counts.append(sum(archive.read(n).count(b"<c ") for n in archive.namelist() if n.startswith("xl/worksheets/")))
    return counts


def run_baseline(counts: list[int], out: Path) -> None:
    from openpyxl import Workbook

    out.mkdir(parents=True, exist_ok=True)
    row = ["R0001", "Instrument 1", "Commitment number 1, in words.", "2004-12-31", "Planned (2001; carried forward)",
           "Planned", "Measures described in a sentence or two.", "More", "2012", "Needs", "A law"]
    for number, cells in enumerate(counts):
        wb = Workbook()
        ws = wb.active
        full_rows, rest = divmod(cells, len(row))
        for _ in range(full_rows):
            ws.append(row)
        if rest:
            ws.append(row[:rest])
        wb.save(out / f"F{number:03d}.xlsx")


def measure(args: list[str]) -> float:
    started = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{child.stderr}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--economies", type=int, default=200)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--store", type=Path, help="Keep the synthetic store in this file (reused if present).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each, alternated; the best of each counts.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "forms":
            run_forms(Path(rest[0]), int(rest[1]), Path(rest[2]))
        else:
            run_baseline([int(n) for n in rest[1].split(",")], Path(rest[0]))
        print(f"peak-kib={peak_memory_kib()}")
        return

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database = args.store or folder / "bench.db"
        if not database.exists():
            build_store(database, args.economies, args.items, 2)
        import sqlite3

        with sqlite3.connect(database) as connection:
            year = connection.execute("SELECT max(year) FROM entry").fetchone()[0]
        runs = []
        for _ in range(args.repeat):  # alternated, best of each: the machine is shared
            forms = measure(["--child", "forms", str(database), str(year), str(folder / "forms")])
            counts = count_cells(folder / "forms")
            runs.append((forms, measure(["--child", "baseline", str(folder / "baseline"), ",".join(map(str, counts))])))
        forms_time, baseline_time = min(r[0] for r in runs), min(r[1] for r in runs)
    print(f"forms: {len(counts)}, cells written: {sum(counts):,}")
    print(f"{'':<10}{'seconds':>10}")
    print(f"{'forms':<10}{forms_time:>10.1f}")
    print(f"{'baseline':<10}{baseline_time:>10.1f}")
    ratio = forms_time / baseline_time
    print(f"time ratio {ratio:.2f} (target <= {TARGET})")
    print("within target" if ratio <= TARGET else "OVER TARGET")


if __name__ == "__main__":
    main()
