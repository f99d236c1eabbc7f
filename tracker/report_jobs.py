"""Reports being written from the browser, kept in the database so that any server process
shows how far one is, whichever process writes it.

The thread writing a report (``tracker.web.reports``) updates its row at each step and beats
every ``BEAT_SECONDS`` meanwhile; a job that stopped beating for ``STALE_SECONDS`` belonged to a
process that died, and is shown as failed rather than running for ever. The file a job writes
is claimed in its row (a unique column), so two jobs, in any processes, never write one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import kept_reports
from tracker.tables import report_job

BEAT_SECONDS = 10
STALE_SECONDS = 60
FIRST_STEP = "gathering the data and writing the workbook"
DIED = "The server process writing this report stopped before it finished; write the report again."


@dataclass(frozen=True)
class ReportJob:
    """What the job's page shows."""

    id: int
    year: int
    owner: str
    step: str
    done: bool
    problem: str | None
    report_id: int | None
    workbook: str | None
    pdf: str | None


def start(session: Session, year: int, owner: str, now: datetime) -> int:
    """A new job, running; its id."""
    return session.execute(report_job.insert().values(
        year=year, owner=owner, state="running", step=FIRST_STEP, started_at=now, beat_at=now)).inserted_primary_key[0]


def claim_destination(session: Session, job_id: int, folder: Path, year: int) -> Path:
    """The file job ``job_id`` writes: ``kept_reports.free_destination`` of ``folder``, skipping
    the files other jobs are writing; claimed in the job's row."""
    taken = {Path(p) for p in session.execute(
        select(report_job.c.writing_to).where(report_job.c.writing_to.is_not(None))).scalars()}
    while True:
        destination = kept_reports.free_destination(folder, year, taken)
        try:
            with session.begin_nested():
                session.execute(update(report_job).where(report_job.c.id == job_id)
                                .values(writing_to=str(destination)))
            return destination
        except IntegrityError:  # another job claimed it meanwhile
            taken.add(destination)


def advance(session: Session, job_id: int, now: datetime, **values) -> None:
    """Record the job's progress (``step``, ``workbook``, ``report_id``...) and that it is alive."""
    session.execute(update(report_job).where(report_job.c.id == job_id).values(beat_at=now, **values))


def finish(session: Session, job_id: int, now: datetime, problem: str | None = None) -> None:
    """The job ended, written or failed with ``problem``; its file is no longer claimed."""
    state, step = ("failed", "failed") if problem else ("done", "done")
    advance(session, job_id, now, state=state, step=step, problem=problem, writing_to=None)


def job(session: Session, job_id: int, now: datetime) -> ReportJob | None:
    """The job as its page shows it; a running job that stopped beating reads as failed."""
    row = session.execute(select(report_job).where(report_job.c.id == job_id)).first()
    if row is None:
        return None
    died = row.state == "running" and row.beat_at < now - timedelta(seconds=STALE_SECONDS)
    return ReportJob(row.id, row.year, row.owner, row.step, row.state != "running" or died,
                     DIED if died else row.problem, row.report_id, row.workbook, row.pdf)
