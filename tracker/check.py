"""``tracker check``: is everything stored still what the history says it is?

The history is append-only and every write goes through one path that writes the value and its
history together, so an entry whose value is not the last one in its history, or an import whose
recorded changes are missing, means the database was changed behind the tool's back or damaged.
Every report kept must still have the bytes whose SHA-256 was listed when it was published.
On SQLite the file itself is checked too (``integrity_check`` and ``foreign_key_check``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tracker.models import (CONTACT_FIELDS, ENTRY_FIELDS, Change, Economy, Entry, Import, Item, KeptReportFile,
                           ReportLog, Return)

CONTACT_PREFIX = "contact_"


@dataclass
class CheckResult:
    """What was checked, and each problem found (empty when all is well)."""

    checks: list[str]
    entries: int = 0
    returns: int = 0
    imports: int = 0
    report_files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _file_problems(session: Session) -> list[str]:
    problems = [
        f"SQLite integrity check: {row}" for (row,) in session.execute(text("PRAGMA integrity_check")) if row != "ok"
    ]
    problems += [
        f"Broken reference: row {rowid} of table {table} points to a missing row of {parent}"
        for table, rowid, parent, _ in session.execute(text("PRAGMA foreign_key_check"))
    ]
    return problems


def _last_values(session: Session) -> dict[tuple, str | bool | None]:
    """The last value the history gives each (economy, item or None, year, field), and for an
    entry's status whether that last change was an online draft (field ``status_draft``)."""
    last = {}
    rows = session.execute(
        select(Change.economy_id, Change.item_id, Change.year, Change.field, Change.new_value, Change.draft)
        .order_by(Change.id)
    )
    for economy_id, item_id, year, name, value, draft in rows:
        last[(economy_id, item_id, year, name)] = value
        if name == "status":
            last[(economy_id, item_id, year, "status_draft")] = draft
    return last


def _value_problems(session: Session, result: CheckResult) -> list[str]:
    codes = {row.id: row.code for row in session.execute(select(Economy.id, Economy.code))}
    refs = {row.id: row.ref for row in session.execute(select(Item.id, Item.ref))}

    def economy(economy_id: int) -> str:
        return codes.get(economy_id) or f"economy {economy_id} (not in the database)"

    last = _last_values(session)
    problems = []

    def compare(key: tuple, stored, where: str) -> None:
        expected = last.pop(key, None)
        if stored != expected:
            problems.append(f"{where}: stored {stored!r}, but its history ends at {expected!r}.")

    for entry in session.scalars(select(Entry).order_by(Entry.id)):
        result.entries += 1
        for name in ENTRY_FIELDS:
            where = f"{economy(entry.economy_id)} {refs.get(entry.item_id)} {entry.year} {name}"
            compare((entry.economy_id, entry.item_id, entry.year, name), getattr(entry, name), where)
        drafted = last.pop((entry.economy_id, entry.item_id, entry.year, "status_draft"), False)
        if entry.status_draft != drafted:
            problems.append(f"{economy(entry.economy_id)} {refs.get(entry.item_id)} {entry.year}: its status is "
                            f"stored as {'' if entry.status_draft else 'not '}an online draft, but its history "
                            f"says it is {'' if drafted else 'not '}one.")
    for row in session.scalars(select(Return).order_by(Return.id)):
        result.returns += 1
        for name in CONTACT_FIELDS:
            where = f"{economy(row.economy_id)} {row.year} contact {name}"
            compare((row.economy_id, None, row.year, CONTACT_PREFIX + name), getattr(row, name), where)
    for (economy_id, item_id, year, name), value in last.items():
        if value is not None and name != "status_draft":
            what = refs.get(item_id, "contact") if item_id else "contact"
            problems.append(f"{economy(economy_id)} {what} {year} {name}: the history ends at {value!r}, "
                            "but there is no such entry.")
    return problems


def _import_problems(session: Session, result: CheckResult) -> list[str]:
    """Every import changed as many entries as it recorded (its new and changed counts). An entry
    whose every history row of the import is a confirmation (an earlier answer returned as it was)
    was confirmed, not new or changed, so it is not counted."""
    changed = Counter(import_id for import_id, *_ in session.execute(
        select(Change.import_id, Change.economy_id, Change.item_id, Change.year).distinct()
        .where(Change.import_id.is_not(None), Change.item_id.is_not(None), Change.confirmed.is_(False))
    ))
    problems = []
    for record in session.scalars(select(Import).order_by(Import.id)):
        result.imports += 1
        found = changed.get(record.id, 0)
        if found != record.new + record.changed:
            problems.append(
                f"Import {record.id} ({record.file_name}, {record.imported_at:%Y-%m-%d %H:%M}): recorded "
                f"{record.new} new and {record.changed} changed entries, but the history holds changes for {found}."
            )
    return problems


def _kept_report_problems(session: Session, result: CheckResult) -> list[str]:
    """Every kept report file still has the bytes whose SHA-256 was listed when it was
    published (a workbook: the SHA-256 in the log of reports too)."""
    problems = []
    rows = session.execute(select(KeptReportFile.report_id, KeptReportFile.kind, KeptReportFile.sha256,
                                  KeptReportFile.content, ReportLog.sha256)
                           .join(ReportLog, ReportLog.id == KeptReportFile.report_id).order_by(KeptReportFile.id))
    for report_id, kind, digest, content, logged in rows:
        result.report_files += 1
        if hashlib.sha256(content).hexdigest() != digest or (kind == "workbook" and digest != logged):
            problems.append(f"Report {report_id}: the kept {kind} is not the file published (its SHA-256 differs).")
    return problems


def check(session: Session) -> CheckResult:
    """Run every check on the database and return what it found."""
    is_sqlite = session.get_bind().dialect.name == "sqlite"
    result = CheckResult(
        (["SQLite integrity", "foreign keys"] if is_sqlite else [])
        + ["entries and contacts equal the last value in their history", "every import's changes exist",
           "every kept report is the file published"]
    )
    if is_sqlite:
        result.problems += _file_problems(session)
    result.problems += _value_problems(session, result)
    result.problems += _import_problems(session, result)
    result.problems += _kept_report_problems(session, result)
    return result
