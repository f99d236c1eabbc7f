"""The web application: the routes, the session cookie, the safety headers on every response.

Like ``cli.py`` this is a thin adapter: each page parses its parameters, calls one library
function (``tracker.overview``, ``history``, ``import_log``, ``reports_log``, ``users``) in one
read transaction, and renders the result as HTML, or as JSON at the same address plus ``.json``.
"""

from __future__ import annotations

import importlib.resources
import secrets
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from tracker import users
from tracker.models import utcnow
from tracker.store import open_store
from tracker.workbook.reader import MAX_FILE_BYTES
from tracker.web import accounts, auth, changes, links, mail, pages, publication, reports, returns, reviews, rounds
from tracker.web.rendering import http_error, server_error, templates

SESSION_COOKIE = "tracker_session"
SESSION_HOURS = 12
#: Where uploads wait between preview and apply: the system's temporary folder, named once, since
#: a report being written points the process's temporary folder into its own run for a while.
UPLOADS = Path(tempfile.gettempdir())
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """Adds the Content-Security-Policy and its companions to every response, errors included."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = message | {"headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(target: str, one_time_token: str | None = None, secure_cookies: bool = False,
               upload_limit: int = MAX_FILE_BYTES, reports_folder: Path = Path("reports"),
               clock: Callable[[], datetime] = utcnow, uploads_folder: Path = UPLOADS,
               local_nonce: str | None = None) -> Starlette:
    """The application serving the database ``target``.

    ``one_time_token``, when given, is the secret of the one-time sign-in address
    (``/login/once?token=...``) that signs the local user in as administrator, once.
    ``secure_cookies`` marks the session cookie Secure (when served behind HTTPS).
    ``upload_limit`` is the largest upload, in bytes, read by ``/upload``; ``reports_folder`` is
    where ``/reports`` writes reports (``reports/`` of the working folder, as ``tracker report``).
    ``clock`` tells the time (UTC) that the wait after failed sign-ins counts in: tests move it
    instead of sleeping. ``uploads_folder`` is where uploads wait between preview and "Apply":
    with several server processes, a folder all of them read.
    ``local_nonce`` marks the sessions signed in by the one-time address; server processes that
    share one accept each other's (``tracker serve --workers N``); by default, this one's own.

    Nothing a later request needs is kept in this process: previews, report jobs, the one-time
    address and the cookies' key are in the database, so any process of the server answers.
    """
    store = open_store(target)
    secret = store.run(users.session_secret)
    if one_time_token:
        store.run(users.offer_one_time_sign_in, one_time_token)
    static = str(importlib.resources.files("tracker.web").joinpath("static"))
    app = Starlette(
        routes=[*auth.routes, *accounts.routes, *links.routes, *pages.routes, *returns.routes, *reviews.routes,
                *changes.routes, *rounds.routes, *reports.routes, *publication.routes, *mail.routes,
                Mount("/static", StaticFiles(directory=static), name="static")],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE,
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=secure_cookies),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.store = store
    app.state.templates = templates()
    app.state.local_nonce = local_nonce or secrets.token_urlsafe(16)
    app.state.upload_limit = upload_limit
    app.state.clock = clock
    app.state.reports_folder = reports_folder
    app.state.uploads_folder = uploads_folder
    return app
