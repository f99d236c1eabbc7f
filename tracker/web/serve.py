"""``tracker serve``: run the web application with uvicorn, safely by default.

On a loopback address with no accounts, the local user gets a one-time sign-in address (as
Jupyter prints one); on any other address the server refuses to start until an account exists.
Behind a reverse proxy, uvicorn honours the ``X-Forwarded-*`` headers of the proxies trusted
with ``forwarded_allow_ips``, and ``root_path`` is the path prefix the proxy serves it under.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket

import uvicorn

from tracker import users
from tracker.errors import Refused
from tracker.store import open_store
from tracker.web.app import create_app


def is_loopback(host: str) -> bool:
    """True when ``host`` (a name or an address) reaches this machine only."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def plan(target: str, host: str) -> str | None:
    """Check that serving ``target`` on ``host`` is allowed; the one-time token to sign in with,
    when there is no account yet and the address is loopback."""
    store = open_store(target)
    try:
        with store.transaction() as session:
            accounts = users.has_accounts(session)
    finally:
        store.engine.dispose()
    if accounts:
        return None
    if not is_loopback(host):
        raise Refused(
            f"No account exists, so the tracker will not be served on {host}, which others can reach. "
            "Add one first: tracker users add NAME --role admin (then serve again)."
        )
    return secrets.token_urlsafe(32)


def serve(target: str, host: str, port: int, root_path: str, forwarded_allow_ips: str, secure_cookies: bool,
          announce) -> None:
    """Serve ``target`` until interrupted; ``announce`` is told the address (and the one-time one)."""
    token = plan(target, host)
    app = create_app(target, one_time_token=token, secure_cookies=secure_cookies)
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}{root_path}"
    announce(f"Serving {target} at {base}/ (Ctrl+C stops it).")
    if token:
        announce(f"No accounts yet: sign in as administrator at this address, which works once:\n    {base}/login/once?token={token}")
    uvicorn.run(app, host=host, port=port, root_path=root_path, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False, log_level="info")
