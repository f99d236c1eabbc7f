"""The form's layout: the sheets, columns and captions that the writer lays out and the reader
looks for, kept in one place so that the two cannot drift apart."""

from __future__ import annotations

FORM_SHEET = "Form"
ID_SHEET = "Identification"
LISTS_SHEET = "Lists"
STATUS_LIST_NAME = "StatusLabels"
HEADER_ROW = 10
#: The Form sheet's columns: (title, entry field or None for read-only columns, width). Every
#: column a focal point types in is at least 15 characters wide; the Commitment column is the
#: narrowest it may be (the writer widens it to fit the catalogue's longest wording in six lines).
#: The widths add up to what prints one A4 page wide in landscape at about 7 pt.
COLUMNS = [
    ("Ref", None, 14),
    ("Instrument", None, 15),
    ("Commitment", None, 40),
    ("Deadline", None, 10),
    ("Last reported status", None, 14),
    ("Status", "status", 15),
    ("Measures undertaken", "measures", 18),
    ("Further measures planned", "planned", 16),
    ("Timeframe", "timeframe", 15),
    ("Capacity-building needs", "needs", 16),
    ("Evidence", "evidence", 16),
]
#: The columns a focal point answers in, by title: {title: entry field}.
FIELD_TITLES = {title: name for title, name, _ in COLUMNS if name}
#: The first columns come from the catalogue, the same in every economy's form (Ref, Instrument,
#: Commitment, Deadline); then Last reported status, then the answers.
CATALOGUE_COLUMNS = 4
#: The labels of the contact-point cells above the header, in column A; the value goes in column B.
CONTACT_LABELS = {
    "name": "Contact name",
    "title": "Contact title",
    "email": "Contact e-mail",
    "phone": "Contact phone",
}
#: The identification a form carries (as custom document properties named with
#: ``PROPERTY_PREFIX``, and on the hidden ``ID_SHEET``), in the order its signature covers.
ID_FIELDS = ("form_id", "economy", "year", "catalogue_version", "issued_at")
PROPERTY_PREFIX = "tracker_"
