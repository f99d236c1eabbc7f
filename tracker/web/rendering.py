"""Turning a page's data into a response: HTML through the Jinja2 templates (user text always
escaped), JSON for the ``.json`` twin, and the error pages (never a traceback)."""

from __future__ import annotations

import importlib.resources
import json
import logging
from datetime import date, datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tracker import __version__
from tracker.models import NARRATIVE_FIELDS
from tracker.overview import NOT_REPORTED
from tracker.percentages import percent_text, points_text
from tracker.workbook.layout import FIELD_LABELS, FIELD_TITLES
from tracker.status import LABELS, SHORT
from tracker.web.sessions import csrf_token, current_viewer

log = logging.getLogger("tracker.web")


def json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot show {type(value).__name__} as JSON")


_CELLS = {
    key: Markup('<td class="status s-{}"><span class="long">{}</span><span class="short" aria-hidden="true">{}</span></td>')
    .format(key or "none", LABELS.get(key, NOT_REPORTED), SHORT[key])
    for key in SHORT
}


#: The narrative fields with their titles on the Excel form, in the form's order.
NARRATIVE = [(name, {n: t for t, n in FIELD_TITLES.items()}[name]) for name in NARRATIVE_FIELDS]


def status_cells(statuses) -> Markup:
    """The matrix cells of one row: built once per status, since a large matrix has 100,000 of them."""
    return Markup("".join(_CELLS[key] for key in statuses))


def json_response(data, status_code: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=json_default, separators=(",", ":"))
    return Response(body, status_code=status_code, media_type="application/json")


def _points(change) -> str:
    return "-" if change is None else points_text(change)


def _field_label(name: str) -> str:
    """A stored field by its title on the form ("measures": "Measures undertaken")."""
    return FIELD_LABELS.get(name, name)


def _when(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)


def templates() -> Environment:
    folder = str(importlib.resources.files("tracker.web").joinpath("templates"))
    environment = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(default=True),
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters |= {"percent": percent_text, "points": _points, "when": _when, "field_label": _field_label,
                            "status_cells": status_cells}
    environment.globals |= {"LABELS": LABELS, "SHORT": SHORT, "NARRATIVE": NARRATIVE, "version": __version__}
    return environment


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    page = request.app.state.templates.get_template(template).render(
        request=request, root=request.scope.get("root_path", ""), viewer=current_viewer(request),
        csrf=csrf_token(request), **context,
    )
    return HTMLResponse(page, status_code=status_code)


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


async def http_error(request: Request, exc: HTTPException) -> Response:
    """A page (or JSON) for 400, 403, 404 ...: the reason, and a way back."""
    if exc.status_code in (301, 302, 303, 307):
        return Response(status_code=exc.status_code, headers=exc.headers)
    log.warning("%s %s -> %s: %s", request.method, request.url.path, exc.status_code, exc.detail)
    if wants_json(request):
        return json_response({"error": exc.detail, "status": exc.status_code}, exc.status_code)
    return render(request, "error.html", {"status": exc.status_code, "reason": exc.detail}, exc.status_code)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    reason = "Something went wrong on the server; it has been logged. Try again, or go back."
    if wants_json(request):
        return json_response({"error": reason, "status": 500}, 500)
    page = request.app.state.templates.get_template("error.html").render(
        request=request, root=request.scope.get("root_path", ""), viewer=None, csrf="", status=500, reason=reason)
    return HTMLResponse(page, status_code=500)
