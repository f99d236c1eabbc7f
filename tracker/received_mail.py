"""The workbooks attached to an e-mail message that came back: an ``.eml`` file, or a message read
from a mailbox (``tracker.mailbox_import``).

A message is untrusted input, so it is read with limits and every name and address in it is shown
escaped (``text.escaped``): a message that cannot be parsed, one too large, an attachment over the
size of any form, a spreadsheet in another format, each becomes one sentence saying what to do.
Nothing here touches the database; ``tracker.file_import`` imports each workbook found as if it
had been given on its own, and keeps the sender and date with the import.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path, PurePosixPath

from tracker.errors import Refused
from tracker.text import escaped
from tracker.workbook.reader import MAX_FILE_BYTES, OTHER_FORMATS

MESSAGE_SUFFIX = ".eml"
WORKBOOK_SUFFIX = ".xlsx"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A message may carry a few forms, each up to ``MAX_FILE_BYTES``, grown by a third in base64.
MAX_MESSAGE_BYTES = 3 * MAX_FILE_BYTES
MAX_HEADER_CHARS = 200
_ANGLED_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>@\s]+)>")


@dataclass(frozen=True)
class MailOrigin:
    """Where an attached workbook came from: the message's sender and date (UTC, or None when the
    message gave none that could be read), the message itself (file name or mailbox place) and its
    subject."""

    sender: str
    sent_at: datetime | None
    message: str
    subject: str


@dataclass(frozen=True)
class Attachment:
    """A workbook attached to a message: its name (escaped), its bytes and where it came from."""

    name: str
    data: bytes
    origin: MailOrigin


@dataclass(frozen=True)
class Unreadable:
    """An attachment that cannot be a return (too large, another format): its name and why."""

    name: str
    reason: str
    origin: MailOrigin


def _header(message: EmailMessage, name: str) -> str:
    """A header as one line of visible text, whatever its encoding was."""
    try:
        value = str(message.get(name, "") or "")
    except (ValueError, LookupError, TypeError, UnicodeError, email.errors.MessageError):
        return "(unreadable)"
    return _one_line(value)


def _one_line(value: str) -> str:
    """Text from a header as one short line that is safe to show (``text.escaped``)."""
    value = escaped(" ".join(value.split()))
    return value if len(value) <= MAX_HEADER_CHARS else value[:MAX_HEADER_CHARS] + "..."


def _decoded(value: str) -> str:
    """A header's raw value with its encoded words (=?utf-8?q?...?=) decoded, as far as they can be."""
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, TypeError, UnicodeError, email.errors.MessageError):
        return value


def _sender(message: EmailMessage) -> str:
    """The sender's address (``From``, else ``Sender``), or what the header held when it names none.
    The address is looked for in the header as written too: a name with control characters in it
    makes the parsed header lose the address that follows."""
    raw = {key.casefold(): value for key, value in message.raw_items()}
    for name in ("From", "Sender"):
        try:
            header = message.get(name)
            addresses = [a.addr_spec for a in getattr(header, "addresses", ()) if a.domain]
        except (ValueError, LookupError, TypeError, UnicodeError, email.errors.MessageError):
            addresses = []
        written = _decoded(str(raw.get(name.casefold(), "")))
        addresses += _ANGLED_ADDRESS.findall(written)
        if addresses:
            return _one_line(addresses[0])
        if written.strip():
            return _one_line(written)
    return "(no sender)"


def _sent_at(message: EmailMessage) -> datetime | None:
    """The message's Date in UTC, without time zone (as the database keeps times)."""
    try:
        header = message.get("Date")
        when = getattr(header, "datetime", None)
    except (ValueError, LookupError, TypeError, OverflowError, email.errors.MessageError):
        return None
    if when is None:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when


def _file_name(part: EmailMessage, number: int) -> str:
    """The attachment's file name without any folders, escaped; a name of its own when it has none."""
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError, UnicodeError, email.errors.MessageError):
        name = None
    name = PurePosixPath(str(name or "").replace("\\", "/")).name.strip()
    if not name:
        return f"attachment {number}{WORKBOOK_SUFFIX if part.get_content_type() == WORKBOOK_TYPE else ''}"
    return escaped(name)


def _is_spreadsheet(part: EmailMessage, name: str) -> bool:
    suffix = PurePosixPath(name).suffix.lower()
    return part.get_content_type() == WORKBOOK_TYPE or suffix == WORKBOOK_SUFFIX or suffix in OTHER_FORMATS


def attachments(data: bytes, message: str) -> list[Attachment | Unreadable]:
    """The spreadsheets attached to the message ``data`` (named ``message`` in what is shown), in
    order: each a workbook to import, or why it cannot be one. Other attachments (pictures, a
    signature) are left alone. An empty list: the message carries no spreadsheet."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise Refused(f"{message} is over {MAX_MESSAGE_BYTES // (1024 * 1024)} MB, far larger than a message "
                      "returning forms; it was not read. Ask for the forms in separate messages.")
    try:
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        origin = MailOrigin(_sender(parsed), _sent_at(parsed), message, _header(parsed, "Subject"))
        parts = [part for part in parsed.walk() if not part.is_multipart()]
    except (ValueError, LookupError, TypeError, UnicodeError, RecursionError, email.errors.MessageError):
        raise Refused(f"{message} is not an e-mail message that can be read; save the message again "
                      "from the mail program (as .eml), or save its attachment and import that.") from None
    found: list[Attachment | Unreadable] = []
    for number, part in enumerate(parts, 1):
        name = _file_name(part, number)
        if not _is_spreadsheet(part, name):
            continue
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in OTHER_FORMATS:
            found.append(Unreadable(name, f"{name}: {OTHER_FORMATS[suffix]}", origin))
            continue
        try:
            content = part.get_payload(decode=True) or b""
        except (ValueError, LookupError, TypeError, UnicodeError, email.errors.MessageError):
            found.append(Unreadable(name, f"{name}: the attachment's encoding cannot be read; save the "
                                          "attachment from the mail program and import that.", origin))
            continue
        if len(content) > MAX_FILE_BYTES:
            found.append(Unreadable(name, f"{name} is over {MAX_FILE_BYTES // (1024 * 1024)} MB; a form is far "
                                          "smaller. It was not read.", origin))
            continue
        found.append(Attachment(name, content, origin))
    return found


def message_file(path: Path) -> list[Attachment | Unreadable]:
    """The spreadsheets attached to the ``.eml`` file at ``path``; refused when it carries none."""
    shown = escaped(path.name)
    if not path.is_file():
        raise Refused(f"{escaped(str(path))}: no such file.")
    if path.stat().st_size > MAX_MESSAGE_BYTES:
        raise Refused(f"{shown} is over {MAX_MESSAGE_BYTES // (1024 * 1024)} MB, far larger than a message "
                      "returning forms; it was not read. Ask for the forms in separate messages.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused(f"{shown}: cannot be read ({exc.strerror or exc}).") from None
    found = attachments(data, shown)
    if not found:
        raise Refused(f"{shown}: no workbook (.xlsx) is attached to this message, so nothing was imported. "
                      "Ask the sender to attach the filled-in form.")
    return found
