"""E-mail messages as a focal point's mail program sends them back, with workbooks attached."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from datetime import datetime, timezone
from pathlib import Path

WORKBOOK_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SENT = datetime(2009, 3, 20, 19, 12, tzinfo=timezone.utc)


def message(*attachments: Path | tuple[str, bytes], sender: str = "Hanako Sato <h.sato@example.go.jp>",
            sent: datetime = SENT, subject: str = "Our return") -> bytes:
    """A message with a short text and each attachment (a file, or a name and its bytes), typed
    as a workbook when its name ends in .xlsx."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "spsg@example.org"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(sent)
    mail.set_content("Please find our return attached.\n")
    for attachment in attachments:
        name, data = (attachment.name, attachment.read_bytes()) if isinstance(attachment, Path) else attachment
        kind = WORKBOOK_TYPE if name.endswith(".xlsx") else ("application", "octet-stream")
        mail.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=name)
    return bytes(mail)
