"""Accounts managed from the browser, by administrators: add one (the person sets their own
password through a one-time link), change its role or economy, remove it after a confirmation,
and issue a new one-time link to reset a password; and the page where that link is opened.

Each change is a POST carrying the form token and calls the ``tracker.users`` function the
matching ``tracker users`` command calls; what the library refuses is a page saying why.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import users
from tracker.errors import Refused
from tracker.roles import ROLES
from tracker.users import Viewer
from tracker.web.changes import change_request, refused_page
from tracker.web.rendering import json_response, render, wants_json
from tracker.web.sessions import check_csrf, require_viewer


def _administrator(viewer: Viewer) -> None:
    if not viewer.manages:
        raise HTTPException(403, "Only an administrator manages accounts.")


def _users_address(request: Request, done: str = "") -> str:
    return f"{request.scope.get('root_path', '')}/users" + (f"?done={done}" if done else "")


def link_address(request: Request, token: str) -> str:
    """The one-time link as the person opens it, on the address this page was reached at."""
    return users.password_link(str(request.base_url), token)


def _accounts(session, now):
    links = users.open_password_links(session, now)
    return [row | {"link_expires_at": links.get(row["name"])} for row in users.list_users(session)]


def users_page(request: Request):
    """Every account with its open link, and the forms to add and change them."""
    viewer = require_viewer(request)
    _administrator(viewer)
    data = request.app.state.store.read_session(_accounts, request.app.state.clock())
    if wants_json(request):
        return json_response(data)
    return render(request, "users.html", {"data": data, "roles": ROLES, "done": request.query_params.get("done")})


def _economy(form, role: str) -> str | None:
    code = str(form.get("economy", "")).strip()
    return code if role == "focal-point" else None


async def _administrator_act(request: Request, action, *arguments):
    """``action(session, *arguments)`` for an administrator, in one transaction: its result, or a
    refusal page."""
    try:
        return await run_in_threadpool(request.app.state.store.run, action, *arguments), None
    except Refused as exc:
        return None, refused_page(request, str(exc), _users_address(request))


def _link_page(request: Request, name: str, token: str, added: bool):
    return render(request, "users_link.html", {"name": name, "link": link_address(request, token), "added": added,
                                               "hours": users.LINK_HOURS})


async def add_user(request: Request):
    viewer, form = await change_request(request)
    _administrator(viewer)
    role = str(form.get("role", ""))
    result, refused = await _administrator_act(request, users.add_user_with_link, str(form.get("name", "")), role,
                                                _economy(form, role), viewer.source, request.app.state.clock())
    return refused or _link_page(request, *result, added=True)


async def reset_password(request: Request):
    viewer, form = await change_request(request)
    _administrator(viewer)
    name = request.path_params["name"]
    token, refused = await _administrator_act(request, users.issue_password_link, name, viewer.source,
                                              request.app.state.clock())
    return refused or _link_page(request, name, token, added=False)


async def change_user(request: Request):
    viewer, form = await change_request(request)
    _administrator(viewer)
    role = str(form.get("role", ""))
    name, refused = await _administrator_act(request, users.change_user, request.path_params["name"], role,
                                             _economy(form, role))
    return refused or RedirectResponse(_users_address(request, "changed"), status_code=303)


def remove_page(request: Request):
    """Asks first: removing an account cannot be taken back."""
    _administrator(require_viewer(request))
    return render(request, "users_remove.html", {"name": request.path_params["name"]})


async def remove_user(request: Request):
    viewer, form = await change_request(request)
    _administrator(viewer)
    name, refused = await _administrator_act(request, users.remove_user, request.path_params["name"])
    return refused or RedirectResponse(_users_address(request, "removed"), status_code=303)


def _link_user(request: Request, token: str) -> tuple[str | None, str | None]:
    """The user name a link is for, or why it does not work."""
    try:
        return request.app.state.store.run(users.password_link_user, token, request.app.state.clock()), None
    except Refused as exc:
        return None, str(exc)


def _password_form(request: Request, token: str, problem: str | None = None):
    name, link_problem = _link_user(request, token)
    status = 410 if link_problem else (400 if problem else 200)
    return render(request, "password_set.html", {"name": name, "token": token, "problem": link_problem or problem,
                                                     "min_password": users.MIN_PASSWORD}, status)


def password_set_page(request: Request):
    """Opened from a one-time link, signed in or not: the form to choose a password."""
    return _password_form(request, request.query_params.get("token", ""))


async def set_password(request: Request):
    form = await request.form()
    check_csrf(request, form)
    token, password = str(form.get("token", "")), str(form.get("password", ""))
    if password != str(form.get("again", "")):
        return await run_in_threadpool(_password_form, request, token, "The two passwords differ: type the same password twice.")
    try:
        name = await run_in_threadpool(request.app.state.store.run, users.set_password_by_link, token, password,
                                       request.app.state.clock())
    except Refused as exc:
        return await run_in_threadpool(_password_form, request, token, str(exc))
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/login?password_set={quote(name)}", status_code=303)


routes = [
    Route("/users", users_page, methods=["GET"]),
    Route("/users.json", users_page, methods=["GET"]),
    Route("/users", add_user, methods=["POST"]),
    Route("/users/{name}/change", change_user, methods=["POST"]),
    Route("/users/{name}/reset", reset_password, methods=["POST"]),
    Route("/users/{name}/remove", remove_page, methods=["GET"]),
    Route("/users/{name}/remove", remove_user, methods=["POST"]),
    Route(users.PASSWORD_LINK_PATH, password_set_page, methods=["GET"]),
    Route(users.PASSWORD_LINK_PATH, set_password, methods=["POST"]),
]
