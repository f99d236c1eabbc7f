"""The form's layout: the sheets, columns and captions that the writer lays out and the reader
looks for, kept in one place so that the two cannot drift apart."""

from __future__ import annotations

FORM_SHEET = "Form"
ID_SHEET = "Identification"
LISTS_SHEET = "Lists"
STATUS_LIST_NAME = "StatusLabels"
HEADER_ROW = 10
#: The Form sheet's columns: (title, entry field or None for read-only columns, width). Every
#: column a focal point writes in is 14 characters wide but Status, a choice from a list, 12 (as
#: Last reported status: every label on one line but "Partially implemented", which takes two at
#: 14 too); the Instrument column is 16.5, so that the longest word of an instrument's name prints
#: whole ("Communications", 7.45 em, printed "Communicatio" / "ns" at 12) and no name of the
#: built-in catalogues takes more than five lines (six at 14): its room comes from Deadline, as
#: narrow as a date "2003-10-31" (5.11 em) prints in, from Ref, as narrow as the caption "Contact
#: phone" (7.0 em of bold) beside its value, and from Commitment, the narrowest it may be (the
#: writer widens it until the catalogue's longest wording takes eight lines: at 34, AMM05-1 takes
#: nine). The widths add up to what prints one A4 page wide in landscape at about 7 pt, with the
#: seven answer columns.
COLUMNS = [
    ("Ref", None, 14),  # wide enough for the contact point's captions above the table
    ("Instrument", None, 16.5),
    ("Commitment", None, 35),
    ("Deadline", None, 9.5),
    ("Last reported status", None, 12),
    ("Status", "status", 12),
    ("Measures undertaken", "measures", 14),
    ("Further measures planned", "planned", 14),
    ("Timeframe", "timeframe", 14),
    ("Capacity-building needs", "needs", 14),
    ("Capacity-building offers", "offers", 14),
    ("Evidence", "evidence", 14),
]
#: The columns a focal point answers in, by title: {title: entry field}.
FIELD_TITLES = {title: name for title, name, _ in COLUMNS if name}
#: The answer columns that forms written before them lack: such a form still imports, and leaves
#: the field as it was.
ADDED_TITLES = ("Capacity-building offers",)
#: The first columns come from the catalogue, the same in every economy's form (Ref, Instrument,
#: Commitment, Deadline); then Last reported status, then the answers.
CATALOGUE_COLUMNS = 4
#: The captions of the cells, in column A under the title, that show whose form it is; the value
#: goes in column B ("Japan (JPN)", "2008"). The reader checks them against the identification.
SHOWN_ID_CAPTIONS = {"economy": "Economy", "year": "Year"}
#: The labels of the contact-point cells above the header, in column A; the value goes in column B.
CONTACT_LABELS = {
    "name": "Contact name",
    "title": "Contact title",
    "email": "Contact e-mail",
    "phone": "Contact phone",
}
#: Each stored field by its title as people read it: the form's column, or the contact cell's label.
FIELD_LABELS = {name: title for title, name in FIELD_TITLES.items()} | {
    f"contact_{key}": label for key, label in CONTACT_LABELS.items()}
#: The identification a form carries (as custom document properties named with
#: ``PROPERTY_PREFIX``, and on the hidden ``ID_SHEET``), in the order its signature covers.
ID_FIELDS = ("form_id", "economy", "year", "catalogue_version", "issued_at")
PROPERTY_PREFIX = "tracker_"
