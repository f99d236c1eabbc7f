"""A real SMTP server for the mail tests: aiosmtpd on this machine, plain, with STARTTLS, or with
TLS from the start, on a throw-away certificate made by openssl; it keeps every message it
accepts and refuses the recipients it is told to."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

USER, PASSWORD = "spsg", "mail password for tests"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    cert, key = folder / "server.pem", folder / "server.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class Mailbox:
    """The server's handler: it refuses the addresses in ``refused`` and keeps the rest's messages."""

    def __init__(self, refused=()):
        self.refused = set(refused)
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=default)))
        return "250 2.0.0 Queued as test"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for recipients, message in self.received if address in recipients]


def _authenticate(server, session, envelope, mechanism, auth_data):
    right = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=right, handled=False)  # handled=False: aiosmtpd answers a failure itself


def start(mailbox: Mailbox, security: str, cert: Path, key: Path) -> Controller:
    """The server, securing connections as ``security`` says, and asking for a sign-in over them."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    if security == "tls":
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, ssl_context=context,
                                authenticator=_authenticate, auth_required=True,
                                auth_require_tls=False)  # aiosmtpd does not count TLS from the start as TLS
    elif security == "starttls":
        controller = Controller(mailbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                                authenticator=_authenticate, auth_required=True, auth_require_tls=True)
    else:
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller
