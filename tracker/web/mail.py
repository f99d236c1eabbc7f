"""The round's mail page (``/mail?year=Y``): for an editor or administrator, a preview of the
invitations and of today's reminders, and a button to send each (``tracker.mailings``, as
``tracker round invite`` and ``tracker round remind`` do). Showing the page writes nothing (its
previews show a placeholder for each personal link). Sending is a POST carrying the session's
CSRF token; what the library refuses (mail not set up, no round open with its due date) is a page
saying why."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from tracker import mailings
from tracker.errors import Refused
from tracker.overview import known_year
from tracker.users import Viewer
from tracker.web import pages
from tracker.web.changes import change_request, form_year, refused_page
from tracker.web.rendering import render


def _editor(viewer: Viewer) -> None:
    if not viewer.edits_everything:
        raise HTTPException(403, "Only an editor or an administrator sends the round's mail.")


def mail_page(request: Request, viewer: Viewer) -> dict:
    """The previews, read without writing anything (``mailings.round_mail``)."""
    _editor(viewer)
    store = request.app.state.store
    try:
        year = store.read_session(known_year, pages._year(request))
    except Refused as exc:
        raise HTTPException(404, str(exc)) from None
    return mailings.round_mail(store, year)


async def _send(request: Request, kind: str):
    viewer, form = await change_request(request)
    _editor(viewer)
    year = form_year(form)
    store = request.app.state.store
    back = f"{request.scope.get('root_path', '')}/mail?year={year}"
    try:
        if kind == "invitation":
            mailing = await run_in_threadpool(mailings.invite, store, year, [], viewer.source)
        else:
            mailing = await run_in_threadpool(mailings.remind, store, year, viewer.source)
    except Refused as exc:
        return refused_page(request, str(exc), back)
    return render(request, "mail_sent.html", {"year": year, "kind": kind, "mailing": mailing, "back": back})


async def invite(request: Request):
    return await _send(request, "invitation")


async def remind(request: Request):
    return await _send(request, "reminder")


routes = [
    *pages.twin("/mail", "mail.html", mail_page),
    Route("/mail/invite", invite, methods=["POST"]),
    Route("/mail/remind", remind, methods=["POST"]),
]
