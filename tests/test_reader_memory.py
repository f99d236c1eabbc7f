"""Memory is bounded by what is read: hostile files of a form's size, each read in a subprocess
of its own whose peak resident memory (VmHWM, which, unlike ru_maxrss, does not count the
memory of the process it was forked from) is measured, cost under 200 MB."""

from __future__ import annotations

import random
import subprocess
import sys


from handmade import parts, table_rows, zipped

LIMIT_MB = 200
MEASURE = """
import sys
from tracker.errors import Refused
from tracker.workbook.reader import read_workbook
data = open(sys.argv[1], "rb").read()
try:
    read_workbook("attack.xlsx", data)
    print("read")
except Refused as exc:
    print(str(exc).splitlines()[0])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(int(peak.split()[1]) // 1024)
"""


def _peak(tmp_path, members) -> tuple[str, int]:
    path = tmp_path / "attack.xlsx"
    path.write_bytes(zipped(members))
    assert path.stat().st_size < 20 * 1024 * 1024, "the attack must pass as a form-sized file"
    result = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True)
    outcome, peak = result.stdout.strip().splitlines()
    return outcome, int(peak)


def test_a_sheet_of_every_column_costs_only_the_columns_read(tmp_path):
    rng = random.Random(1)
    row = "".join(f"<c><v>{rng.choice('0123456789')}</v></c>" for _ in range(16_384))
    rows = "".join(f'<row r="{n}">{row}</row>' for n in range(3, 153))
    outcome, peak = _peak(tmp_path, parts(table_rows("", extra_rows=rows)))
    assert peak < LIMIT_MB, f"{peak} MB ({outcome})"


def test_millions_of_shared_strings_are_refused_within_bounded_memory(tmp_path):
    rng = random.Random(2)
    letters = "abcdefghijklmnopqrstuvwxyz"
    strings = "".join(f"<si><t>{rng.choice(letters)}{rng.choice(letters)}</t></si>" for _ in range(2_000_000))
    outcome, peak = _peak(tmp_path, parts(table_rows(""), shared_strings=strings))
    assert "holds more than 1,000,000 texts" in outcome
    assert peak < LIMIT_MB, f"{peak} MB ({outcome})"
