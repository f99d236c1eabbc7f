"""A personal link (``/link/TOKEN``): it signs its economy's focal point into the online return of
its year, and sends them there. The token is checked against the hash kept of it; a link expired,
revoked, replaced by a newer one or of a closed round signs nobody in."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import personal_links
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


routes = [Route(personal_links.PATH + "{token}", follow, methods=["GET"])]
