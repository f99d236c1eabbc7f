"""Benchmark: importing filled forms, against openpyxl read-only reading the values of the same files.

    python tests/benchmarks/import_benchmark.py                  # 50 forms of 500 items
    python tests/benchmarks/import_benchmark.py --economies 10 --items 100

Builds a synthetic SQLite store (one year of answers), writes the next year's form for every
economy, fills each one in (a new status and a sentence for every item, as openpyxl saves it),
then times, in this one run: the baseline (openpyxl read-only, values only, every sheet of every
file), the tracker's reading of the same files alone (``tracker.workbook.reader``), and the whole
``import_files`` of the folder (reading, checking and writing every entry). Prints the times and
the ratios to the baseline; the target for the import is 1.5x (stretch 1.0x).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]

from formtools import fill  # noqa: E402
from report_benchmark import FIRST_YEAR, build_store  # noqa: E402

ROUNDS = 3
STATUSES = ["Not started", "Planned", "In progress", "Partially implemented", "Implemented", "Not applicable"]


def write_filled_forms(database: Path, out: Path, year: int, items: int) -> list[Path]:
    from tracker.forms import FormRequest, write_forms
    from tracker.store import open_store

    store = open_store(str(database))
    with store.transaction() as session:
        paths = write_forms(session, year, [], out, FormRequest())
    store.engine.dispose()
    for number, path in enumerate(paths):
        fill(path, {f"R{i:04d}": {"Status": STATUSES[(i + number) % len(STATUSES)],
                                  "Measures undertaken": f"Measures taken in {year} on item {i}."}
                    for i in range(1, items + 1)})
    return paths


def read_with_openpyxl(paths: list[Path]) -> int:
    from openpyxl import load_workbook

    values = 0
    for path in paths:
        workbook = load_workbook(path, read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                values += len(row)
        workbook.close()
    return values


def read_with_tracker(paths: list[Path]) -> int:
    from tracker.workbook.reader import read_workbook

    return sum(len(read_workbook(path.name, path.read_bytes()).sheet.rows) for path in paths)


def best_of(function, paths: list[Path]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function(paths)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--economies", type=int, default=50)
    parser.add_argument("--items", type=int, default=500)
    args = parser.parse_args()

    from tracker.file_import import import_files
    from tracker.store import open_store

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database = folder / "bench.db"
        started = time.perf_counter()
        build_store(database, args.economies, args.items, 1)
        paths = write_filled_forms(database, folder / "forms", FIRST_YEAR + 1, args.items)
        print(f"{len(paths)} filled forms of {args.items} items written in {time.perf_counter() - started:.1f} s")

        baseline = best_of(read_with_openpyxl, paths)
        reading = best_of(read_with_tracker, paths)
        store = open_store(str(database))
        started = time.perf_counter()
        results = import_files(store, [str(folder / "forms")])
        importing = time.perf_counter() - started
        store.engine.dispose()
    refused = [r for r in results if not r.ok]
    if refused:
        raise SystemExit(f"{len(refused)} forms were refused: {refused[0].problems[:3]}")
    entries = sum(r.new + r.changed + r.unchanged for r in results)
    print(f"{len(results)} forms imported, {entries:,} entries: {sum(r.new for r in results):,} new, "
          f"{sum(r.changed for r in results):,} changed")
    print(f"{'':<34}{'seconds':>9}{'ratio':>8}")
    print(f"{'baseline: openpyxl read-only':<34}{baseline:>9.2f}{1:>8.2f}")
    print(f"{'tracker reading (best of 3)':<34}{reading:>9.2f}{reading / baseline:>8.2f}")
    print(f"{'tracker import (read, check, write)':<34}{importing:>9.2f}{importing / baseline:>8.2f}")
    ratio = importing / baseline
    print("import within target (1.5x)" if ratio <= 1.5 else "import OVER TARGET (1.5x)",
          "and stretch (1.0x)" if ratio <= 1.0 else "")


if __name__ == "__main__":
    main()
