"""The tables, as SQLAlchemy ORM models.

The schema itself is created and changed only by the alembic migrations in ``migrations/``;
a test proves the two never drift. History is append-only: nothing updates or deletes a
``Change`` row, so any past state can be rebuilt from it.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from tracker.roles import ROLES
from tracker.status import STATUS_KEYS

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The alembic revision these models describe; ``tests/test_migrations.py`` keeps it equal to the
#: migrations' head, so the everyday schema check needs no alembic.
SCHEMA_REVISION = "0003_accounts"

#: The narrative fields of an entry, in form order (the APEC CTAP columns).
NARRATIVE_FIELDS = ("measures", "planned", "timeframe", "needs", "evidence")
#: Every field of an entry that a person sets, and so every field the history tracks.
ENTRY_FIELDS = ("status",) + NARRATIVE_FIELDS
#: The contact-point fields of an economy's return for a year.
CONTACT_FIELDS = ("name", "title", "email", "phone")


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo: both databases store it the same way."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """Small values the tool keeps about itself, such as the key that signs forms."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Catalogue(Base):
    """A loaded catalogue file; its version travels on forms and reports."""

    __tablename__ = "catalogue"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class CatalogueVersion(Base):
    """Each version of a catalogue that was loaded, and when: what a report as of a moment names."""

    __tablename__ = "catalogue_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogue.id"))
    version: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class Instrument(Base):
    """A source document: a leaders' statement, a ministerial declaration, a strategy."""

    __tablename__ = "instrument"
    id: Mapped[int] = mapped_column(primary_key=True)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("catalogue.id"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    adopted: Mapped[str | None] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[Item]] = relationship(back_populates="instrument")


class Item(Base):
    """One commitment, as a checklist item. ``ref`` never changes once published."""

    __tablename__ = "item"
    __table_args__ = (
        CheckConstraint("text_kind IN ('verbatim', 'summary')", name="text_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    text: Mapped[str] = mapped_column(Text)
    text_kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(128))
    deadline: Mapped[date | None] = mapped_column(Date)
    first_year: Mapped[int] = mapped_column(Integer)
    retired_year: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)

    instrument: Mapped[Instrument] = relationship(back_populates="items")

    def applies_in(self, year: int) -> bool:
        """An item applies from its first year up to, not including, the year it was retired."""
        return self.first_year <= year and (self.retired_year is None or year < self.retired_year)


class Economy(Base):
    """A member economy. Its code is editable; rows refer to it by id."""

    __tablename__ = "economy"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Entry(Base):
    """An economy's answer on one item for one year. Written only by ``progress.apply_changes``."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("economy_id", "item_id", "year"),
        CheckConstraint(
            "status IS NULL OR status IN (%s)" % ", ".join(f"'{k}'" for k in STATUS_KEYS),
            name="status",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economy.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str | None] = mapped_column(String(32))
    measures: Mapped[str | None] = mapped_column(Text)
    planned: Mapped[str | None] = mapped_column(Text)
    timeframe: Mapped[str | None] = mapped_column(Text)
    needs: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(Text)


class Return(Base):
    """An economy's return for a year: its contact point, as on the CTAP form."""

    __tablename__ = "economy_return"
    __table_args__ = (UniqueConstraint("economy_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economy.id"))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(Text)


class Import(Base):
    """A file that was imported, identified by the SHA-256 of its bytes."""

    __tablename__ = "file_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "form", "table" or "undo"
    economy_id: Mapped[int | None] = mapped_column(ForeignKey("economy.id"))
    year: Mapped[int | None] = mapped_column(Integer)
    form_id: Mapped[str | None] = mapped_column(ForeignKey("form.id"))
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    new: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    #: For an undo (``kind`` "undo", no file, no SHA-256): the import, or undo, it takes back.
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("file_import.id"))


class Form(Base):
    """A form issued to an economy for a year; its id and signature travel inside the workbook."""

    __tablename__ = "form"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economy.id"))
    year: Mapped[int] = mapped_column(Integer)
    catalogue_version: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime)


class Change(Base):
    """One changed field, old value to new. Append-only.

    ``item_id`` is set for entry fields and empty for the contact point of a return.
    """

    __tablename__ = "change"
    id: Mapped[int] = mapped_column(primary_key=True)
    economy_id: Mapped[int] = mapped_column(ForeignKey("economy.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    year: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("file_import.id"))


class Round(Base):
    """A year's round: opened when forms go out, closed when the report is published.

    A closed year is read-only until it is reopened; ``RoundEvent`` keeps who did which, when, why.
    """

    __tablename__ = "round"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class RoundEvent(Base):
    """One step of a round: opened, due date set, closed, reopened. Append-only."""

    __tablename__ = "round_event"
    __table_args__ = (
        CheckConstraint("action IN ('opened', 'due', 'closed', 'reopened')", name="action"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("round.year"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


class ItemText(Base):
    """One wording of an item, shown from ``from_year`` until the next wording's year.

    An item that was never reworded has no rows here: its ``Item.text`` is its only wording.
    """

    __tablename__ = "item_text"
    __table_args__ = (UniqueConstraint("item_id", "from_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    from_year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)


class ReportLog(Base):
    """A report workbook that was written: which file, its SHA-256, for which year and moment."""

    __tablename__ = "report_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime | None] = mapped_column(DateTime)
    written_at: Mapped[datetime] = mapped_column(DateTime)


class Account(Base):
    """A person who may sign in to the browser view; only a memory-hard hash of the password is kept.

    A focal point belongs to one economy (``economy_id``); the other roles to none. Failed sign-ins
    are counted so that repeated guesses are slowed down.
    """

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role IN (%s)" % ", ".join(f"'{r}'" for r in ROLES), name="role"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    economy_id: Mapped[int | None] = mapped_column(ForeignKey("economy.id"))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime)

    economy: Mapped[Economy | None] = relationship()
