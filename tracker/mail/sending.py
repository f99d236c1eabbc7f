"""Sending messages with ``smtplib``: one connection for a run, each message's answer kept.

The connection is secured with STARTTLS (the default, port 587), implicit TLS (port 465) or not
at all (a relay on the same machine), and the server's certificate is checked, against the
system's authorities or the file the settings name. Each message is sent with its own MAIL, RCPT
and DATA so that the server's reply to it can be logged; a recipient the server refuses is that
message's answer, and the next message is sent all the same.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Iterator

from tracker.errors import Refused
from tracker.mail.settings import MailSettings

TIMEOUT_SECONDS = 30


@dataclass
class Answer:
    """The server's answer to one message: accepted or not, and its reply."""

    accepted: bool
    reply: str


def _context(settings: MailSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise Refused(f"The certificate file {settings.ca_file} cannot be used ({exc}): "
                      "name a PEM file with `tracker mail set --ca-file`, or clear it with --ca-file ''.") from None


def _start_tls(server: smtplib.SMTP, settings: MailSettings, where: str) -> None:
    try:
        server.starttls(context=_context(settings))
    except smtplib.SMTPNotSupportedError:
        raise Refused(f"The mail server {where} offers no STARTTLS: set --security tls (port 465) "
                      "if it speaks TLS from the start, or none for a relay on this machine.") from None


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}".strip()


@contextmanager
def connected(settings: MailSettings) -> Iterator[smtplib.SMTP]:
    """A connection to the server, signed in when the settings name a user; a server that cannot
    be reached or refuses the sign-in is a message saying what to check."""
    settings.require_ready()
    where = f"{settings.host}:{settings.port_used}"
    try:
        if settings.security == "tls":
            server = smtplib.SMTP_SSL(settings.host, settings.port_used, timeout=TIMEOUT_SECONDS,
                                      context=_context(settings))
        else:
            server = smtplib.SMTP(settings.host, settings.port_used, timeout=TIMEOUT_SECONDS)
            if settings.security == "starttls":
                _start_tls(server, settings, where)
        if settings.user:
            server.login(settings.user, settings.password() or "")
    except smtplib.SMTPAuthenticationError as exc:
        raise Refused(f"The mail server {where} refused the sign-in of {settings.user} "
                      f"({_reply(exc.smtp_code, exc.smtp_error)}): check the user and the password.") from None
    except smtplib.SMTPNotSupportedError:
        raise Refused(f"The mail server {where} offers no sign-in: clear the user with `tracker mail set --user ''`, "
                      "or check the security (a server may offer it only over TLS).") from None
    except ssl.SSLCertVerificationError as exc:
        raise Refused(f"The mail server {where} shows a certificate this computer does not trust "
                      f"({exc.verify_message}): give the certificate of the authority that signed it with "
                      "`tracker mail set --ca-file FILE`.") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise Refused(f"The mail server {where} cannot be reached ({exc}): check the host, port and "
                      "security with `tracker mail show`.") from None
    try:
        yield server
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()


def deliver(server: smtplib.SMTP, message: EmailMessage) -> Answer:
    """Send one message on an open connection; the server's answer, refused or accepted."""
    recipients = [address.addr_spec for header in ("To", "Cc") for address in
                  getattr(message[header], "addresses", ())]
    try:
        server.ehlo_or_helo_if_needed()
        code, reply = server.mail(message["From"].addresses[0].addr_spec)
        if code != 250:
            server.rset()
            return Answer(False, _reply(code, reply))
        refused = []
        for recipient in recipients:
            code, reply = server.rcpt(recipient)
            if code not in (250, 251):
                refused.append(f"{recipient}: {_reply(code, reply)}")
        if len(refused) == len(recipients):
            server.rset()
            return Answer(False, "; ".join(refused))
        code, reply = server.data(message.as_bytes())
        answer = _reply(code, reply) + (f" (refused {'; '.join(refused)})" if refused else "")
        return Answer(code == 250, answer)
    except (smtplib.SMTPServerDisconnected, socket.timeout, OSError) as exc:
        raise Refused(f"The mail server closed the connection ({exc}); what was sent is in "
                      "`tracker mail log`: run the command again to send the rest.") from None
    except smtplib.SMTPException as exc:
        try:
            server.rset()  # the next message starts a transaction of its own
        except (OSError, smtplib.SMTPException):
            pass
        return Answer(False, str(exc))
