"""Writing this year's report from the browser: the work runs in a background thread, and a
progress page that refreshes itself (no JavaScript) says how far it is.

The workbook is written and kept by ``kept_reports.write_report`` in one transaction, as
``tracker report`` does, in a file of its own (``kept_reports.free_destination``: an earlier
report's file is never written over); its PDF is then printed by ``printing.to_pdf`` (what
``--pdf`` runs) outside the transaction, so LibreOffice's seconds of work never hold the database
while other pages read it, and kept in a second one.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import kept_reports, printing
from tracker.errors import Refused
from tracker.web.changes import change_request, editor, form_year
from tracker.web.rendering import render
from tracker.web.sessions import require_viewer

log = logging.getLogger("tracker.web")
REFRESH_SECONDS = 2


@dataclass
class ReportJob:
    id: int
    year: int
    owner: str
    step: str = "gathering the data and writing the workbook"
    done: bool = False
    problem: str | None = None
    report_id: int | None = None
    workbook: str | None = None
    pdf: str | None = None


class ReportJobs:
    """The reports being written by this server, by id."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.jobs: dict[int, ReportJob] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.being_written: set[Path] = set()

    def start(self, store, year: int, owner: str) -> ReportJob:
        with self.lock:
            number = next(self.ids)
            job = self.jobs[number] = ReportJob(number, year, owner)
        threading.Thread(target=self._write, args=(store, job), name=f"report-{job.id}", daemon=True).start()
        return job

    def _write(self, store, job: ReportJob) -> None:
        destination = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self.lock:  # two reports of a year started together get files of their own
                destination = kept_reports.free_destination(self.folder, job.year, self.being_written)
                self.being_written.add(destination)
            _data, job.report_id = store.run(kept_reports.write_report, job.year, destination)
            job.workbook, job.step = str(destination), "printing the PDF with LibreOffice"
            pdf = printing.to_pdf(destination)
            store.run(kept_reports.keep_file, job.report_id, "pdf", pdf)
            job.pdf = str(pdf)
            job.step = "done"
        except Refused as exc:
            job.problem = str(exc)
        except Exception:  # the page says so; the log has the traceback
            log.exception("writing the %s report failed", job.year)
            job.problem = "Writing the report failed on the server; it has been logged."
        finally:
            self.being_written.discard(destination)
            job.done = True


async def write(request: Request):
    """Start writing the year's report (workbook and PDF); then its progress page."""
    viewer, form = await change_request(request)
    editor(viewer)
    job = request.app.state.report_jobs.start(request.app.state.store, form_year(form), viewer.name)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/reports/jobs/{job.id}", status_code=303)


def progress_page(request: Request):
    viewer = require_viewer(request)
    editor(viewer)
    job = request.app.state.report_jobs.jobs.get(request.path_params["job_id"])
    if job is None:
        raise HTTPException(404, "There is no such report being written (the server may have restarted).")
    return render(request, "report_job.html", {"job": job, "refresh": REFRESH_SECONDS})


routes = [
    Route("/reports/write", write, methods=["POST"]),
    Route("/reports/jobs/{job_id:int}", progress_page, methods=["GET"]),
]
