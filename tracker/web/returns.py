"""The online return page of an economy and year: read it, save it whole, submit it.

A thin adapter over ``tracker.online_return``: it reads the page's fields (``status:REF``,
``measures:REF`` ..., ``shown:REF``, ``contact:name`` ...), checks the role and the CSRF token
as the other changing pages do, calls one library function in one transaction, and answers
with the page. After a save or a submission it redirects to the page, which then says what was
done and when (kept for one showing in the session); a refused save shows the page again with
the reason and everything as typed, so that nothing typed is lost.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import online_return
from tracker.errors import Refused
from tracker.workbook.layout import CONTACT_LABELS
from tracker.models import CONTACT_FIELDS, ENTRY_FIELDS
from tracker.users import Viewer
from tracker.web import pages
from tracker.web.changes import change_request, form_year, refused_page
from tracker.web.rendering import json_response, render, wants_json
from tracker.web.sessions import require_viewer

NOTICE = "return_notice"


def _may_read(viewer: Viewer, code: str) -> None:
    if not viewer.may_read(code):
        raise HTTPException(403, f"A focal point sees its own economy only: see /economies/{viewer.economy}/return.")


def _may_change(viewer: Viewer, code: str) -> None:
    if not viewer.may_change(code):
        raise HTTPException(403, f"You may not change {code}'s return" +
                            (f": a focal point answers for {viewer.economy} only." if viewer.economy else "."))


def typed_on_page(form) -> online_return.Typed:
    """The answers, the fingerprints of what was shown and the contact point, from a posted page."""
    typed = online_return.Typed()
    for key, value in form.multi_items():
        name, _, ref = str(key).partition(":")
        if name in ENTRY_FIELDS:
            typed.answers.setdefault(ref, {})[name] = str(value)
        elif name == "shown":
            typed.shown[ref] = str(value)
        elif name == "contact" and ref in CONTACT_FIELDS:
            typed.contact[ref] = str(value)
    return typed


def _address(request: Request, code: str, year: int) -> str:
    return f"{request.scope.get('root_path', '')}/economies/{code}/return?year={year}"


def _page(request: Request, viewer: Viewer, data: dict, notice: dict | None = None, problem: str | None = None,
          conflicts=(), status_code: int = 200):
    editable = (viewer.may_change(data["economy"]) and data["round"]["state"] != "closed"
                and (viewer.edits_everything or data["round"]["state"] == "open"))
    return render(request, "return.html", {"data": data, "editable": editable, "notice": notice, "problem": problem,
                                           "conflicts": conflicts, "contact_labels": CONTACT_LABELS}, status_code)


def return_page(request: Request, viewer: Viewer):
    code = request.path_params["code"]
    _may_read(viewer, code)
    return pages._library(request, online_return.return_page, code, pages._year(request))


def show(request: Request):
    """The page (or its JSON twin), with what the last save or submission did, once."""
    viewer = require_viewer(request)
    data = return_page(request, viewer)
    if wants_json(request):
        return json_response(data)
    return _page(request, viewer, data, request.session.pop(NOTICE, None))


async def _change(request: Request, function, *args):
    """Run ``function`` for the posted page; a refusal shows the page again as typed (409)."""
    viewer, form = await change_request(request)
    code = request.path_params["code"]
    _may_change(viewer, code)
    year, typed = form_year(form), typed_on_page(form)
    if viewer.link_year not in (None, year):
        raise HTTPException(403, f"A personal link opens {viewer.economy}'s {viewer.link_year} return only.")
    try:
        result = await run_in_threadpool(request.app.state.store.run, function, code, year, typed, *args,
                                         viewer.source, not viewer.edits_everything)
    except Refused as exc:
        return None, await _refused(request, viewer, code, year, typed, exc)
    return result, _address(request, code, year)


async def _refused(request: Request, viewer: Viewer, code: str, year: int, typed, refusal: Refused):
    """The page again, as typed, with the reason; or the reason alone when there is no such page
    (no item applies in the year)."""
    try:
        data = await run_in_threadpool(request.app.state.store.run, online_return.return_page, code, year, typed)
    except Refused:
        return refused_page(request, str(refusal), _address(request, code, year))
    return _page(request, viewer, data, problem=str(refusal), conflicts=getattr(refusal, "refs", ()), status_code=409)


def _remember(request: Request, kind: str, saved: dict, at) -> None:
    """What the page says once after the redirect: "saved", "submitted" or "unchanged", when, and
    the items and contact fields the save changed."""
    request.session[NOTICE] = {"kind": kind, "at": f"{at:%Y-%m-%d %H:%M:%S} UTC",
                               "items": saved["items"], "contact": saved["contact"]}


async def save(request: Request):
    """"Save": everything on the page, in one transaction."""
    result, answer = await _change(request, online_return.save_return)
    if result is None:
        return answer
    _remember(request, "saved", result, result["at"])
    return RedirectResponse(answer, status_code=303)


async def submit(request: Request):
    """"Submit return": the page saved, then the return recorded in the round, once the items
    left unanswered are confirmed (a page listing them asks first)."""
    form = await request.form()
    result, answer = await _change(request, online_return.submit_return, form.get("confirm") == "yes")
    if result is None:
        return answer
    if result["state"] == "confirm":
        code, year = request.path_params["code"], form_year(form)
        return render(request, "return_confirm.html", {"code": code, "year": year, "result": result,
                                                       "back": _address(request, code, year)})
    _remember(request, result["state"], result["saved"], result["at"])
    return RedirectResponse(answer, status_code=303)


routes = [
    Route("/economies/{code}/return.json", show, methods=["GET"]),
    Route("/economies/{code}/return", show, methods=["GET"]),
    Route("/economies/{code}/return/save", save, methods=["POST"]),
    Route("/economies/{code}/return", submit, methods=["POST"]),
]
