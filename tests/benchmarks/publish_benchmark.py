"""Benchmark: the public site (``tracker publish``) of every year of a large synthetic store,
against the same command on a small one, to show that its time and size grow linearly with
economies x commitments x years.

    python tests/benchmarks/publish_benchmark.py                 # 200 economies x 500 items x 10 years
    python tests/benchmarks/publish_benchmark.py --economies 40 --items 100 --years 5

Builds the report benchmark's synthetic store (``report_benchmark.build_store``) at the size asked
for and at the baseline size (20 x 50 x 2 unless told), each with its history for every year (the
site is built from the data as of each year's kept report) and a report kept as published per
year (a small stand-in workbook: publishing copies its bytes whatever they are). Each publishes
in a child process, best of ``--repeat`` runs, alternated. Prints each one's time, CPU time, peak
memory and the site's size, then the ratios to the baseline beside the ratio of the work
(entries); the target is a size ratio and a CPU-time ratio within 1.5x of the work ratio
(linear growth, with room for the fixed costs of the small one and the shared machine).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from report_benchmark import build_store, peak_memory_kib

GROWTH_TARGET = 1.5
MOMENT = datetime(2026, 1, 2)


def keep_history_and_reports(database: Path) -> None:
    """Every entry's status and measures in the history (the benchmark store logs the last year
    only), and a report kept as published for every year, as of ``MOMENT``."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        last = connection.execute("SELECT max(year) FROM entry").fetchone()[0]
        for field in ("status", "measures"):
            connection.execute(
                f"INSERT INTO change (economy_id, item_id, year, field, old_value, new_value, changed_at, source, confirmed) "
                f"SELECT economy_id, item_id, year, '{field}', NULL, {field}, '2026-01-01 00:00:00.000000', 'benchmark', 0 "
                f"FROM entry WHERE {field} IS NOT NULL AND (year < ? OR '{field}' = 'measures')", (last,))
        for year, in connection.execute("SELECT DISTINCT year FROM entry ORDER BY year").fetchall():
            report = connection.execute(
                "INSERT INTO report_log (file_name, sha256, year, as_of, written_at) VALUES (?, ?, ?, ?, ?)",
                (f"/reports/progress-{year}.xlsx", "0" * 64, year, MOMENT.isoformat(" "), MOMENT.isoformat(" "))).lastrowid
            connection.execute("INSERT INTO kept_report_file (report_id, kind, sha256, content) VALUES (?, 'workbook', ?, ?)",
                               (report, "0" * 64, b"stand-in workbook " * 1000))


def run_publish(database: Path, out: Path) -> None:
    from tracker.publish import publish_site
    from tracker.store import open_store

    with open_store(str(database)).transaction() as session:
        from sqlalchemy import text

        first, last = session.execute(text("SELECT min(year), max(year) FROM entry")).one()
        publish_site(session, last, out, (first, last))


def measure(database: Path, out: Path) -> tuple[float, float, float, int]:
    """(seconds, CPU seconds, peak MiB, site bytes) of one publishing in a child process."""
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.run([sys.executable, __file__, "--child", str(database), str(out)], capture_output=True, text=True)
    elapsed, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode != 0:
        raise SystemExit(f"publishing failed:\n{child.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return elapsed, cpu, int(child.stdout.split("peak-kib=")[1].split()[0]) / 1024, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--economies", type=int, default=200)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--baseline", type=int, nargs=3, default=(20, 50, 2), metavar=("E", "I", "Y"))
    parser.add_argument("--repeat", type=int, default=2, help="Runs of each, alternated; the best of each counts.")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_publish(Path(args.child[0]), Path(args.child[1]))
        print(f"peak-kib={peak_memory_kib()}")
        return
    sizes = {"baseline": tuple(args.baseline), "site": (args.economies, args.items, args.years)}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for name, (economies, items, years) in sizes.items():
            started = time.perf_counter()
            build_store(folder / f"{name}.db", economies, items, years)
            keep_history_and_reports(folder / f"{name}.db")
            print(f"{name} store: {economies} x {items} x {years} built in {time.perf_counter() - started:.1f} s")
        runs = {name: [] for name in sizes}
        for _ in range(args.repeat):
            for name in sizes:
                runs[name].append(measure(folder / f"{name}.db", folder / f"{name}-site"))
    best = {name: [min(run[i] for run in runs[name]) for i in range(4)] for name in sizes}
    print(f"{'best':<10}{'entries':>12}{'seconds':>10}{'CPU s':>10}{'peak MiB':>10}{'site MB':>10}")
    for name, (economies, items, years) in sizes.items():
        seconds, cpu, memory, size = best[name]
        print(f"{name:<10}{economies * items * years:>12,}{seconds:>10.1f}{cpu:>10.1f}{memory:>10.0f}{size / 1e6:>10.1f}")
    work = (lambda e, i, y: e * i * y)(*sizes["site"]) / (lambda e, i, y: e * i * y)(*sizes["baseline"])
    site, baseline = best["site"], best["baseline"]
    time_ratio, cpu_ratio, size_ratio = site[0] / baseline[0], site[1] / baseline[1], site[3] / baseline[3]
    print(f"work ratio {work:.0f}: time ratio {time_ratio:.0f}, CPU ratio {cpu_ratio:.0f}, size ratio {size_ratio:.0f} "
          f"(size per entry {site[3] / baseline[3] / work:.2f}x the baseline's, CPU per entry {cpu_ratio / work:.2f}x)")
    linear = size_ratio <= GROWTH_TARGET * work and cpu_ratio <= GROWTH_TARGET * work
    print("linear: within target" if linear else f"OVER TARGET (more than {GROWTH_TARGET}x the work ratio)")


if __name__ == "__main__":
    main()
