"""The record of imports: what was imported, when, what it changed, and whether it was undone.

Every imported file is an ``Import`` row, and every value it changed a ``Change`` row carrying its
id. An undo (``tracker.undo``) is itself an ``Import`` of kind "undo", so this log reads what is
in force at any moment without asking the write path.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tracker.models import Change, Economy, Import

UNDO = "undo"


def undone_ids(session: Session, as_of: datetime | None = None) -> set[int]:
    """The imports (and undos) taken back (now, or at the moment ``as_of``): undone by an undo that
    is not itself undone."""
    query = select(Import.id, Import.undoes_id).where(Import.undoes_id.is_not(None))
    if as_of is not None:
        query = query.where(Import.imported_at <= as_of)
    undoes = dict(session.execute(query).all())
    by_target: dict[int, list[int]] = {}
    for undo_id, target in undoes.items():
        by_target.setdefault(target, []).append(undo_id)
    memo: dict[int, bool] = {}

    def is_undone(import_id: int) -> bool:
        if import_id not in memo:
            memo[import_id] = False
            memo[import_id] = any(not is_undone(u) for u in by_target.get(import_id, []))
        return memo[import_id]

    return {import_id for import_id in {*undoes, *undoes.values()} if is_undone(import_id)}


def mailed(mail_from: str | None, mail_sent_at: datetime | None) -> str:
    """", e-mailed by SENDER on DATE" for an import of a workbook attached to a message; else nothing."""
    if mail_from is None:
        return ""
    return f", e-mailed by {mail_from}" + (f" on {mail_sent_at:%Y-%m-%d %H:%M} UTC" if mail_sent_at else "")


def import_label(record: Import) -> str:
    return f"undo of import {record.undoes_id}" if record.kind == UNDO else record.file_name


def list_imports(session: Session) -> list[dict]:
    """Every import and undo, oldest first: file, SHA-256, economy, year, when, its history rows
    (``changes``; of them ``confirmed``: answers returned unchanged, not changes of value), undone,
    and for a workbook that came by e-mail, the message's sender and date."""
    counts = {import_id: (rows, confirmed or 0) for import_id, rows, confirmed in session.execute(
        select(Change.import_id, func.count(), func.sum(case((Change.confirmed, 1), else_=0)))
        .where(Change.import_id.is_not(None)).group_by(Change.import_id)
    )}
    codes = dict(session.execute(select(Economy.id, Economy.code)).all())
    undone = undone_ids(session)
    return [
        {
            "id": record.id,
            "file": import_label(record),
            "sha256": record.sha256,
            "economy": codes.get(record.economy_id),
            "year": record.year,
            "at": record.imported_at,
            "changes": counts.get(record.id, (0, 0))[0],
            "confirmed": counts.get(record.id, (0, 0))[1],
            "undone": record.id in undone,
            "mail_from": record.mail_from,
            "mail_sent_at": record.mail_sent_at,
        }
        for record in session.scalars(select(Import).order_by(Import.id))
    ]
