"""No leftovers: a report's or a form's temporary files (XlsxWriter's included) live in one folder
per run beside the destination; runs killed mid-write leave theirs, and the next run removes the
folders of runs no longer alive, so the destination and $TMPDIR then hold no file of ours."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracker.atomic import RUN_PREFIX, run_folder


def test_a_run_folder_of_a_dead_process_goes_and_a_living_ones_stays(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"{RUN_PREFIX}{dead.stdout.strip()}-abc").mkdir()
    living = tmp_path / f"{RUN_PREFIX}1-xyz"  # PID 1 is always alive
    living.mkdir()
    mine = tmp_path / "mine.txt"
    mine.write_text("not ours")
    with run_folder(tmp_path) as folder:
        assert folder.name.startswith(f"{RUN_PREFIX}{os.getpid()}-")
        import tempfile
        assert Path(tempfile.mkstemp()[1]).parent == folder
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([living.name, "mine.txt"])


def _killed_mid_write(command: list[str], destination: Path, environment: dict) -> bool:
    """Start ``command``; kill it as soon as its run folder holds a file; whether it was caught."""
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if any(any(folder.iterdir()) for folder in destination.glob(f"{RUN_PREFIX}*")):
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.005)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("what", ["report", "form"])
def test_killed_runs_and_one_more_leave_no_file_of_ours(tracker, store, tmp_path, what):
    if not store.target.endswith(".db"):
        pytest.skip("one database is enough: the files are the same on both")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    destination = tmp_path / "out"
    destination.mkdir()
    environment = os.environ | {"TMPDIR": str(temporary)}
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "implemented")
    arguments = (["report", "--year", "2008", "--force", "--out", str(destination / "progress-2008.xlsx")]
                 if what == "report" else ["form", "--year", "2008", "--out", str(destination)])
    command = [sys.executable, "-m", "tracker", "--db", store.target, *arguments]
    killed = sum(_killed_mid_write(command, destination, environment) for _ in range(4))
    assert killed >= 2, "the runs ended before they could be killed mid-write"
    assert list(destination.glob(f"{RUN_PREFIX}*")), "the killed runs left nothing to clean up"
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    names = {path.name for path in destination.iterdir()}
    if what == "report":
        assert names == {"progress-2008.xlsx"}
    else:
        assert len(names) == 21 and all(name.endswith("-2008.xlsx") for name in names)
    assert list(temporary.iterdir()) == []
