"""The pages, each with its JSON twin at the same address plus ``.json`` (``/.json`` for ``/``).

Each page reads its parameters (a malformed one is a 400 with the reason), checks that the
signed-in role may see it (403 otherwise, 303 to the sign-in page when nobody is signed in), and
calls one library function in one read transaction; what the library refuses (an unknown
economy, item, year or import) is a 404 naming it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tracker import history, import_log, kept_reports, overview
from tracker.errors import Refused
from tracker.publish import shared_stylesheet
from tracker.years import check_year
from tracker.users import Viewer
from tracker.web.rendering import json_response, render, status_stylesheet, wants_json
from tracker.web.sessions import require_viewer

HISTORY_PAGE = 100
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _integer(request: Request, name: str, low: int = 1, high: int = 10**9) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        raise HTTPException(400, f"{name}={raw!r} is not a whole number; give one such as "
                                 f"{2008 if name == 'year' else 1}.") from None
    if not low <= value <= high:
        raise HTTPException(400, f"{name}={value} is out of range: give a number from {low} to {high}.")
    return value


def _year(request: Request) -> int | None:
    year = _integer(request, "year")
    try:
        return None if year is None else check_year(year)
    except Refused as exc:
        raise HTTPException(400, str(exc)) from None


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def _library(request: Request, function, *args):
    """Call ``function(session, *args)`` in one read transaction (``Store.read_session``: it takes
    no write lock, so a page answers at once while an import or a save is being written); a
    refusal is a 404 naming it."""
    try:
        return request.app.state.store.read_session(function, *args)
    except Refused as exc:
        raise HTTPException(404, str(exc)) from None


def _reads_everything(viewer: Viewer) -> None:
    if not viewer.reads_everything:
        raise HTTPException(403, f"A focal point sees its own economy only: see /economies/{viewer.economy}.")


def glance(request: Request, viewer: Viewer):
    if not viewer.reads_everything:
        root = request.scope.get("root_path", "")
        raise HTTPException(303, headers={"location": f"{root}/economies/{viewer.economy}"})
    return _library(request, overview.at_a_glance, _year(request))


def matrix(request: Request, viewer: Viewer):
    _reads_everything(viewer)
    return _library(request, overview.status_matrix, _year(request), _text(request, "instrument"))


def needs_page(request: Request, viewer: Viewer):
    """Each commitment's needs beside the offers made for it: the secretariat pairs them."""
    _reads_everything(viewer)
    return _library(request, overview.needs_page, _year(request))


def economy(request: Request, viewer: Viewer):
    code = request.path_params["code"]
    if not viewer.may_read(code):
        raise HTTPException(403, f"A focal point sees its own economy only: see /economies/{viewer.economy}.")
    return _library(request, overview.economy_page, code, _year(request))


def item(request: Request, viewer: Viewer):
    """One commitment across economies and years; a focal point sees its own economy's row only."""
    data = _library(request, overview.item_page, request.path_params["ref"])
    if viewer.reads_everything:
        return data
    return data | {"economies": [row for row in data["economies"] if viewer.may_read(row["code"])]}


def history_page(request: Request, viewer: Viewer):
    """``tracker history`` with the same filters, a page of rows at a time."""
    economy_code = _text(request, "economy")
    if not viewer.reads_everything:
        if economy_code and not viewer.may_read(economy_code):
            raise HTTPException(403, f"A focal point sees its own economy only: see /economies/{viewer.economy}.")
        economy_code = viewer.economy
    filters = {"economy": economy_code, "item": _text(request, "item"), "year": _year(request),
               "import": _integer(request, "import")}
    page = _integer(request, "page") or 1
    rows = _library(request, history.history, filters["economy"], filters["item"], filters["year"], filters["import"])
    pages = max(1, -(-len(rows) // HISTORY_PAGE))
    if page > pages:
        raise HTTPException(404, f"There is no page {page}: the history has {pages} pages for these filters.")
    shown = {k: v for k, v in filters.items() if v is not None}
    return {"filters": filters, "page": page, "pages": pages, "total": len(rows),
            "rows": rows[(page - 1) * HISTORY_PAGE:page * HISTORY_PAGE], "query": urlencode(shown)}


def imports_page(request: Request, viewer: Viewer):
    _reads_everything(viewer)
    return _library(request, import_log.list_imports)


def reports_page(request: Request, viewer: Viewer):
    _reads_everything(viewer)
    return _library(request, kept_reports.list_reports)


def twin(path: str, template: str, gather) -> list[Route]:
    """The page at ``path`` and its JSON twin at ``path`` + ``.json``, both from ``gather``."""

    def endpoint(request: Request):
        viewer = require_viewer(request)
        data = gather(request, viewer)
        if wants_json(request):
            return json_response(data)
        return render(request, template, {"data": data, "params": request.query_params})

    json_path = "/.json" if path == "/" else path + ".json"
    return [Route(json_path, endpoint, methods=["GET"]), Route(path, endpoint, methods=["GET"])]


def report_download(request: Request):
    """The workbook or PDF of a report written, as an attachment: the bytes kept as published."""
    viewer = require_viewer(request)
    _reads_everything(viewer)
    kind = request.path_params["kind"]
    if kind not in kept_reports.SUFFIXES:
        raise HTTPException(404, "A report can be downloaded as /workbook or /pdf.")
    name, content = _library(request, kept_reports.kept_file, request.path_params["report_id"], kind)
    media = "application/pdf" if kind == "pdf" else XLSX_MEDIA_TYPE
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def shared_rules(request: Request):
    """The rules the browser view shares with the public site, from the one stylesheet of them."""
    return Response(shared_stylesheet(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def statuses_stylesheet(request: Request):
    return Response(status_stylesheet(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def favicon(request: Request):
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/static/favicon.svg", status_code=301)


routes = [
    *twin("/", "glance.html", glance),
    *twin("/matrix", "matrix.html", matrix),
    *twin("/needs", "needs.html", needs_page),
    *twin("/economies/{code}", "economy.html", economy),
    *twin("/items/{ref}", "item.html", item),
    *twin("/history", "history.html", history_page),
    *twin("/imports", "imports.html", imports_page),
    *twin("/reports", "reports.html", reports_page),
    Route("/reports/{report_id:int}/{kind:str}", report_download, methods=["GET"]),
    Route("/favicon.ico", favicon, methods=["GET"]),
    Route("/shared.css", shared_rules, methods=["GET"]),
    Route("/statuses.css", statuses_stylesheet, methods=["GET"]),
]
