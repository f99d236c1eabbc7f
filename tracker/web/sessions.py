"""Who is signed in, read from the signed session cookie, and the token that guards every form.

The cookie (Starlette's SessionMiddleware: signed with the key kept in the database, HttpOnly,
SameSite=Lax) holds the account's name and a fingerprint of its password hash, checked against the
database on every request: removing an account or changing its password ends its sessions. The
one-time address signs in the local administrator of this server process only.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request

from tracker import users
from tracker.users import Viewer

LOCAL_ADMINISTRATOR = Viewer("local administrator", "admin")


def current_viewer(request: Request) -> Viewer | None:
    """The signed-in viewer, or ``None``; read once per request."""
    try:
        return request.state.viewer
    except AttributeError:
        viewer = None
    cookie = request.session
    if cookie.get("local") and secrets.compare_digest(cookie["local"], request.app.state.local_nonce):
        viewer = LOCAL_ADMINISTRATOR
    elif cookie.get("name"):
        with request.app.state.store.transaction() as session:
            viewer = users.signed_in(session, cookie["name"], cookie.get("print", ""))
        if viewer is None:
            cookie.clear()
    request.state.viewer = viewer
    return viewer


def require_viewer(request: Request) -> Viewer:
    """The signed-in viewer; anyone else is sent to the sign-in page, and back here afterwards."""
    viewer = current_viewer(request)
    if viewer is None:
        if request.url.path.endswith(".json"):
            raise HTTPException(401, "Sign in first, at /login.")
        root = request.scope.get("root_path", "")
        wanted = request.url.path.removeprefix(root) + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, headers={"location": f"{root}/login?next={quote(wanted)}"})
    return viewer


def sign_in_as(request: Request, name: str, fingerprint: str) -> None:
    request.session.clear()
    request.session.update({"name": name, "print": fingerprint})


def sign_in_locally(request: Request) -> None:
    request.session.clear()
    request.session["local"] = request.app.state.local_nonce


def csrf_token(request: Request) -> str:
    """The token every form of this session carries in a hidden field."""
    if "session" not in request.scope:
        return ""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, form) -> None:
    """Refuse (403) a change request whose form does not carry this session's token."""
    given, expected = str(form.get("csrf", "")), request.session.get("csrf", "")
    if not expected or not secrets.compare_digest(given, expected):
        raise HTTPException(403, "This form has expired or did not come from this site: reload the page and try again.")
