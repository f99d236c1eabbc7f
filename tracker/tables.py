"""The schema, as SQLAlchemy Core tables: the one definition of every table and column.

The ORM classes in ``tracker.models`` are mapped onto these tables, and alembic's migrations are
compared against this metadata (``tests/test_migrations.py``), so the schema is written once.
Reads that must start quickly (``tracker show``) use these tables directly: importing them costs
no ORM. The schema itself is created and changed only by the alembic migrations in
``migrations/``. History is append-only: nothing updates or deletes a ``change`` row, so any past
state can be rebuilt from it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from tracker.roles import ROLES
from tracker.status import STATUS_KEYS

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The alembic revision these tables describe; ``tests/test_migrations.py`` keeps it equal to the
#: migrations' head, so the everyday schema check needs no alembic.
SCHEMA_REVISION = "0015_online_drafts"

#: The narrative fields of an entry, in form order (the APEC CTAP columns). The CTAP template asked
#: for capacity-building needs and, beside them, what the economy could offer others (``offers``).
NARRATIVE_FIELDS = ("measures", "planned", "timeframe", "needs", "offers", "evidence")
#: Every field of an entry that a person sets, and so every field the history tracks.
ENTRY_FIELDS = ("status",) + NARRATIVE_FIELDS
#: The contact-point fields of an economy's return for a year.
CONTACT_FIELDS = ("name", "title", "email", "phone")


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo: both databases store it the same way."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _id() -> Column:
    return Column("id", Integer, primary_key=True)


def _required(name: str, type_, *args, **kwargs) -> Column:
    return Column(name, type_, *args, nullable=False, **kwargs)


#: Small values the tool keeps about itself, such as the key that signs forms.
setting = Table(
    "setting", metadata,
    Column("key", String(64), primary_key=True),
    _required("value", Text),
)

#: A loaded catalogue file; its version travels on forms and reports. ``report_title``,
#: ``subject`` and ``publisher`` are what its file proposes for the published report, the
#: defaults of ``tracker.publication`` until the database sets its own.
catalogue = Table(
    "catalogue", metadata,
    _id(),
    _required("code", String(64), unique=True),
    _required("title", Text),
    _required("version", String(64)),
    _required("loaded_at", DateTime),
    Column("report_title", Text),
    Column("subject", Text),
    Column("publisher", Text),
)

#: Each version of a catalogue that was loaded, and when: what a report as of a moment names.
catalogue_version = Table(
    "catalogue_version", metadata,
    _id(),
    _required("catalogue_id", Integer, ForeignKey("catalogue.id")),
    _required("version", String(64)),
    _required("loaded_at", DateTime),
)

#: A source document: a leaders' statement, a ministerial declaration, a strategy.
instrument = Table(
    "instrument", metadata,
    _id(),
    _required("catalogue_id", Integer, ForeignKey("catalogue.id")),
    _required("code", String(64), unique=True),
    _required("title", Text),
    _required("body", Text),
    Column("place", Text),
    Column("adopted", String(10)),
    Column("reference", Text),
)

#: One commitment, as a checklist item. ``ref`` never changes once published; ``short_title``
#: labels it where its text does not fit (a chart's axis).
item = Table(
    "item", metadata,
    _id(),
    _required("ref", String(64), unique=True),
    _required("instrument_id", Integer, ForeignKey("instrument.id")),
    _required("text", Text),
    _required("text_kind", String(16)),
    _required("category", String(128)),
    Column("deadline", Date),
    _required("first_year", Integer),
    Column("retired_year", Integer),
    _required("position", Integer),
    Column("short_title", String(64)),
    CheckConstraint("text_kind IN ('verbatim', 'summary')", name="text_kind"),
)

#: A member economy. Its code is editable; rows refer to it by id.
economy = Table(
    "economy", metadata,
    _id(),
    _required("code", String(16), unique=True),
    _required("name", Text),
    _required("active", Boolean, default=True),
    # Membership years: from ``joined_in`` up to, not including, ``left_in`` (blank: open-ended).
    # Outside them the economy is on no form, report, matrix or denominator; its past stays.
    Column("joined_in", Integer),
    Column("left_in", Integer),
)

#: An economy's answer on one item for one year. Written only by ``progress.record_entries``.
#: Its key starts with the year: a year's entries (the report, the summary) and one economy's
#: entries of a year (every write) are each one range of that index, so no other index is kept.
#: Keyed economy first, with an index on the year beside it, the server's planner, its figures
#: taken before a round's forms came in, read one economy's year through the year's index: every
#: form imported scanned all the forms before it (PostgreSQL, 100 forms: 3.5 ms a form, growing).
entry = Table(
    "entry", metadata,
    _id(),
    _required("economy_id", Integer, ForeignKey("economy.id")),
    _required("item_id", Integer, ForeignKey("item.id")),
    _required("year", Integer),
    Column("status", String(32)),
    *(Column(name, Text) for name in NARRATIVE_FIELDS),
    _required("updated_at", DateTime),
    _required("updated_by", Text),
    # The status was last set by a save on the online return page: a draft, which makes no return
    # until the return is submitted (``tracker.returns``).
    _required("status_draft", Boolean, default=False, server_default=false()),
    UniqueConstraint("year", "economy_id", "item_id"),
    CheckConstraint("status IS NULL OR status IN (%s)" % ", ".join(f"'{k}'" for k in STATUS_KEYS), name="status"),
)

#: An economy's return for a year: its contact point, as on the CTAP form.
economy_return = Table(
    "economy_return", metadata,
    _id(),
    _required("economy_id", Integer, ForeignKey("economy.id")),
    _required("year", Integer),
    *(Column(name, Text) for name in CONTACT_FIELDS),
    _required("updated_at", DateTime),
    _required("updated_by", Text),
    UniqueConstraint("economy_id", "year"),
)

#: A file that was imported, identified by the SHA-256 of its bytes; ``kind`` is "form", "table"
#: or "undo". An undo has no file and no SHA-256, and ``undoes_id`` names the import (or undo) it
#: takes back. A workbook that came attached to an e-mail message keeps the message's sender and
#: date (``mail_from``, ``mail_sent_at``, UTC).
file_import = Table(
    "file_import", metadata,
    _id(),
    _required("file_name", Text),
    Column("sha256", String(64), unique=True),
    _required("kind", String(16)),
    Column("economy_id", Integer, ForeignKey("economy.id")),
    Column("year", Integer),
    Column("form_id", String(36), ForeignKey("form.id")),
    _required("imported_at", DateTime),
    _required("new", Integer),
    _required("changed", Integer),
    _required("unchanged", Integer),
    Column("undoes_id", Integer, ForeignKey("file_import.id")),
    Column("mail_from", Text),
    Column("mail_sent_at", DateTime),
)

#: A form issued to an economy for a year; its id and signature travel inside the workbook.
form = Table(
    "form", metadata,
    Column("id", String(36), primary_key=True),
    _required("economy_id", Integer, ForeignKey("economy.id")),
    _required("year", Integer),
    _required("catalogue_version", Text),
    _required("issued_at", DateTime),
)

#: One changed field, old value to new. Append-only. ``item_id`` is set for entry fields and
#: empty for the contact point of a return.
#:
#: A change of an entry's field refers to that entry (year, economy, item), whose own keys check
#: the economy and the item; nothing deletes an entry, and this key stops anything from doing so
#: while it has history. A change of a contact point is written with its return, whose key checks
#: the economy. One check a row, not one for the economy and one for the item: on PostgreSQL each
#: is a trigger run per row, and the two cost a tenth of a form's import (measured, 500 items).
change = Table(
    "change", metadata,
    _id(),
    _required("economy_id", Integer, index=True),
    Column("item_id", Integer),
    _required("year", Integer),
    _required("field", String(32)),
    Column("old_value", Text),
    Column("new_value", Text),
    _required("changed_at", DateTime),
    _required("source", Text),
    Column("import_id", Integer, ForeignKey("file_import.id")),
    # An answer carried forward from an earlier year and returned unchanged: recorded for the
    # year (old blank, new the answer) without being a change of value.
    _required("confirmed", Boolean, default=False, server_default=false()),
    # Written by a save on the online return page: a draft until the return is submitted.
    _required("draft", Boolean, default=False, server_default=false()),
    ForeignKeyConstraint(["year", "economy_id", "item_id"], ["entry.year", "entry.economy_id", "entry.item_id"]),
)

#: A year's round: opened when forms go out, closed when the report is published. A closed year
#: is read-only until it is reopened; ``round_event`` keeps who did which, when, why.
round_ = Table(
    "round", metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("due", Date),
    _required("opened_at", DateTime),
    Column("closed_at", DateTime),
)

#: One step of a round: opened, due date set, closed, reopened. Append-only.
round_event = Table(
    "round_event", metadata,
    _id(),
    _required("year", Integer, ForeignKey("round.year"), index=True),
    _required("action", String(16)),
    _required("at", DateTime),
    _required("source", Text),
    Column("reason", Text),
    CheckConstraint("action IN ('opened', 'due', 'closed', 'reopened')", name="action"),
)

#: One wording of an item, shown from ``from_year`` until the next wording's year. An item that
#: was never reworded has no rows here: its ``item.text`` is its only wording.
item_text = Table(
    "item_text", metadata,
    _id(),
    _required("item_id", Integer, ForeignKey("item.id")),
    _required("from_year", Integer),
    _required("text", Text),
    _required("loaded_at", DateTime),
    UniqueConstraint("item_id", "from_year"),
)

#: A report workbook that was written: which file, its SHA-256, for which year and moment.
report_log = Table(
    "report_log", metadata,
    _id(),
    _required("file_name", Text),
    _required("sha256", String(64)),
    _required("year", Integer),
    Column("as_of", DateTime),
    _required("written_at", DateTime),
)

#: A file of a report as published, byte for byte: its workbook, and its PDF when one was printed.
#: Never updated or deleted; ``tracker check`` compares every one with its SHA-256.
kept_report_file = Table(
    "kept_report_file", metadata,
    _id(),
    _required("report_id", Integer, ForeignKey("report_log.id")),
    _required("kind", String(8)),
    _required("sha256", String(64)),
    _required("content", LargeBinary),
    UniqueConstraint("report_id", "kind"),
    CheckConstraint("kind IN ('workbook', 'pdf')", name="kind"),
)

#: A person who may sign in to the browser view; only a memory-hard hash of the password is kept.
#: A focal point belongs to one economy (``economy_id``); the other roles to none.
account = Table(
    "account", metadata,
    _id(),
    _required("name", String(64), unique=True),
    _required("role", String(16)),
    Column("economy_id", Integer, ForeignKey("economy.id")),
    _required("password_hash", Text),
    _required("created_at", DateTime),
    CheckConstraint("role IN (%s)" % ", ".join(f"'{r}'" for r in ROLES), name="role"),
)

#: An editor's review of an economy's return for a year: accepted, or changes requested, with a
#: note, who and when. Append-only: the latest review made after the return last came in is the
#: return's state; a return received after it (submitted, imported) is "received" again.
return_review = Table(
    "return_review", metadata,
    _id(),
    _required("economy_id", Integer, ForeignKey("economy.id")),
    _required("year", Integer, index=True),
    _required("state", String(32)),
    Column("note", Text),
    _required("at", DateTime),
    _required("source", Text),
    CheckConstraint("state IN ('accepted', 'changes_requested')", name="state"),
)

#: A review's note on one item of the return: what to put right there, shown beside the item.
review_item_note = Table(
    "review_item_note", metadata,
    _id(),
    _required("review_id", Integer, ForeignKey("return_review.id")),
    _required("item_id", Integer, ForeignKey("item.id")),
    _required("note", Text),
    UniqueConstraint("review_id", "item_id"),
)

#: Failed sign-ins in a row, counted per user name and client address together, so that guessing
#: from one address is slowed down while the owner signing in from another is not held back. A
#: name nobody has is counted like a known one (so the answers never tell names apart); only the
#: SHA-256 of the name typed is kept, never the text itself.
sign_in_attempt = Table(
    "sign_in_attempt", metadata,
    _id(),
    _required("name_sha256", String(64)),
    _required("client", String(64)),
    _required("failures", Integer),
    _required("last_failed_at", DateTime, index=True),
    UniqueConstraint("name_sha256", "client"),
)

#: Every message the tracker sent or tried to send: to whom, what, when, and the server's answer
#: (``accepted``, with its reply, or refused with it). ``step`` names a reminder's place in the
#: round's calendar ("before-14", "after-7" ...), so that no economy gets the same one twice.
mail_message = Table(
    "mail_message", metadata,
    _id(),
    Column("year", Integer),
    Column("economy_id", Integer, ForeignKey("economy.id"), index=True),
    _required("kind", String(24)),
    Column("step", String(24)),
    _required("to_address", Text),
    Column("cc", Text),
    _required("subject", Text),
    _required("sent_at", DateTime),
    _required("accepted", Boolean),
    _required("server_reply", Text),
    Column("message_id", Text),
    CheckConstraint("kind IN ('invitation', 'reminder', 'chaser', 'changes requested', 'test')", name="kind"),
)

#: A personal link: it signs an economy's focal point into its online return for one year. Only
#: the SHA-256 of its random token is kept; it ends at ``expires_at`` (or when the round closes, if
#: none), when revoked, or when a newer link of the same economy and year is issued.
personal_link = Table(
    "personal_link", metadata,
    _id(),
    _required("economy_id", Integer, ForeignKey("economy.id")),
    _required("year", Integer),
    _required("token_hash", String(64), unique=True),
    _required("issued_at", DateTime),
    Column("expires_at", DateTime),
    Column("revoked_at", DateTime),
    _required("source", Text),
)

#: A one-time link that lets a person set their own password (a new account, or a reset): only
#: the SHA-256 of its random token is kept, it expires at ``expires_at`` and works once
#: (``used_at``). Issuing a new link for an account withdraws the ones it had.
password_reset = Table(
    "password_reset", metadata,
    _id(),
    _required("account_id", Integer, ForeignKey("account.id")),
    _required("token_sha256", String(64), unique=True),
    _required("created_at", DateTime),
    _required("expires_at", DateTime),
    Column("used_at", DateTime),
    _required("issued_by", String(200)),
)

#: An upload previewed in the browser and waiting for "Apply": any server process may apply it.
#: Only the SHA-256 of its token is kept; it belongs to the account that uploaded it and expires.
#: ``files`` is a JSON list of ``[path, sha256]``: the files wait in ``folder``, on a disk every
#: server process reads.
upload_preview = Table(
    "upload_preview", metadata,
    _id(),
    _required("token_sha256", String(64), unique=True),
    _required("owner", String(64)),
    _required("folder", Text),
    _required("files", Text),
    _required("fingerprint", Text),
    _required("made_at", DateTime),
)

#: A report being written (or written) from the browser, by whichever server process started it:
#: its worker thread updates ``step`` and ``beat_at`` as it goes, so any process shows its page,
#: and one that stopped beating (its process died) reads as failed. ``writing_to`` names the file
#: being written, unique so that two jobs never write the same file; emptied when the job ends.
report_job = Table(
    "report_job", metadata,
    _id(),
    _required("year", Integer),
    _required("owner", String(64)),
    _required("state", String(8)),
    _required("step", Text),
    Column("problem", Text),
    Column("report_id", Integer, ForeignKey("report_log.id")),
    Column("writing_to", Text, unique=True),
    Column("workbook", Text),
    Column("pdf", Text),
    _required("started_at", DateTime),
    _required("beat_at", DateTime),
    CheckConstraint("state IN ('running', 'done', 'failed')", name="state"),
)
