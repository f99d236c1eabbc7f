"""Messages built from templates: a subject and a plain-text body, with a simple HTML alternative.

The defaults are shipped in ``tracker/mail/templates/``; the secretariat replaces any of them by
putting a file of the same name in the folder the settings name (``tracker mail set --templates``).
A text template's first line is ``Subject: ...``. Placeholders are ``$name``; every value put into
an HTML template is escaped first, so nothing a focal point or officer typed becomes markup.
"""

from __future__ import annotations

import html
import importlib.resources
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path
from string import Template

from tracker.errors import Refused
from tracker.mail.settings import MailSettings

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _template(settings: MailSettings, name: str) -> str:
    if settings.templates:
        own = Path(settings.templates) / name
        if own.is_file():
            return own.read_text(encoding="utf-8")
    return importlib.resources.files("tracker.mail").joinpath("templates", name).read_text(encoding="utf-8")


def _filled(text: str, values: dict, name: str) -> str:
    try:
        return Template(text).substitute(values)
    except (KeyError, ValueError) as exc:
        raise Refused(f"The mail template {name} uses a placeholder that is not known ({exc}): use only "
                      f"{', '.join('$' + key for key in sorted(values))}.") from None


def rendered(settings: MailSettings, kind: str, values: dict[str, str],
             markup: dict[str, str] | None = None) -> tuple[str, str, str]:
    """The subject, plain text and HTML of a message of ``kind`` (its templates ``KIND.txt`` and
    ``KIND.html``), with ``values`` put in (escaped for the HTML); ``markup`` holds the HTML
    template's own values, built from escaped parts by the caller (a link's anchor)."""
    stem = kind.replace(" ", "_")
    text = _filled(_template(settings, f"{stem}.txt"), values, f"{stem}.txt")
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise Refused(f"The mail template {stem}.txt must start with a line 'Subject: ...'.")
    escaped = {key: html.escape(value) for key, value in values.items()} | (markup or {})
    page = _filled(_template(settings, f"{stem}.html"), escaped, f"{stem}.html")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n"), page


def compose(settings: MailSettings, to: str, subject: str, text: str, page: str,
            attachment: tuple[str, bytes] | None = None) -> EmailMessage:
    """One message, ready to send or to save as an ``.eml`` file."""
    message = EmailMessage(policy=SMTP)
    sender = settings.sender or "tracker@localhost"
    message["From"] = sender
    message["To"] = to
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=Address(addr_spec=sender).domain or "localhost")
    message.set_content(text)
    message.add_alternative(page, subtype="html")
    if attachment:
        name, content = attachment
        message.add_attachment(content, *XLSX, filename=name)
    return message
