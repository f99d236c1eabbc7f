"""Reviewing a return in the browser: an editor accepts it or asks for changes, with a note for the
whole return and notes per item (``note:REF``), from the round page or the return page.

A thin adapter over ``reviews.review_return``, as ``tracker returns accept|request-changes``: a
POST with the session's CSRF token, for editors and administrators only; a refusal is a page
saying why (409), nothing recorded.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import mailings
from tracker.errors import Refused
from tracker.web.changes import change_request, editor, form_year, refused_page
from tracker.web.rendering import SAID


def _back(request: Request, code: str, year: int, page: str) -> str:
    root = request.scope.get("root_path", "")
    if page == "return":
        return f"{root}/economies/{code}/return?year={year}#review"
    return f"{root}/?year={year}#review-{code}"


async def review(request: Request):
    """"Accept" or "Request changes" (the button pressed: ``state``), with the notes typed."""
    viewer, form = await change_request(request)
    editor(viewer)
    code, year = request.path_params["code"], form_year(form)
    back = _back(request, code, year, str(form.get("page", "")))
    item_notes = {str(key).partition(":")[2]: str(value) for key, value in form.multi_items()
                  if str(key).startswith("note:") and str(value).strip()}
    try:
        reviewed = await run_in_threadpool(mailings.review_return, request.app.state.store, code, year,
                                           str(form.get("state", "")), str(form.get("note", "")), item_notes,
                                           viewer.source, bool(form.get("mail")))
    except Refused as exc:
        return refused_page(request, str(exc), back)
    if reviewed.mail is not None:
        request.session[SAID] = mailings.told(reviewed.mail)
        back = back.partition("#")[0] + "#said"
    return RedirectResponse(back, status_code=303)


routes = [Route("/economies/{code}/review", review, methods=["POST"])]
