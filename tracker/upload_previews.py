"""Uploads previewed in the browser and waiting for "Apply", kept in the database so that any
server process (``tracker serve --workers N``, or several servers behind one proxy) applies
what another one previewed.

The uploaded files wait in a folder on a disk every process reads; a row names them with their
SHA-256 and the ``file_import.preview_fingerprint`` of what the preview showed. The token handed
to the browser is kept only as its SHA-256 (a copy of the table gives no one a preview), belongs
to the account that uploaded, and expires after ``PREVIEW_HOURS``. Taking a preview deletes its
row in the same statement that checks it, so of two "Apply" sent together exactly one wins.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tracker.tables import upload_preview

PREVIEW_HOURS = 4


@dataclass(frozen=True)
class Preview:
    """An upload between its preview and "Apply": who uploaded it, the folder its files wait in,
    their paths and SHA-256, and the fingerprint of everything the preview showed."""

    owner: str
    folder: Path
    paths: list[str]
    digests: list[str]
    fingerprint: str

    def files_unchanged(self) -> bool:
        """Whether the files are still there, byte for byte as previewed."""
        return file_digests(self.paths) == self.digests


def file_digests(paths: list[str]) -> list[str | None]:
    """The SHA-256 of each file, ``None`` for one that is gone."""
    digests = []
    for path in paths:
        try:
            digests.append(hashlib.sha256(Path(path).read_bytes()).hexdigest())
        except FileNotFoundError:
            digests.append(None)
    return digests


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keep(session: Session, preview: Preview, now: datetime) -> str:
    """Keep ``preview``; the new token that takes it. Previews left unapplied for
    ``PREVIEW_HOURS`` go first, with their files."""
    expired = session.execute(
        delete(upload_preview).where(upload_preview.c.made_at < now - timedelta(hours=PREVIEW_HOURS))
        .returning(upload_preview.c.folder)).scalars().all()
    for folder in expired:
        shutil.rmtree(folder, ignore_errors=True)
    token = secrets.token_urlsafe(18)
    session.execute(upload_preview.insert().values(
        token_sha256=_token_digest(token), owner=preview.owner, folder=str(preview.folder),
        files=json.dumps(list(zip(preview.paths, preview.digests))), fingerprint=preview.fingerprint, made_at=now))
    return token


def take(session: Session, token: str, owner: str, now: datetime) -> Preview | None:
    """The preview kept under ``token`` for ``owner``, taken (no one can take it again); ``None``
    when there is none: unknown, another account's, expired, or already taken."""
    row = session.execute(
        delete(upload_preview)
        .where(upload_preview.c.token_sha256 == _token_digest(token), upload_preview.c.owner == owner,
               upload_preview.c.made_at >= now - timedelta(hours=PREVIEW_HOURS))
        .returning(upload_preview.c.folder, upload_preview.c.files, upload_preview.c.fingerprint)).first()
    if row is None:
        return None
    files = json.loads(row.files)
    return Preview(owner, Path(row.folder), [path for path, _ in files], [digest for _, digest in files],
                   row.fingerprint)

