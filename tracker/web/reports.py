"""Writing this year's report from the browser: the work runs in a background thread, and a
progress page that refreshes itself (no JavaScript) says how far it is.

The workbook is written and kept by ``kept_reports.write_report`` in one transaction, as
``tracker report`` does, in a file of its own (``report_jobs.claim_destination``: an earlier
report's file, or one another job is writing, is never written over); its PDF is then printed by
``printing.to_pdf`` (what ``--pdf`` runs) outside the transaction, so LibreOffice's seconds of work
never hold the database while other pages read it, and kept in a second one. The job's progress
is a row of ``report_jobs``, so any server process shows the page.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import kept_reports, printing, report_jobs
from tracker.errors import Refused
from tracker.models import utcnow
from tracker.web.changes import change_request, editor, form_year
from tracker.web.rendering import json_response, render, wants_json
from tracker.web.sessions import require_viewer

log = logging.getLogger("tracker.web")
REFRESH_SECONDS = 2


def _beat(store, job_id: int, stop: threading.Event, clock: Callable[[], datetime]) -> None:
    """Say the job is alive every ``report_jobs.BEAT_SECONDS`` until it ends."""
    while not stop.wait(report_jobs.BEAT_SECONDS):
        try:
            store.run(report_jobs.advance, job_id, clock())
        except Exception:  # a missed beat is retried at the next one
            log.exception("report job %s: recording that it is alive failed", job_id)


def write_report(store, folder: Path, job_id: int, year: int, clock: Callable[[], datetime] = utcnow) -> None:
    """Job ``job_id``: the year's workbook and PDF written and kept, its row updated at each step, at
    the moments ``clock`` tells (the application's, which its job page also reads)."""
    stop = threading.Event()
    threading.Thread(target=_beat, args=(store, job_id, stop, clock), name=f"report-{job_id}-beat",
                     daemon=True).start()
    problem = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        destination = store.run(report_jobs.claim_destination, job_id, folder, year)
        _data, report_id = store.run(kept_reports.write_report, year, destination)
        store.run(report_jobs.advance, job_id, clock(), report_id=report_id, workbook=str(destination),
                  step="printing the PDF with LibreOffice")
        pdf = printing.to_pdf(destination)
        store.run(kept_reports.keep_file, report_id, "pdf", pdf)
        store.run(report_jobs.advance, job_id, clock(), pdf=str(pdf))
    except Refused as exc:
        problem = str(exc)
    except Exception:  # the page says so; the log has the traceback
        log.exception("writing the %s report failed", year)
        problem = "Writing the report failed on the server; it has been logged."
    finally:
        stop.set()
        store.run(report_jobs.finish, job_id, clock(), problem)


async def write(request: Request):
    """Start writing the year's report (workbook and PDF); then its progress page."""
    viewer, form = await change_request(request)
    editor(viewer)
    year, store = form_year(form), request.app.state.store
    job_id = await run_in_threadpool(store.run, report_jobs.start, year, viewer.name,
                                    request.app.state.clock())
    threading.Thread(target=write_report, args=(store, request.app.state.reports_folder, job_id, year,
                                                request.app.state.clock),
                     name=f"report-{job_id}", daemon=True).start()
    return RedirectResponse(f"{request.scope.get('root_path', '')}/reports/jobs/{job_id}", status_code=303)


def progress_page(request: Request):
    """How far the job is, as a page that refreshes itself, or as JSON at the same address + ``.json``."""
    viewer = require_viewer(request)
    editor(viewer)
    state = request.app.state
    job = state.store.read_session(report_jobs.job, request.path_params["job_id"], state.clock())
    if job is None:
        raise HTTPException(404, "There is no such report being written.")
    if wants_json(request):
        return json_response(dataclasses.asdict(job))
    return render(request, "report_job.html", {"job": job, "refresh": REFRESH_SECONDS})


routes = [
    Route("/reports/write", write, methods=["POST"]),
    Route("/reports/jobs/{job_id:int}.json", progress_page, methods=["GET"]),
    Route("/reports/jobs/{job_id:int}", progress_page, methods=["GET"]),
]
