"""Signing in and out: the sign-in page, the one-time address of a local server, signing out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from tracker import users
from tracker.web.rendering import render
from tracker.web.sessions import check_csrf, sign_in_as, sign_in_locally


def _next(request: Request, wanted: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    root = request.scope.get("root_path", "")
    if not wanted or not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted:
        wanted = "/"
    return root + wanted


def _sign_in(request: Request, name: str, password: str) -> users.SignIn:
    """Failures are counted per name and client address: the address uvicorn gives, which behind a
    trusted proxy is the one the proxy forwarded."""
    client = request.client.host if request.client else ""
    return request.app.state.store.run(users.sign_in, name, password, request.app.state.clock(), client)


def login_page(request: Request):
    """The sign-in form; after a password was set through a one-time link, it says so and fills in the name."""
    name = request.query_params.get("password_set")
    return render(request, "login.html", {"next": request.query_params.get("next", "/"), "problem": None,
                                          "name": name, "password_set": bool(name)})


async def login(request: Request):
    form = await request.form()
    check_csrf(request, form)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    result = await run_in_threadpool(_sign_in, request, name, password)
    if result.viewer is None:
        context = {"next": form.get("next", "/"), "problem": result.problem, "name": name}
        response = render(request, "login.html", context, result.status)
        if result.retry_after:
            response.headers["Retry-After"] = str(result.retry_after)
        return response
    sign_in_as(request, result.viewer.name, result.fingerprint)
    return RedirectResponse(_next(request, str(form.get("next", "/"))), status_code=303)


async def login_once(request: Request):
    """The one-time address printed by ``tracker serve``: it signs the local user in as
    administrator, and works once."""
    given = request.query_params.get("token", "")
    if not await run_in_threadpool(request.app.state.store.run, users.take_one_time_sign_in, given):
        raise HTTPException(403, "This sign-in address has already been used or is not valid. "
                                 "Restart `tracker serve` for a new one, or add an account with `tracker users add`.")
    sign_in_locally(request)
    return RedirectResponse(_next(request, "/"), status_code=303)


async def logout(request: Request):
    form = await request.form()
    check_csrf(request, form)
    request.session.clear()
    return RedirectResponse(_next(request, "/login"), status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/login/once", login_once, methods=["GET"]),
    Route("/logout", logout, methods=["POST"]),
]
