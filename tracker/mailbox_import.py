"""Returns read from a mailbox: ``tracker import --mailbox imaps://user@host:port/FOLDER``.

The folder's messages not yet marked are read over IMAP with TLS (the certificate checked, as a
mail program does), and every workbook attached to them is imported as if given on its own
(``file_import.import_sources``). A message whose workbooks were all imported (or had been
before) is marked with the keyword ``$TrackerImported``, so the next run does not take it again;
a message with a refused attachment stays unmarked and is listed with the reason, to be taken
again once a corrected form comes or the database allows it. The mark is an IMAP keyword, not
``\\Seen``: the officer still sees the message as unread in the mail program. A dry run opens the
folder read-only and marks nothing.

The password never travels on the command line: it is read from the environment
(``TRACKER_MAILBOX_PASSWORD``) or from a file.
"""

from __future__ import annotations

import imaplib
import os
import re
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from tracker.errors import Refused, quoted
from tracker.file_import import FileResult, Source, attached, import_sources
from tracker.received_mail import MAX_MESSAGE_BYTES, attachments
from tracker.store import Store
from tracker.text import escaped

MARK = "$TrackerImported"
PASSWORD_VARIABLE = "TRACKER_MAILBOX_PASSWORD"
IMAPS_PORT = 993
TIMEOUT_SECONDS = 60
_ANSWER_START = re.compile(rb"\d+ \(")
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_EXAMPLE = "imaps://returns@mail.example.org:993/INBOX"
#: In a message's BODYSTRUCTURE, what any attachment shows: a part of an application/* type, an
#: attachment disposition, or a file name. A message with none of them (text, text and HTML)
#: carries no spreadsheet and is not read.
_MAY_BE_ATTACHMENT = re.compile(rb'"(APPLICATION|ATTACHMENT|NAME\*?|FILENAME\*?)"', re.IGNORECASE)


@dataclass(frozen=True)
class MailboxAddress:
    """Where the returns are: an IMAP server reached over TLS, a user and a folder."""

    user: str
    host: str
    port: int
    folder: str

    def __str__(self) -> str:
        return f"imaps://{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass
class MessageResult:
    """One message that carries spreadsheets: its workbooks' results, and whether it was marked."""

    uid: str
    sender: str | None = None
    sent_at: datetime | None = None
    subject: str | None = None
    files: list[FileResult] = field(default_factory=list)
    problem: str | None = None  # the message itself could not be read
    marked: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None and all(result.ok for result in self.files)


@dataclass
class MailboxRun:
    """What a run found in the folder: the messages with spreadsheets, and how many without."""

    mailbox: str
    messages: list[MessageResult]
    without_workbook: int
    dry_run: bool


def mailbox_address(url: str) -> MailboxAddress:
    """The mailbox named by ``url`` (imaps://USER@HOST[:PORT]/FOLDER, the folder INBOX by default)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "imaps":
        raise Refused(f"The mailbox {quoted(escaped(url))} is not an imaps:// address; give one such as {_EXAMPLE} "
                      "(IMAP over TLS; plain IMAP would send the password readable by anyone on the way).")
    if parts.password is not None:
        raise Refused(f"The mailbox address holds a password; take it out (the address is shown and kept in the "
                      f"shell's history) and give the password in {PASSWORD_VARIABLE} or with --mailbox-password-file.")
    try:
        port = parts.port or IMAPS_PORT
    except ValueError:
        raise Refused(f"The mailbox address's port is not a number from 1 to 65535; give one such as {_EXAMPLE}.") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not parts.username or not parts.hostname:
        raise Refused(f"The mailbox address needs a user and a server, as in {_EXAMPLE}.")
    if not folder.isascii() or not folder.isprintable():
        raise Refused(f"The folder {quoted(escaped(folder))} is not plain ASCII; give its name as the server lists "
                      "it (IMAP's modified UTF-7, such as &AMk-t&AOk- for Été), or use a folder named in ASCII.")
    return MailboxAddress(unquote(parts.username), parts.hostname, port, folder)


def mailbox_password(password_file: Path | None) -> str:
    """The mailbox's password: the first line of ``password_file``, else ``TRACKER_MAILBOX_PASSWORD``."""
    if password_file is not None:
        try:
            lines = password_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeError) as exc:
            raise Refused(f"The password file {escaped(str(password_file))} cannot be read "
                          f"({getattr(exc, 'strerror', None) or exc}).") from None
        if not lines or not lines[0]:
            raise Refused(f"The password file {escaped(str(password_file))} is empty; put the password on its first line.")
        return lines[0]
    password = os.environ.get(PASSWORD_VARIABLE)
    if not password:
        raise Refused(f"No password for the mailbox: set {PASSWORD_VARIABLE}, or give --mailbox-password-file FILE "
                      "(a file only you can read, the password on its first line).")
    return password


def _quoted_folder(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _answer(data) -> str:
    """A server's answer as one short line of text that is safe to show."""
    text = b" ".join(part for part in data if isinstance(part, bytes)).decode("utf-8", "replace")
    return escaped(text)[:200]


def _connect(address: MailboxAddress) -> imaplib.IMAP4_SSL:
    where = f"{address.host}:{address.port}"
    try:
        return imaplib.IMAP4_SSL(address.host, address.port, ssl_context=ssl.create_default_context(),
                                 timeout=TIMEOUT_SECONDS)
    except ssl.SSLCertVerificationError as exc:
        raise Refused(f"The mail server at {where} showed a certificate this computer does not trust "
                      f"({exc.verify_message}). If the server uses a certificate of its own, point SSL_CERT_FILE "
                      "at that certificate (a PEM file) and try again.") from None
    except ssl.SSLError:
        raise Refused(f"The server at {where} does not answer in TLS; give the port of IMAP over TLS "
                      "(imaps, usually 993).") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise Refused(f"Cannot reach the mail server at {where} ({getattr(exc, 'strerror', None) or exc}); "
                      "check the address and the network.") from None


@contextmanager
def _folder(address: MailboxAddress, password: str, readonly: bool) -> Iterator[imaplib.IMAP4_SSL]:
    """The folder, selected (read-only for a dry run), on a connection signed in and closed at the end."""
    client = _connect(address)
    try:
        try:
            client.login(address.user, password)
        except imaplib.IMAP4.error:
            raise Refused(f"The mail server refused {escaped(address.user)}'s password; check {PASSWORD_VARIABLE} "
                          "or the password file.") from None
        kind, data = client.select(_quoted_folder(address.folder), readonly=readonly)
        if kind != "OK":
            raise Refused(f"The mail server has no folder {quoted(address.folder)} for {escaped(address.user)} "
                          f"(it said: {_answer(data)}); give the folder's name as the mail program shows it.")
        flags = _answer(client.response("PERMANENTFLAGS")[1] or [])
        if not readonly and "\\*" not in flags and MARK not in flags:
            raise Refused(f"The folder {quoted(address.folder)} does not keep keywords such as {MARK}, so the "
                          "messages imported could not be marked; use a folder that does (any folder of a "
                          "Dovecot, Cyrus or Gmail mailbox).")
        try:
            yield client
        except (imaplib.IMAP4.error, OSError) as exc:
            raise Refused(f"The connection to the mail server was lost or refused ({escaped(str(exc))[:200]}); "
                          "what was imported stays imported and its messages marked: run the import again "
                          "to take the rest.") from None
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def _unmarked(client: imaplib.IMAP4_SSL) -> dict[bytes, tuple[int, bool]]:
    """The messages not yet marked (and not deleted), by UID: each one's size, and whether its
    structure shows any attachment. Both are asked for every message in one FETCH, before any is
    read whole: a shared inbox holds many messages that are not returns, and stay unmarked, run
    after run. A message the answer does not describe is read (size unknown, may carry one)."""
    kind, data = client.uid("SEARCH", None, "UNDELETED", "NOT", "KEYWORD", MARK)
    if kind != "OK":
        raise Refused(f"The mail server refused to search the folder ({_answer(data)}).")
    uids = (data[0] or b"").split()
    if not uids:
        return {}
    kind, data = client.uid("FETCH", b",".join(uids).decode(), "(RFC822.SIZE BODYSTRUCTURE)")
    described = _described(data) if kind == "OK" else {}
    return {uid: described.get(uid, (0, True)) for uid in uids}


def _described(data) -> dict[bytes, tuple[int, bool]]:
    """Each message's size and whether it may carry attachments, by UID, from a FETCH's answer.
    imaplib gives each message's answer as a line (``1 (UID 7 RFC822.SIZE 90 BODYSTRUCTURE
    (...))``), or cut around the literals of its structure into (text, literal) pairs and lines.
    UID and size are read before the structure where the server puts them there (its quoted
    names could say anything)."""
    answers: list[list[bytes]] = []
    for item in data:
        text, literal = item if isinstance(item, tuple) else (item, b"")
        if not isinstance(text, bytes):
            continue
        if _ANSWER_START.match(text) or not answers:
            answers.append([text, literal])
        else:
            answers[-1] = [answers[-1][0] + text, answers[-1][1] + b" " + literal]
    described = {}
    for text, literals in answers:
        head = text.partition(b"BODYSTRUCTURE")[0]
        uid, size = _UID.search(head) or _UID.search(text), _SIZE.search(head) or _SIZE.search(text)
        if uid:
            described[uid.group(1)] = (int(size.group(1)) if size else 0,
                                       _MAY_BE_ATTACHMENT.search(text + b" " + literals) is not None)
    return described


def _read_message(client: imaplib.IMAP4_SSL, uid: bytes, size: int,
                  may_carry: bool) -> tuple[MessageResult, list[Source]]:
    """A message's result so far and the workbooks to import from it (none: it carries no spreadsheet)."""
    message = MessageResult(uid.decode())
    label = f"message {message.uid}"
    if not may_carry:
        return message, []
    if size > MAX_MESSAGE_BYTES:
        message.problem = (f"{label} is over {MAX_MESSAGE_BYTES // (1024 * 1024)} MB, far larger than a message "
                           "returning forms; it was not read. Save its attachments and import them as files.")
        return message, []
    kind, data = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
    body = next((part[1] for part in data if isinstance(part, tuple)), None) if kind == "OK" else None
    if body is None:
        message.problem = f"{label} could not be fetched from the server ({_answer(data)})."
        return message, []
    try:
        found = attachments(body, label)
    except Refused as exc:
        message.problem = str(exc)
        return message, []
    if found:
        origin = found[0].origin
        message.sender, message.sent_at, message.subject = origin.sender, origin.sent_at, origin.subject
    return message, [attached(item) for item in found]


def _mark(client: imaplib.IMAP4_SSL, message: MessageResult) -> None:
    kind, data = client.uid("STORE", message.uid, "+FLAGS", f"({MARK})")
    if kind == "OK":
        message.marked = True
    else:
        message.problem = f"imported, but the server refused to mark it ({_answer(data)}); the next run will say so."


def import_mailbox(store: Store, url: str, password_file: Path | None = None, dry_run: bool = False,
                   force: bool = False) -> MailboxRun:
    """Import the workbooks attached to the folder's unmarked messages, each on its own, and mark
    each message all of whose workbooks are in (none with ``dry_run``). The password is read from
    ``password_file``, else from the environment (``mailbox_password``)."""
    address = mailbox_address(url)
    with _folder(address, mailbox_password(password_file), readonly=dry_run) as client:
        messages, sources, without = [], [], 0
        for uid, (size, may_carry) in _unmarked(client).items():
            message, found = _read_message(client, uid, size, may_carry)
            if not found and message.problem is None:
                without += 1
                continue
            messages.append(message)
            sources.append(found)
        results = iter(import_sources(store, [s for found in sources for s in found], dry_run, force))
        for message, found in zip(messages, sources):
            message.files = [next(results) for _ in found]
            if message.ok and not dry_run:
                _mark(client, message)
    return MailboxRun(str(address), messages, without, dry_run)

