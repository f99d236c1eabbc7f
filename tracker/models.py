"""The ORM classes, mapped onto the Core tables of ``tracker.tables`` (the one schema definition).

The commands that change data work through these classes and a ``Session``; reads that must start
quickly use the tables directly, without importing this module (``tracker.checklist``).
"""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from tracker import tables
from tracker.tables import (  # noqa: F401  (the names every module has always imported from here)
    CONTACT_FIELDS,
    ENTRY_FIELDS,
    NAMING_CONVENTION,
    NARRATIVE_FIELDS,
    SCHEMA_REVISION,
    utcnow,
)


class Base(DeclarativeBase):
    metadata = tables.metadata


class Setting(Base):
    __table__ = tables.setting


class Catalogue(Base):
    __table__ = tables.catalogue


class CatalogueVersion(Base):
    __table__ = tables.catalogue_version


class Instrument(Base):
    __table__ = tables.instrument

    items: Mapped[list[Item]] = relationship(back_populates="instrument")


class Item(Base):
    __table__ = tables.item

    instrument: Mapped[Instrument] = relationship(back_populates="items")

    def applies_in(self, year: int) -> bool:
        """An item applies from its first year up to, not including, the year it was retired."""
        return self.first_year <= year and (self.retired_year is None or year < self.retired_year)


class Economy(Base):
    __table__ = tables.economy


class Entry(Base):
    __table__ = tables.entry


class Return(Base):
    __table__ = tables.economy_return


class Import(Base):
    __table__ = tables.file_import


class Form(Base):
    __table__ = tables.form


class Change(Base):
    __table__ = tables.change


class Round(Base):
    __table__ = tables.round_

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class RoundEvent(Base):
    __table__ = tables.round_event


class ItemText(Base):
    __table__ = tables.item_text


class ReportLog(Base):
    __table__ = tables.report_log


class KeptReportFile(Base):
    __table__ = tables.kept_report_file


class Account(Base):
    __table__ = tables.account

    economy: Mapped[Economy | None] = relationship()


class ReturnReview(Base):
    __table__ = tables.return_review


class ReviewItemNote(Base):
    __table__ = tables.review_item_note


class SignInAttempt(Base):
    __table__ = tables.sign_in_attempt


class MailMessage(Base):
    __table__ = tables.mail_message


class PersonalLink(Base):
    __table__ = tables.personal_link


class PasswordReset(Base):
    __table__ = tables.password_reset

    account: Mapped[Account] = relationship()


class UploadPreview(Base):
    __table__ = tables.upload_preview


class ReportJob(Base):
    __table__ = tables.report_job
