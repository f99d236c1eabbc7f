"""Workbooks to PDF through LibreOffice, for a report that goes to print or to the web as is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tracker.atomic import replacing, run_folder
from tracker.errors import Refused

CONVERSION_SECONDS = 600


def to_pdf(workbook: Path) -> Path:
    """Write ``workbook``'s PDF beside it (same name, .pdf), whole or not at all."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    destination = workbook.with_suffix(".pdf")
    if soffice is None:
        raise Refused(f"No PDF written: LibreOffice (soffice) is not installed. The workbook {workbook} is "
                      "complete; install LibreOffice (Debian: libreoffice-calc-nogui) and run again with --pdf.")
    with run_folder(workbook.parent) as work:
        # A profile of its own, so a LibreOffice the user has open (or another run) does not block this one.
        command = [soffice, f"-env:UserInstallation={(work / 'profile').resolve().as_uri()}", "--headless",
                   "--convert-to", "pdf", "--outdir", str(work), str(workbook)]
        try:
            finished = subprocess.run(command, capture_output=True, text=True, timeout=CONVERSION_SECONDS)
        except subprocess.TimeoutExpired:
            raise Refused(f"No PDF written: LibreOffice took more than {CONVERSION_SECONDS} s on {workbook}.") from None
        made = work / f"{workbook.stem}.pdf"
        if finished.returncode != 0 or not made.exists():
            detail = (finished.stderr or finished.stdout).strip().splitlines()[-1:] or ["no output"]
            raise Refused(f"No PDF written: LibreOffice could not convert {workbook} ({detail[0]}).")
        with replacing(destination, "the PDF") as path:
            shutil.copyfile(made, path)
    return destination
