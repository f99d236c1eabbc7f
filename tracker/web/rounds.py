"""Running the round from the browser: open a round with its due date (or change it), close it,
reopen it with a reason, write the forms and download them, set an economy's contact point.

Each action is a POST carrying the form token, for editors and administrators, calling the library
function the matching command calls (``rounds.open_round``, ``close_round``, ``reopen_round``,
``forms.write_forms``, ``progress.set_contact``); what the library refuses is shown as a page
saying why, with nothing changed.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker import forms, progress, rounds
from tracker.errors import Refused
from tracker.web.changes import change_request, editor, form_year, refused_page
from tracker.web.pages import XLSX_MEDIA_TYPE
from tracker.web.rendering import json_response, render, wants_json
from tracker.web.sessions import require_viewer
from tracker.workbook.layout import CONTACT_LABELS
from tracker.years import calendar_day


def _back(request: Request, note: str = "") -> RedirectResponse:
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/rounds" + (f"?done={note}" if note else ""), status_code=303)


def _due(form):
    text = str(form.get("due", "")).strip()
    return calendar_day(text) if text else None


def rounds_page(request: Request):
    """Every round, with the actions an editor may take on each."""
    viewer = require_viewer(request)
    if not viewer.reads_everything:
        raise HTTPException(403, f"A focal point sees its own economy only: see /economies/{viewer.economy}.")
    data = request.app.state.store.read_session(rounds.list_rounds)
    if wants_json(request):
        return json_response(data)
    return render(request, "rounds.html", {"data": data, "done": request.query_params.get("done")})


async def _act(request: Request, action, arguments, note: str):
    """Run ``action(session, *arguments(form, viewer))`` in one transaction for an editor; a
    refusal (of the arguments or of the action) is a page saying why."""
    viewer, form = await change_request(request)
    editor(viewer)
    try:
        await run_in_threadpool(request.app.state.store.run, action, *arguments(form, viewer))
    except Refused as exc:
        return refused_page(request, str(exc), f"{request.scope.get('root_path', '')}/rounds")
    return _back(request, note)


async def open_round(request: Request):
    return await _act(request, rounds.open_round,
                      lambda form, viewer: (form_year(form), _due(form), viewer.source), note="opened")


async def close_round(request: Request):
    """``tracker round close YEAR [--force]``: while returns are not accepted, a page lists them
    and asks to confirm ("Close anyway" posts again with ``force``)."""
    viewer, form = await change_request(request)
    editor(viewer)
    year, force = request.path_params["year"], form.get("force") == "yes"
    try:
        await run_in_threadpool(request.app.state.store.run, rounds.close_round, year, viewer.source, force)
    except rounds.ReturnsNotAccepted as exc:
        return render(request, "round_close.html", {"year": year, "waiting": exc.returns}, 409)
    except Refused as exc:
        return refused_page(request, str(exc), f"{request.scope.get('root_path', '')}/rounds")
    return _back(request, "closed")


async def reopen_round(request: Request):
    year = request.path_params["year"]
    return await _act(request, rounds.reopen_round,
                      lambda form, viewer: (year, str(form.get("reason", "")), viewer.source), note="reopened")


def _zipped(paths: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, path.name)
    return buffer.getvalue()


async def write_forms(request: Request):
    """``tracker form --year Y [--economy CODE] [--due D] [--return-to ...]``, handed over as a
    download: one economy's workbook, or every economy's in one zip."""
    viewer, form = await change_request(request)
    editor(viewer)
    year = request.path_params["year"]
    code = str(form.get("economy", "")).strip().upper()
    try:
        return_to = str(form.get("return_to", "")).strip() or None
        request_ = forms.FormRequest(due=_due(form), return_to=return_to)
        with tempfile.TemporaryDirectory(prefix="tracker-forms-") as folder:
            paths = await run_in_threadpool(request.app.state.store.run, forms.write_forms, year,
                                            [code] if code else [], Path(folder), request_)
            if code:
                content, name, media = paths[0].read_bytes(), paths[0].name, XLSX_MEDIA_TYPE
            else:
                content, name, media = _zipped(paths), f"forms-{year}.zip", "application/zip"
    except Refused as exc:
        return refused_page(request, str(exc), f"{request.scope.get('root_path', '')}/rounds")
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


async def set_contact(request: Request):
    """``tracker contact CODE --year Y --name ... --email ...`` from the economy's page."""
    viewer, form = await change_request(request)
    code = request.path_params["code"]
    if not viewer.may_change(code):
        raise HTTPException(403, f"You may not change {code}'s contact point.")
    year = form_year(form)
    values = {name: str(form.get(name, "")) for name in CONTACT_LABELS}
    back = f"{request.scope.get('root_path', '')}/economies/{code}?year={year}"
    try:
        await run_in_threadpool(request.app.state.store.run, progress.set_contact, code, year, values, viewer.source)
    except Refused as exc:
        return refused_page(request, str(exc), back)
    return RedirectResponse(back + "#contact", status_code=303)


routes = [
    Route("/rounds", rounds_page, methods=["GET"]),
    Route("/rounds.json", rounds_page, methods=["GET"]),
    Route("/rounds", open_round, methods=["POST"]),
    Route("/rounds/{year:int}/close", close_round, methods=["POST"]),
    Route("/rounds/{year:int}/reopen", reopen_round, methods=["POST"]),
    Route("/rounds/{year:int}/forms", write_forms, methods=["POST"]),
    Route("/economies/{code}/contact", set_contact, methods=["POST"]),
]
