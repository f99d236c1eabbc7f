"""Personal links in the browser. ``/link/TOKEN`` signs its economy's focal point into the online
return of its year, and sends them there; the token is checked against the hash kept of it, and a
link expired, revoked, replaced by a newer one or of a closed round signs nobody in. An editor
issues a new link (shown once) or revokes them from the economy's page, as `tracker round link`."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import personal_links
from tracker.errors import Refused
from tracker.web.changes import change_request, form_year, refused_page
from tracker.web.rendering import render
from tracker.web.sessions import sign_in_with_link

ENDED = ("This personal link no longer works: it expired, was revoked or replaced by a newer one, or its round "
         "is closed. Ask the secretariat for a new one.")


async def follow(request: Request):
    hashed = personal_links.token_hash(request.path_params["token"])
    holder = await run_in_threadpool(request.app.state.store.run, personal_links.holder, hashed)
    if holder is None:
        raise HTTPException(403, ENDED)
    sign_in_with_link(request, hashed)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/economies/{holder.economy}/return?year={holder.year}", status_code=303)


async def manage(request: Request):
    """"New personal link" (shown once) or "Revoke", from the economy's page."""
    viewer, form = await change_request(request)
    if not viewer.edits_everything:
        raise HTTPException(403, "Only an editor or an administrator issues and revokes personal links.")
    code, year = request.path_params["code"], form_year(form)
    back = f"{request.scope.get('root_path', '')}/economies/{code}?year={year}"
    store = request.app.state.store
    try:
        if form.get("action") == "revoke":
            ended = await run_in_threadpool(store.run, personal_links.revoke_links, code, year)
            return render(request, "link.html", {"code": code, "year": year, "ended": ended, "back": back})
        token = await run_in_threadpool(store.run, personal_links.issue_link, code, year, viewer.source)
    except Refused as exc:
        return refused_page(request, str(exc), back)
    address = personal_links.address(str(request.base_url), token)
    return render(request, "link.html", {"code": code, "year": year, "address": address, "back": back})


routes = [
    Route(personal_links.PATH + "{token}", follow, methods=["GET"]),
    Route("/economies/{code}/link", manage, methods=["POST"]),
]
