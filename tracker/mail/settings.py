"""The mail settings, kept in the database's ``setting`` table, except the password.

The password is never stored: the settings name an environment variable or a file that holds it,
read when a message is sent, so a copy of the database gives no access to the mail server.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import Refused
from tracker.text import check_email
from tracker.models import Setting

PREFIX = "mail."
SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
NOT_SET_UP = ("Mail is not set up, so nothing was sent: give the server and the sender with "
              "`tracker mail set --host smtp.example.org --sender spsg@example.org` "
              "(see docs/mail.md), then try `tracker mail test ADDRESS`.")


@dataclass
class MailSettings:
    """How to reach the SMTP server and what the messages say about their sender."""

    host: str | None = None
    port: int | None = None
    security: str = "starttls"
    user: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    sender: str | None = None
    reply_to: str | None = None
    web_address: str | None = None
    templates: str | None = None
    ca_file: str | None = None

    @property
    def port_used(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def ready(self) -> bool:
        return bool(self.host and self.sender)

    def require_ready(self) -> None:
        if not self.ready:
            raise Refused(NOT_SET_UP)

    def password(self) -> str | None:
        """The password, from the environment variable or the file the settings name (or none)."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise Refused(f"The mail password is to be read from the environment variable {self.password_env}, "
                              f"which is not set: set it, or name another with `tracker mail set --password-env`.")
            return value
        if self.password_file:
            try:
                return Path(self.password_file).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
                raise Refused(f"The mail password file {self.password_file} cannot be read ({why}): "
                              "fix it, or name another with `tracker mail set --password-file`.") from None
        return None

    def shown(self) -> dict:
        """The settings as ``tracker mail show`` gives them (the password never: only where it is read)."""
        return asdict(self) | {"port": self.port_used}


def read_settings(session: Session) -> MailSettings:
    stored = dict(session.execute(select(Setting.key, Setting.value).where(Setting.key.startswith(PREFIX))).all())
    values = {f.name: stored[PREFIX + f.name] for f in fields(MailSettings) if PREFIX + f.name in stored}
    if "port" in values:
        values["port"] = int(values["port"])
    return MailSettings(**values)


def _checked(name: str, value):
    if name == "security" and value not in SECURITY:
        raise Refused(f"{value!r} is not a way to secure the connection: give one of {', '.join(SECURITY)}.")
    if name == "port" and value is not None and not 1 <= int(value) <= 65535:
        raise Refused(f"{value} is not a port: give a number from 1 to 65535, such as 587.")
    if name in ("sender", "reply_to") and value:
        check_email(value)
    if name == "web_address" and value and not value.startswith(("https://", "http://")):
        raise Refused(f"{value!r} is not a web address: give the tracker's address as focal points reach it, "
                      "such as https://tracker.example.org.")
    return value


def change_settings(session: Session, changes: dict) -> MailSettings:
    """``tracker mail set``: store the settings given (an empty text clears one); the others stay."""
    known = {f.name for f in fields(MailSettings)}
    for name, value in changes.items():
        if name not in known or value is None:
            continue
        value = _checked(name, value if not isinstance(value, str) else value.strip() or None)
        row = session.get(Setting, PREFIX + name)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Setting(key=PREFIX + name, value=str(value)))
        else:
            row.value = str(value)
    session.flush()
    stored = read_settings(session)
    if stored.password_env and stored.password_file:
        raise Refused("The mail password is to come from an environment variable or from a file, not both: "
                      "clear the other with --password-env '' or --password-file ''.")
    return stored
