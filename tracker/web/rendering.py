"""Turning a page's data into a response: HTML through the Jinja2 templates (user text always
escaped), JSON for the ``.json`` twin, and the error pages (never a traceback)."""

from __future__ import annotations

import functools
import importlib.resources
import json
import logging
import re
from datetime import date, datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from tracker import __version__
from tracker.closed_rounds import no_round_message
from tracker.history import DRAFT_NOTE
from tracker.models import NARRATIVE_FIELDS
from tracker.overview import NOT_REPORTED
from tracker.percentages import percent_text, points_text
from tracker.returns import NO_RETURN
from tracker.workbook.layout import CONTACT_LABELS, FIELD_LABELS, FIELD_TITLES
from tracker.status import LABELS, SHORT, STATUS_COLOURS, colour_rules
from tracker.web.sessions import csrf_token, current_viewer

log = logging.getLogger("tracker.web")


def json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot show {type(value).__name__} as JSON")


#: A cell per status, built once each since a large matrix has 100,000 of them: labelled (the
#: label written out on screen, the code in print), or coded (the code on the status's colour,
#: the label for screen readers).
_LABELLED = {
    key: Markup('<td class="status s-{}"><span class="long">{}</span><span class="short" aria-hidden="true">{}</span></td>')
    .format(key or "none", LABELS.get(key, NOT_REPORTED), SHORT[key])
    for key in SHORT
}
_CODED = {
    key: Markup('<td class="code c-{}"><span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></td>')
    .format(key or "none", SHORT[key], LABELS.get(key, NOT_REPORTED))
    for key in SHORT
}


#: The narrative fields with their titles on the Excel form, in the form's order.
NARRATIVE = [(name, {n: t for t, n in FIELD_TITLES.items()}[name]) for name in NARRATIVE_FIELDS]


def status_stylesheet() -> str:
    """The coded matrix's colours, written from the one table of them, so that the browser shows
    the report's colours (a stylesheet, since the pages' security policy allows no inline style)."""
    return colour_rules("c-") + ".c-none { background: #fff; color: #4a4a4f; }\n"


def status_cells(statuses) -> Markup:
    """A row of labelled cells (one item's statuses over the years)."""
    return Markup("".join(_LABELLED[key] for key in statuses))


def code_cells(economies, position: int) -> Markup:
    """A commitment's row of the coded matrix: each economy's status at ``position``."""
    return Markup("".join(_CODED[economy["statuses"][position]] for economy in economies))


def json_response(data, status_code: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=json_default, separators=(",", ":"))
    return Response(body, status_code=status_code, media_type="application/json")


def _points(change) -> str:
    return "-" if change is None else points_text(change)


def _field_label(name: str) -> str:
    """A stored field by its title on the form ("measures": "Measures undertaken")."""
    return FIELD_LABELS.get(name, name)


def _value_text(value, name: str) -> str:
    """A stored value as people read it: a status by its label, nothing for no value."""
    if value is None:
        return ""
    return LABELS.get(value, value) if name == "status" else value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def whole_dates(text) -> Markup:
    """``text`` escaped, each ISO date in it kept on one line: a phone broke "2010-03-31" at its
    hyphens, so that a date read as two."""
    return Markup(_ISO_DATE.sub(r'<span class="date">\g<0></span>', str(escape(text))))


def _when(value) -> Markup:
    if value is None:
        return Markup("-")
    if isinstance(value, datetime):
        return whole_dates(value.isoformat(sep=" ", timespec="minutes"))
    return whole_dates(value)


@functools.cache
def templates() -> Environment:
    """The pages' templates, with their filters and constants: one environment per process, so
    that each template is compiled once however many applications the process makes (the tests
    make hundreds)."""
    folder = str(importlib.resources.files("tracker.web").joinpath("templates"))
    environment = Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(default=True),
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters |= {"percent": percent_text, "points": _points, "when": _when, "whole_dates": whole_dates, "field_label": _field_label, "value_text": _value_text,
                            "status_cells": status_cells, "code_cells": code_cells}
    environment.globals |= {"CONTACT_LABELS": CONTACT_LABELS, "LABELS": LABELS, "SHORT": SHORT, "COLOURS": STATUS_COLOURS, "NARRATIVE": NARRATIVE, "version": __version__, "DRAFT_NOTE": DRAFT_NOTE,
                            "NO_RETURN": NO_RETURN, "no_round_message": no_round_message}
    return environment


#: The session's key for what the last action did, said once on the next page (after a redirect).
SAID = "said"


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    said = request.session.pop(SAID, None) if "session" in request.scope else None
    page = request.app.state.templates.get_template(template).render(
        request=request, root=request.scope.get("root_path", ""), viewer=current_viewer(request),
        csrf=csrf_token(request), said=said, **context,
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
