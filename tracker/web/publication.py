"""The Publication page: an administrator sees and sets what the report is called and who
publishes it (``tracker.publication``, as ``tracker publication`` does).

Saving is a POST carrying the session's CSRF token; what the library refuses is shown on the same
page with the values as typed, and nothing is saved.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import publication
from tracker.errors import Refused
from tracker.users import Viewer
from tracker.web.changes import change_request
from tracker.web.pages import twin
from tracker.web.rendering import render


def _administrator(viewer: Viewer) -> None:
    if not viewer.manages:
        raise HTTPException(403, "Only an administrator sets who publishes the report.")


def settings(request: Request, viewer: Viewer) -> list[dict]:
    _administrator(viewer)
    return request.app.state.store.read_session(publication.publication_settings)


def _back(request: Request):
    return RedirectResponse(f"{request.scope.get('root_path', '')}/publication?saved=1", status_code=303)


async def save(request: Request):
    """The four fields as typed; a value equal to the catalogue's proposal keeps following it."""
    viewer, form = await change_request(request)
    _administrator(viewer)
    values = {name: str(form.get(name, "")) for name in publication.FIELDS}
    try:
        await run_in_threadpool(request.app.state.store.run, publication.set_publication, values)
    except Refused as exc:
        rows = await run_in_threadpool(settings, request, viewer)
        typed = [row | {"value": values[row["field"]]} for row in rows]
        return render(request, "publication.html", {"data": typed, "params": {}, "problem": str(exc)}, 400)
    return _back(request)


async def reset(request: Request):
    """One field back to its default (the button beside it)."""
    viewer, form = await change_request(request)
    _administrator(viewer)
    name = str(form.get("field", ""))
    if name not in publication.FIELDS:
        raise HTTPException(400, f"field={name!r} is not one of {', '.join(publication.FIELDS)}.")
    await run_in_threadpool(request.app.state.store.run, publication.reset_publication, [name])
    return _back(request)


routes = [
    *twin("/publication", "publication.html", settings),
    Route("/publication", save, methods=["POST"]),
    Route("/publication/reset", reset, methods=["POST"]),
]
