"""Output files written whole or not at all.

A report, a form or a PDF is written to a temporary file in the destination's own folder and
renamed over the destination only once it is complete, so a run that fails or is killed
half-way leaves the previous file as it was, and a reader never sees half a workbook. The
temporary file is removed on every error path. Any operating-system error becomes one
``Refused`` message naming the path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from tracker.errors import Refused


def _reason(exc: OSError) -> str:
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        return "a file is in the way where a folder should be"
    return exc.strerror or str(exc)


def refusal(what: str, destination: Path, exc: OSError) -> Refused:
    """The one message for a failed write."""
    return Refused(f"Cannot write {what} to {destination}: {_reason(exc)}.")


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _through_a_copy(destination: Path, what: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tracker-") as folder:
        temporary = Path(folder) / destination.name
        yield temporary
        try:
            shutil.copyfile(temporary, destination)
        except OSError as exc:
            raise refusal(what, destination, exc) from None


@contextmanager
def replacing(destination: Path, what: str) -> Iterator[Path]:
    """Yield a temporary path beside ``destination``; rename it into place if the block succeeds.

    ``what`` names the file in messages ("the report"). A destination that exists and is not a
    regular file (a device such as /dev/full) cannot be renamed over: the file is made in the
    temporary folder and copied to it.
    """
    destination = Path(destination)
    if destination.exists() and not destination.is_file() and not destination.is_dir():
        yield from _through_a_copy(destination, what)
        return
    if destination.is_dir():
        raise Refused(f"Cannot write {what} to {destination}: it is a folder; give a file name.")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
        os.close(handle)
    except OSError as exc:
        raise refusal(what, destination, exc) from None
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, destination.stat().st_mode & 0o777 if destination.exists() else _new_file_mode())
        os.replace(temporary, destination)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise refusal(what, destination, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
