"""``tracker serve``: run the web application with uvicorn, safely by default.

On a loopback address with no accounts, the local user gets a one-time sign-in address (as
Jupyter prints one); on any other address the server refuses to start until an account exists.
Behind a reverse proxy, uvicorn honours the ``X-Forwarded-*`` headers of the proxies trusted
with ``forwarded_allow_ips``, and ``root_path`` is the path prefix the proxy serves it under.

With ``workers`` above 1, uvicorn starts that many processes, each of which builds its own
application: uvicorn needs a factory it can import (``app_from_environment``), which reads what
this process decided from environment variables. Whatever a later request needs is kept in the
database (``tracker.upload_previews``, ``tracker.report_jobs``, the one-time address), so any of
the processes answers any request.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket

import uvicorn

from tracker import users
from tracker.errors import Refused
from tracker.store import open_store
from tracker.web.app import create_app

#: The environment variables handing ``serve``'s settings to ``app_from_environment``.
TARGET, SECURE_COOKIES, LOCAL_NONCE = "TRACKER_SERVE_TARGET", "TRACKER_SERVE_SECURE_COOKIES", "TRACKER_SERVE_LOCAL_NONCE"


def is_loopback(host: str) -> bool:
    """True when ``host`` (a name or an address) reaches this machine only."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def plan(target: str, host: str) -> str | None:
    """Check that serving ``target`` on ``host`` is allowed; the one-time token to sign in with,
    when there is no account yet and the address is loopback. The token (or that there is none)
    is recorded in the database, as is the cookies' key, before any server process starts."""
    store = open_store(target)
    try:
        accounts = store.run(users.has_accounts)
        if not accounts and not is_loopback(host):
            raise Refused(
                f"No account exists, so the tracker will not be served on {host}, which others can reach. "
                "Add one first: tracker users add NAME --role admin (then serve again)."
            )
        token = None if accounts else secrets.token_urlsafe(32)
        store.run(users.offer_one_time_sign_in, token)
        store.run(users.session_secret)
    finally:
        store.engine.dispose()
    return token


def app_from_environment():
    """The application of one server process, as ``serve`` set it up (uvicorn's factory)."""
    return create_app(os.environ[TARGET], secure_cookies=os.environ.get(SECURE_COOKIES) == "1",
                      local_nonce=os.environ[LOCAL_NONCE])


def serve(target: str, host: str, port: int, root_path: str, forwarded_allow_ips: str, secure_cookies: bool,
          announce, workers: int = 1) -> None:
    """Serve ``target`` with ``workers`` processes until interrupted; ``announce`` is told the
    address (and the one-time one)."""
    token = plan(target, host)
    os.environ.update({TARGET: target, SECURE_COOKIES: "1" if secure_cookies else "0",
                       LOCAL_NONCE: secrets.token_urlsafe(16)})
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}{root_path}"
    announce(f"Serving {target} at {base}/ (Ctrl+C stops it).")
    if token:
        announce(f"No accounts yet: sign in as administrator at this address, which works once:\n    {base}/login/once?token={token}")
    uvicorn.run(f"{__name__}:app_from_environment", factory=True, workers=workers, host=host, port=port,
                root_path=root_path, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                server_header=False, log_level="info")
