"""The pages that change something: correcting an entry, uploading returns (preview, then apply),
undoing an import (the online return is ``returns``).

Each is a POST carrying the session's CSRF token (403 without it, before anything is read or
changed), checks the signed-in role (403), and calls one library function, the same the
commands call: ``progress.correct_entry`` (the one write path, with the stale-save check),
``file_import.import_files``, ``undo.undo_import``. What the library refuses is shown as a page
(409) saying why; nothing was changed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import file_import, progress, upload_previews, years
from tracker.errors import Refused
from tracker.models import ENTRY_FIELDS
from tracker.undo import undo_import, undo_preview
from tracker.upload_previews import Preview
from tracker.users import Viewer
from tracker.web.rendering import render
from tracker.web.sessions import check_csrf, require_viewer

MAX_UPLOAD_FILES = 50


async def change_request(request: Request) -> tuple[Viewer, dict]:
    """The signed-in viewer and the form of a change request whose CSRF token is valid."""
    viewer = require_viewer(request)
    form = await request.form()
    check_csrf(request, form)
    return viewer, form


def refused_page(request: Request, problem: str, back: str, status: int = 409, conflicts=None):
    """The page saying what was refused and why (nothing was changed), with the way back."""
    return render(request, "refused.html", {"problem": problem, "back": back, "conflicts": conflicts}, status)


def form_year(form) -> int:
    try:
        return years.check_year(int(str(form.get("year", "")).strip()))
    except ValueError:
        raise HTTPException(400, f"year={form.get('year')!r} is not a year such as 2008.") from None
    except Refused as exc:
        raise HTTPException(400, str(exc)) from None


def _economy_address(request: Request, code: str, year: int, anchor: str = "") -> str:
    return f"{request.scope.get('root_path', '')}/economies/{code}?year={year}{anchor}"


async def save_entry(request: Request):
    """An entry corrected (or withdrawn) on the economy's page, refused when it changed since the
    page was loaded."""
    viewer, form = await change_request(request)
    code, ref = request.path_params["code"], request.path_params["ref"]
    if not viewer.may_change(code):
        raise HTTPException(403, f"You may not change {code}'s entries" +
                            (f": a focal point answers for {viewer.economy} only." if viewer.economy else "."))
    year = form_year(form)
    values = {name: str(value) for name in ENTRY_FIELDS if (value := form.get(name)) is not None}
    clear = tuple(str(name) for name in form.getlist("clear"))
    back = _economy_address(request, code, year, f"#{ref}")
    try:
        _, kept = await run_in_threadpool(request.app.state.store.run, progress.correct_entry, code, ref, year,
                                          values, str(form.get("shown", "")), viewer.source, clear,
                                          not viewer.edits_everything, form.get("action") == "withdraw")
    except progress.StaleSave as exc:
        return refused_page(request, str(exc), back, conflicts=exc.conflicts)
    except Refused as exc:
        return refused_page(request, str(exc), back)
    if kept:  # the page says which emptied fields kept what is stored, and how to clear them
        back = _economy_address(request, code, year, f"&{urlencode({'kept': ref + ':' + ','.join(kept)})}#{ref}")
    return RedirectResponse(back, status_code=303)


def editor(viewer: Viewer) -> None:
    if not viewer.edits_everything:
        raise HTTPException(403, "Only an editor or an administrator changes the data of every economy.")


async def _keep(request: Request, preview: Preview) -> str:
    return await run_in_threadpool(request.app.state.store.run, upload_previews.keep, preview,
                                   request.app.state.clock())


def upload_page(request: Request):
    viewer = require_viewer(request)
    editor(viewer)
    return render(request, "upload.html", {"stage": "choose", "limit": request.app.state.upload_limit})


def _too_large(request: Request) -> str | None:
    limit = request.app.state.upload_limit
    try:
        size = int(request.headers["content-length"])
    except (KeyError, ValueError):
        return "The upload does not say how large it is, so it was not read; upload the files from the form."
    if size > limit:
        return (f"The upload is {size / 1_000_000:.1f} MB, over the limit of {limit / 1_000_000:.1f} MB; it was "
                "not read. A filled form is far smaller: check that these are the right files.")
    return None


async def upload(request: Request):
    """The files uploaded, saved in a temporary folder and previewed as ``tracker import --dry-run``;
    an upload over the limit is refused from its Content-Length, unread."""
    viewer = require_viewer(request)
    editor(viewer)
    problem = _too_large(request)
    if problem:  # refused before reading the body, token included: a refusal changes nothing
        return render(request, "upload.html", {"stage": "choose", "problem": problem,
                                               "limit": request.app.state.upload_limit}, 413)
    form = await request.form(max_files=MAX_UPLOAD_FILES)
    check_csrf(request, form)
    editor(viewer)
    uploads = [part for part in form.getlist("files") if hasattr(part, "filename") and part.filename]
    if not uploads:
        return render(request, "upload.html", {"stage": "choose", "problem": "Choose at least one file to upload.",
                                               "limit": request.app.state.upload_limit}, 400)
    folder = Path(tempfile.mkdtemp(prefix="tracker-upload-", dir=request.app.state.uploads_folder))
    paths = []
    for number, part in enumerate(uploads):
        place = folder / str(number)
        place.mkdir()
        path = place / (Path(part.filename.replace("\\", "/")).name or "upload.xlsx")
        with path.open("wb") as out:
            shutil.copyfileobj(part.file, out)
        paths.append(str(path))
    results, fingerprint = await run_in_threadpool(file_import.preview_files, request.app.state.store, paths)
    digests = await run_in_threadpool(upload_previews.file_digests, paths)
    token = await _keep(request, Preview(viewer.name, folder, paths, digests, fingerprint))
    return render(request, "upload.html", {"stage": "preview", "results": results, "token": token})


async def apply_upload(request: Request):
    """"Apply": the previewed files imported, in one transaction committed only if it does what
    the preview showed; else nothing is applied and the new preview is shown."""
    viewer, form = await change_request(request)
    editor(viewer)
    preview = await run_in_threadpool(request.app.state.store.run, upload_previews.take, str(form.get("token", "")),
                                      viewer.name, request.app.state.clock())
    if preview is None:
        return render(request, "upload.html", {"stage": "choose", "limit": request.app.state.upload_limit,
                                               "problem": "This preview is no longer kept (already applied, or "
                                                          "left for hours): upload the files again."}, 409)
    if not await run_in_threadpool(preview.files_unchanged):
        shutil.rmtree(preview.folder, ignore_errors=True)  # its preview is taken: nothing else would remove them
        raise HTTPException(409, "The uploaded files changed on the server since the preview; upload them again.")
    results, fingerprint = await run_in_threadpool(file_import.apply_previewed, request.app.state.store,
                                                   preview.paths, preview.fingerprint)
    if fingerprint is not None:
        token = await _keep(request, Preview(viewer.name, preview.folder, preview.paths, preview.digests, fingerprint))
        return render(request, "upload.html", {"stage": "preview", "results": results, "token": token,
                                               "changed": True}, 409)
    shutil.rmtree(preview.folder, ignore_errors=True)
    return render(request, "upload.html", {"stage": "applied", "results": results})


def undo_page(request: Request):
    """What undoing an import would put back, and the button that does it: nothing is undone
    without this second step."""
    viewer = require_viewer(request)
    editor(viewer)
    import_id = request.path_params["import_id"]
    try:
        with request.app.state.store.transaction() as session:
            data = undo_preview(session, import_id)
    except Refused as exc:
        raise HTTPException(404, str(exc)) from None
    return render(request, "undo.html", {"stage": "confirm", "data": data})


async def undo(request: Request):
    """``tracker imports undo ID [--force]``, once confirmed; then what it put back."""
    viewer, form = await change_request(request)
    editor(viewer)
    import_id = request.path_params["import_id"]
    force = form.get("force") == "yes"
    back = f"{request.scope.get('root_path', '')}/imports"
    try:
        result = await run_in_threadpool(request.app.state.store.run, undo_import, import_id, force, viewer.source)
    except Refused as exc:
        return refused_page(request, str(exc), back)
    return render(request, "undo.html", {"stage": "done", "result": result})


routes = [
    Route("/economies/{code}/items/{ref}", save_entry, methods=["POST"]),
    Route("/upload", upload_page, methods=["GET"]),
    Route("/upload", upload, methods=["POST"]),
    Route("/upload/apply", apply_upload, methods=["POST"]),
    Route("/imports/{import_id:int}/undo", undo_page, methods=["GET"]),
    Route("/imports/{import_id:int}/undo", undo, methods=["POST"]),
]
