"""Reports, forms and the demo are written whole or not at all, and a write error is one message."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracker.atomic import replacing
from tracker.errors import Refused


def test_a_writer_that_fails_half_way_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the previous report")
    with pytest.raises(RuntimeError):
        with replacing(target, "the report") as temporary:
            temporary.write_bytes(b"half a rep")
            raise RuntimeError("the writer broke")
    assert target.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_a_complete_write_replaces_the_file_with_ordinary_permissions(tmp_path):
    target = tmp_path / "new" / "report.xlsx"
    with replacing(target, "the report") as temporary:
        assert temporary.parent.parent == target.parent and temporary.parent.name.startswith(".tracker-run-")
        temporary.write_bytes(b"complete")
    assert target.read_bytes() == b"complete"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["report.xlsx"]


def test_an_os_error_becomes_one_message_and_cleans_up(tmp_path):
    target = tmp_path / "report.xlsx"
    with pytest.raises(Refused, match=r"Cannot write the report to .*report.xlsx: No space left on device"):
        with replacing(target, "the report") as temporary:
            temporary.write_bytes(b"x")
            raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []


CHILD = """
import sys, time
from pathlib import Path
from tracker.atomic import replacing
with replacing(Path(sys.argv[1]), "the report") as temporary:
    with open(temporary, "wb") as handle:
        handle.write(b"PK half of a workbook")
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)
"""


def test_a_run_killed_mid_write_leaves_the_previous_workbook_valid(tracker, tmp_path):
    target = tmp_path / "report.xlsx"
    tracker("report", "--year", "2008", "--out", str(target))
    before = target.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(target)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert target.read_bytes() == before
    assert load_workbook(target, read_only=True).sheetnames[0] == "Cover"


def run_tracker(*args, cwd):
    """The real command in a child process, so stray output on standard error would show."""
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_disk_full_is_one_message_without_noise(store, tmp_path):
    result = run_tracker("--db", store.target, "report", "--year", "2008", "--out", "/dev/full", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: Cannot write the report to /dev/full: No space left on device."
    assert result.stdout == ""


def test_a_file_where_a_folder_should_be(tracker, tmp_path):
    blocker = tmp_path / "some.db"
    blocker.write_text("a file")
    output = tracker("report", "--year", "2008", "--out", str(blocker / "r.xlsx"), expect=1).output
    assert f"Cannot write the report to {blocker / 'r.xlsx'}: a file is in the way where a folder should be." in output
    output = tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(blocker / "forms"), expect=1).output
    assert f"Cannot write the form for JPN to {blocker / 'forms' / 'JPN-2008.xlsx'}" in output
    assert "is a directory" in tracker("report", "--year", "2008", "--out", str(tmp_path), expect=2).output
    with pytest.raises(Refused, match="it is a folder"):
        with replacing(tmp_path, "the report"):
            pass
    assert blocker.read_text() == "a file"


def test_demo_into_a_file_path_is_one_message(tmp_path):
    from conftest import Tracker

    blocker = tmp_path / "some.db"
    blocker.write_text("a file")
    output = Tracker(str(tmp_path / "unused.db"))("demo", "--out", str(blocker / "demo"), expect=1).output
    assert f"Cannot write the demo to {blocker / 'demo'}: a file is in the way" in output


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_no_permission_is_one_message(tracker, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        output = tracker("report", "--year", "2008", "--out", str(locked / "r.xlsx"), expect=1).output
    finally:
        locked.chmod(0o700)
    assert f"Cannot write the report to {locked / 'r.xlsx'}: Permission denied." in output
    assert list(locked.iterdir()) == []


def test_a_failing_report_keeps_the_previous_one(tracker, tmp_path, monkeypatch):
    target = tmp_path / "report.xlsx"
    tracker("report", "--year", "2008", "--out", str(target))
    before = target.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tracker.report.write_about", broken)
    output = tracker("report", "--year", "2008", "--out", str(target), "--force", expect=1).output
    assert "Cannot write the report to" in output and "No space left on device" in output
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("tracker.db")] == ["report.xlsx"]


def test_form_never_writes_over_a_file_it_did_not_write_unless_forced(tracker, tmp_path):
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "JPN-2008.xlsx").write_text("someone's own file")
    output = tracker("form", "--year", "2008", "--out", str(folder), expect=1).output
    assert f"{folder / 'JPN-2008.xlsx'} already exists and tracker did not write it as JPN's 2008 form" in output
    assert "add --force to replace it" in output
    assert [p.name for p in folder.iterdir()] == ["JPN-2008.xlsx"]  # no form written, not even the others
    assert (folder / "JPN-2008.xlsx").read_text() == "someone's own file"
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(folder), "--force")
    assert load_workbook(folder / "JPN-2008.xlsx").sheetnames


def test_form_replaces_its_own_unchanged_form_but_not_one_changed_since(tracker, tmp_path):
    folder = tmp_path / "forms"
    tracker("form", "--year", "2008", "--economy", "JPN", "--economy", "AUS", "--out", str(folder))
    tracker("form", "--year", "2008", "--economy", "JPN", "--economy", "AUS", "--out", str(folder))
    changed = folder / "AUS-2008.xlsx"
    later = changed.stat().st_mtime + 300
    os.utime(changed, (later, later))  # saved by someone five minutes after tracker wrote it
    before = changed.read_bytes()
    output = tracker("form", "--year", "2008", "--economy", "JPN", "--economy", "AUS", "--out", str(folder), expect=1).output
    assert "AUS-2008.xlsx already exists and it was changed after tracker wrote it" in output
    assert "may hold answers not imported yet (import it first)" in output
    assert changed.read_bytes() == before
    tracker("import", str(changed))
    tracker("form", "--year", "2008", "--economy", "JPN", "--economy", "AUS", "--out", str(folder))
    assert changed.read_bytes() != before


def test_demo_never_writes_over_forms_or_a_report_no_demo_wrote(tmp_path):
    from conftest import Tracker

    forms = tmp_path / "reports" / "forms" / "2008"
    forms.mkdir(parents=True)
    (forms / "JPN-2008.xlsx").write_text("a real return")
    output = Tracker(str(tmp_path / "unused.db"))("demo", "--out", str(tmp_path / "reports"), expect=1).output
    assert "already holds a 2008 report or forms that no demo wrote; choose another --out folder." in output
    assert (forms / "JPN-2008.xlsx").read_text() == "a real return"


def test_form_never_writes_over_the_database_even_with_force(tmp_path):
    from conftest import Tracker

    database = tmp_path / "JPN-2008.xlsx"
    tracker = Tracker(str(database))
    tracker("init")
    output = tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(tmp_path), "--force", expect=1).output
    assert f"{database} is the database itself: writing a form there would destroy it." in output
    assert "No problems found" in tracker("check").output
