"""Reports kept as published: every report written, its workbook and its PDF, byte for byte.

A report's file on disk can be written over, edited or removed, and the log of reports
(``reports_log``) would then name a SHA-256 that no file has any more. So the bytes themselves
are kept in the database, in the transaction that logs the report, and what
``tracker reports list``, ``tracker reports get`` and ``/reports`` give is exactly the file whose
SHA-256 they list. Writing a year again adds a report; nothing here updates or deletes one.
(``check`` verifies every kept file against its SHA-256.)

Here too is the one rule for where a report (or a copy of a kept one) may be written: never over
the database or its journals, over an existing file only when asked (``force``), and only under a
name that ends in the file's own suffix.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import report, reports_log
from tracker.report.data import known_year
from tracker.atomic import replacing
from tracker.errors import Refused
from tracker.models import KeptReportFile, ReportLog
from tracker.store import database_files
from tracker.text import escaped

SUFFIXES = {"workbook": ".xlsx", "pdf": ".pdf"}


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _kept_as(session: Session, path: Path) -> int | None:
    """The report whose kept file has ``path``'s bytes, if any."""
    try:
        digest = _digest(path.read_bytes())
    except OSError:
        return None
    return session.scalar(select(KeptReportFile.report_id).where(KeptReportFile.sha256 == digest).limit(1))


def check_destination(session: Session, destination: Path, kind: str, force: bool) -> None:
    """Refuse to write a ``kind`` file at ``destination`` when that would destroy something:
    the database (never), an existing file (unless ``force``), or a name whose suffix would
    make the file open as something else."""
    suffix = SUFFIXES[kind]
    shown = escaped(destination)
    if destination.exists() and not destination.is_file() and not destination.is_dir():
        return  # a device or a pipe, such as /dev/stdout: written through, nothing on disk replaced
    if destination.suffix.lower() != suffix:
        raise Refused(f"{shown} does not end in {suffix}, and the file is a{' PDF' if kind == 'pdf' else 'n Excel workbook'}: "
                      f"give a name that ends in {suffix}, such as progress-2008{suffix}.")
    if destination.resolve() in database_files(session):
        raise Refused(f"{shown} is the database itself (or its journal): writing there would destroy it. "
                      "Give another file name.")
    if destination.exists() and not destination.is_dir() and not force:
        kept = _kept_as(session, destination)
        what = (f"it is report {kept} as published, kept in the database (`tracker reports get {kept}` gives it back)"
                if kept else "tracker did not write it, or it changed since")
        raise Refused(f"{shown} already exists ({what}): give another file name, or add --force to replace it.")


def free_destination(folder: Path, year: int, taken: set[Path] = frozenset()) -> Path:
    """``folder/progress-YEAR.xlsx``, or ``progress-YEAR-2.xlsx`` and so on when a report (or its
    PDF) is already there or ``taken``: each report written gets a file of its own."""
    number = 1
    while True:
        path = folder / (f"progress-{year}.xlsx" if number == 1 else f"progress-{year}-{number}.xlsx")
        if path not in taken and not path.exists() and not path.with_suffix(".pdf").exists():
            return path
        number += 1


def keep_file(session: Session, report_id: int, kind: str, path: Path) -> None:
    """Keep the bytes of ``path`` as report ``report_id``'s ``kind`` file. The workbook must be
    the one the log names (another run may have replaced it since): else nothing is kept."""
    content = path.read_bytes()
    digest = _digest(content)
    logged = session.get(ReportLog, report_id)
    if kind == "workbook" and logged.sha256 != digest:
        raise Refused(f"{escaped(path)} changed while the report was written (another run wrote the same file?); "
                      "nothing was kept. Write the report again.")
    session.add(KeptReportFile(report_id=report_id, kind=kind, sha256=digest, content=content))
    session.flush()


def check_report_destination(session: Session, year: int, destination: Path, pdf: bool, force: bool) -> None:
    """Before a report is written, in a transaction of its own: the year first (a report that
    cannot be written says so whatever the destination), then the workbook's and the PDF's
    destinations (``check_destination``). Not in ``write_report``'s transaction: a retry of that
    one would find the file it had just written and refuse it."""
    known_year(session, year)
    check_destination(session, destination, "workbook", force)
    if pdf:
        check_destination(session, destination.with_suffix(".pdf"), "pdf", force)


def write_report(session: Session, year: int, destination: Path, pdf: bool = False,
                 as_of: datetime | None = None) -> tuple[report.ReportData, int]:
    """``report.write_report``, then its files kept: the report's data and its id in ``tracker
    reports list``. A destination chosen by the user is checked first (``check_report_destination``)."""
    data = report.write_report(session, year, destination, pdf, as_of)
    report_id = session.scalar(select(ReportLog.id).where(ReportLog.file_name == str(destination.resolve()))
                               .order_by(ReportLog.id.desc()).limit(1))
    keep_file(session, report_id, "workbook", destination)
    if pdf:
        keep_file(session, report_id, "pdf", destination.with_suffix(".pdf"))
    return data, report_id


def list_reports(session: Session) -> list[dict]:
    """Every report written, oldest first, with the SHA-256 of each file kept (``kept``: kind →
    SHA-256; empty for a report written before reports were kept)."""
    kept: dict[int, dict[str, str]] = {}
    for report_id, kind, digest in session.execute(
            select(KeptReportFile.report_id, KeptReportFile.kind, KeptReportFile.sha256)):
        kept.setdefault(report_id, {})[kind] = digest
    return [row | {"kept": kept.get(row["id"], {})} for row in reports_log.list_reports(session)]


def _refuse_unless_published(report_id: int, kind: str, content: bytes, digest: str) -> None:
    """Kept bytes that no longer match the SHA-256 listed for them are never handed out as the report."""
    if _digest(content) != digest:
        raise Refused(f"Report {report_id}'s kept {kind} is not the file published: its SHA-256 differs from the "
                      "one listed, so the database was changed outside the tracker. Run `tracker check`, and "
                      "restore the database from a backup (`tracker restore`) or write the report again.")


def _published_name(logged: ReportLog, kind: str) -> str:
    """The name a kept file is handed out under: the report's file name, with the kind's suffix."""
    return Path(logged.file_name).with_suffix(SUFFIXES[kind]).name


def kept_file(session: Session, report_id: int, kind: str) -> tuple[str, bytes]:
    """The name and the bytes of report ``report_id``'s ``kind`` file, as published: bytes that no
    longer match the SHA-256 listed for them are refused, never handed out as the report."""
    logged = session.get(ReportLog, report_id)
    if logged is None:
        raise Refused(f"There is no report {report_id}; `tracker reports list` shows them.")
    kept = session.execute(select(KeptReportFile.content, KeptReportFile.sha256).where(
        KeptReportFile.report_id == report_id, KeptReportFile.kind == kind)).first()
    if kept is None:
        what = "no PDF was printed for it" if kind == "pdf" else "it was written before reports were kept"
        raise Refused(f"Report {report_id} has no kept {kind}: {what}.")
    content, digest = kept
    _refuse_unless_published(report_id, kind, content, digest)
    return _published_name(logged, kind), content


def published_files(session: Session, report_id: int) -> dict[str, tuple[str, bytes, str]]:
    """Report ``report_id``'s kept files by kind: name, bytes and the SHA-256 listed when it was
    published. A copy promises those bytes under that SHA-256, so each is checked against it (as
    ``check`` does) and a file that no longer matches is refused rather than copied."""
    logged = session.get(ReportLog, report_id)
    files = {}
    for kind, digest, content in session.execute(
            select(KeptReportFile.kind, KeptReportFile.sha256, KeptReportFile.content)
            .where(KeptReportFile.report_id == report_id)):
        _refuse_unless_published(report_id, kind, content, digest)
        files[kind] = (_published_name(logged, kind), content, digest)
    return files


def save_copy(session: Session, report_id: int, kind: str, destination: Path, force: bool) -> str:
    """Write report ``report_id``'s kept ``kind`` file to ``destination``; its SHA-256."""
    _name, content = kept_file(session, report_id, kind)
    check_destination(session, destination, kind, force)
    with replacing(destination, f"report {report_id}") as path:
        path.write_bytes(content)
    return _digest(content)

