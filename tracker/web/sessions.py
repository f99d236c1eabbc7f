"""Who is signed in, read from the signed session cookie, and the token that guards every form.

The cookie (Starlette's SessionMiddleware: signed with the key kept in the database, HttpOnly,
SameSite=Lax) holds the account's name and a fingerprint of its password hash, checked against the
database on every request: removing an account or changing its password ends its sessions. The
one-time address signs in the local administrator of this server process only. A personal link
(``tracker.web.links``) signs in its economy's focal point for the online return of one year: the
cookie holds the link's hash, checked on every request, and every other address is refused.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request

from tracker import personal_links, users
from tracker.users import Viewer

LOCAL_ADMINISTRATOR = Viewer("local administrator", "admin")


def current_viewer(request: Request) -> Viewer | None:
    """The signed-in viewer, or ``None``; read once per request, in a read transaction (no write
    lock taken for it)."""
    try:
        return request.state.viewer
    except AttributeError:
        viewer = None
    cookie = request.session
    if cookie.get("local") and secrets.compare_digest(cookie["local"], request.app.state.local_nonce):
        viewer = LOCAL_ADMINISTRATOR
    elif cookie.get("name"):
        viewer = request.app.state.store.read_session(users.signed_in, cookie["name"], cookie.get("print", ""))
        if viewer is None:
            cookie.clear()
    elif cookie.get("link"):
        holder = request.app.state.store.read_session(personal_links.holder, cookie["link"])
        viewer = Viewer(f"link for {holder.economy}", "focal-point", holder.economy, holder.year) if holder else None
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
    if viewer.link_year is not None:
        _confine_to_link(request, viewer)
    return viewer


def _confine_to_link(request: Request, viewer: Viewer) -> None:
    """A personal link opens its economy's online return of its year, and no other page or year
    (the year of a save is checked where the posted form is read)."""
    root = request.scope.get("root_path", "")
    page = f"/economies/{viewer.economy}/return"
    path = request.url.path.removeprefix(root)
    if path not in (page, page + ".json", page + "/save"):
        raise HTTPException(403, f"A personal link opens {viewer.economy}'s {viewer.link_year} return only: "
                                 f"see {root}{page}?year={viewer.link_year}.")
    year = request.query_params.get("year")
    if request.method == "GET" and year != str(viewer.link_year):
        if year is None:
            raise HTTPException(303, headers={"location": f"{root}{path}?year={viewer.link_year}"})
        raise HTTPException(403, f"A personal link opens {viewer.economy}'s {viewer.link_year} return only, "
                                 f"not {year}'s.")


def sign_in_with_link(request: Request, token_hash: str) -> None:
    request.session.clear()
    request.session["link"] = token_hash


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
