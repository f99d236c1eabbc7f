"""The record of every report written: which file, its SHA-256, for which year and moment, when.

With it a published report can be identified later (compare a file's SHA-256) and rebuilt
(``tracker report --year Y --as-of WHEN`` with the moment it was written).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import ReportLog, utcnow


def record_report(session: Session, path: Path, year: int, as_of: datetime | None) -> ReportLog:
    """Note that the report for ``year`` (as of ``as_of``, or the data then) was written to ``path``."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    row = ReportLog(file_name=str(path.resolve()), sha256=digest, year=year, as_of=as_of, written_at=utcnow())
    session.add(row)
    session.flush()
    return row


def list_reports(session: Session) -> list[dict]:
    """Every report written, oldest first."""
    return [
        {"id": r.id, "file": r.file_name, "sha256": r.sha256, "year": r.year, "as_of": r.as_of, "written_at": r.written_at}
        for r in session.scalars(select(ReportLog).order_by(ReportLog.id))
    ]
