"""Output files written whole or not at all, and no file left behind by a run that dies.

A report, a form or a PDF is written in a folder of the run's own beside the destination
(``.tracker-run-PID-…``), and renamed over the destination only once it is complete, so a run
that fails or is killed half-way leaves the previous file as it was, and a reader never sees half
a workbook. While the file is written, the process's temporary files (XlsxWriter's among them)
go into that folder too. The folder is removed when the run ends; one left by a run that was
killed is removed by the next run that writes beside it, once no process has its PID. Any
operating-system error becomes one ``Refused`` message naming the path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tracker.errors import Refused
from tracker.text import escaped


def _reason(exc: OSError) -> str:
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        return "a file is in the way where a folder should be"
    return exc.strerror or str(exc)


def refusal(what: str, destination: Path, exc: OSError) -> Refused:
    """The one message for a failed write."""
    return Refused(f"Cannot write {what} to {escaped(destination)}: {_reason(exc)}.")


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


RUN_PREFIX = ".tracker-run-"
#: Held while the process's temporary folder points into a run's folder: one run at a time per
#: process sets it (the browser's report jobs are threads of one process).
_TEMPORARY_FOLDER = threading.RLock()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def sweep(folder: Path) -> None:
    """Remove the run folders in ``folder`` whose process is no longer alive."""
    try:
        leftovers = list(Path(folder).glob(f"{RUN_PREFIX}*"))
    except OSError:
        return
    for path in leftovers:
        pid = path.name[len(RUN_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def run_folder(beside: Path) -> Iterator[Path]:
    """A new folder of this run in ``beside`` (after sweeping the folders of dead runs there),
    holding the process's temporary files meanwhile, and removed with them at the end."""
    beside = Path(beside)
    sweep(beside)
    folder = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=beside))
    with _TEMPORARY_FOLDER:
        previous, tempfile.tempdir = tempfile.tempdir, str(folder)
        try:
            yield folder
        finally:
            tempfile.tempdir = previous
            shutil.rmtree(folder, ignore_errors=True)


def _through_a_copy(destination: Path, what: str) -> Iterator[Path]:
    with run_folder(Path(tempfile.gettempdir())) as folder:
        temporary = folder / destination.name
        yield temporary
        try:
            shutil.copyfile(temporary, destination)
        except OSError as exc:
            raise refusal(what, destination, exc) from None


@contextmanager
def replacing(destination: Path, what: str) -> Iterator[Path]:
    """Yield a temporary path in a run folder beside ``destination``; rename it into place if the
    block succeeds.

    ``what`` names the file in messages ("the report"). A destination that exists and is not a
    regular file (a device such as /dev/full) cannot be renamed over: the file is made in a run
    folder in the temporary folder and copied to it.
    """
    destination = Path(destination)
    if destination.exists() and not destination.is_file() and not destination.is_dir():
        yield from _through_a_copy(destination, what)
        return
    if destination.is_dir():
        raise Refused(f"Cannot write {what} to {escaped(destination)}: it is a folder; give a file name.")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with run_folder(destination.parent) as folder:
            temporary = folder / destination.name
            yield temporary
            os.chmod(temporary, destination.stat().st_mode & 0o777 if destination.exists() else _new_file_mode())
            os.replace(temporary, destination)
    except OSError as exc:
        raise refusal(what, destination, exc) from None
