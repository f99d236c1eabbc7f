"""Who publishes the report, and what it is called: set once per database.

A published report names itself (title, subject), its publishing body and, optionally, opens with
a foreword. The database keeps its own choice of each in ``setting`` (``tracker publication set``,
or the browser's Publication page); until one is set, the loaded catalogue's proposal applies (the
``[catalogue]`` section's ``report-title``, ``subject`` and ``publisher``), and without one a plain
default. ``{year}`` in any of them stands for the report's year, so one title serves every year.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import Refused, quoted
from tracker.models import Catalogue, Setting
from tracker.text import check_text

#: The fields of a publication, in the order they are shown.
FIELDS = ("title", "subject", "publisher", "foreword")
#: The longest each may be: a title and a publisher fit a cover's lines, a foreword a page.
LIMITS = {"title": 200, "subject": 400, "publisher": 200, "foreword": 6000}
#: What a report is called when neither the database nor any catalogue says otherwise.
DEFAULT_TITLE = "Progress report {year}"
YEAR = "{year}"
_KEY_PREFIX = "publication."
#: The catalogue column that proposes each field (the foreword is the database's alone).
_PROPOSED_BY = {"title": "report_title", "subject": "subject", "publisher": "publisher"}


@dataclass(frozen=True)
class Publication:
    """What a report of one year says about itself: on its cover, its page headers, its properties."""

    title: str
    subject: str
    publisher: str
    foreword: str


def _proposals(session: Session) -> dict[str, tuple[str, str]]:
    """Per field, the default and where it comes from: the first catalogue loaded that proposes
    one (a catalogue without a subject offers its own title), else the plain default."""
    proposals = {"title": (DEFAULT_TITLE, "default"), "subject": ("", "default"),
                 "publisher": ("", "default"), "foreword": ("", "default")}
    found: set[str] = set()
    for catalogue in session.scalars(select(Catalogue).order_by(Catalogue.id)):
        offered = {name: getattr(catalogue, column) for name, column in _PROPOSED_BY.items()}
        offered["subject"] = offered["subject"] or catalogue.title
        for name, value in offered.items():
            if value and name not in found:
                proposals[name] = (value, f"catalogue {catalogue.code}")
                found.add(name)
    return proposals


def _stored(session: Session) -> dict[str, Setting]:
    rows = session.scalars(select(Setting).where(Setting.key.in_([_KEY_PREFIX + name for name in FIELDS])))
    return {row.key.removeprefix(_KEY_PREFIX): row for row in rows}


def publication_settings(session: Session) -> list[dict]:
    """Each field as set (``{year}`` not yet filled in), whether the database set it or where
    its default comes from, and the longest it may be: what ``tracker publication show`` and the
    Publication page list."""
    proposals, stored = _proposals(session), _stored(session)
    return [
        {"field": name, "limit": LIMITS[name]}
        | ({"value": stored[name].value, "source": "set"} if name in stored
           else {"value": proposals[name][0], "source": proposals[name][1]})
        for name in FIELDS
    ]


def site_title(publication: Publication) -> str:
    """What a site of every year's report is called: what the reports are about (the subject), else
    who publishes them, else the report's own title (a year's, which the site would outlive)."""
    return publication.subject or publication.publisher or publication.title


def publication_for(session: Session, year: int) -> Publication:
    """The title, subject, publisher and foreword of the report of ``year``."""
    values = {row["field"]: row["value"].replace(YEAR, str(year)) for row in publication_settings(session)}
    return Publication(**values)


def _checked(name: str, value: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    what = f"The {name}"
    check_text(value, what)
    if len(value) > LIMITS[name]:
        raise Refused(f"{what} is {len(value):,} characters long; shorten it to at most {LIMITS[name]:,}.")
    if name != "foreword" and ("\n" in value or "\t" in value):
        raise Refused(f"{what} {quoted(value)} holds a line break or a tab; write it on one line.")
    if name == "title" and not value:
        raise Refused("The title cannot be blank: give one, such as "
                      f"{quoted('Progress report ' + YEAR)} ({YEAR} stands for the report's year), "
                      "or reset it to the catalogue's with `tracker publication reset --title`.")
    return value


def set_publication(session: Session, values: dict[str, str | None]) -> list[dict]:
    """Set the fields given (None: left as they are), all checked before any is stored. A value
    equal to its default is not stored, so it keeps following the catalogue."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise Refused(f"Unknown publication field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}.")
    checked = {name: _checked(name, value) for name, value in values.items() if value is not None}
    proposals, stored = _proposals(session), _stored(session)
    for name, value in checked.items():
        row = stored.get(name)
        if value == proposals[name][0]:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Setting(key=_KEY_PREFIX + name, value=value))
        else:
            row.value = value
    session.flush()
    return publication_settings(session)


def reset_publication(session: Session, names: list[str]) -> list[dict]:
    """Forget what the database set for the fields named (all when none is), so that their
    defaults apply again."""
    unknown = sorted(set(names) - set(FIELDS))
    if unknown:
        raise Refused(f"Unknown publication field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}.")
    for name, row in _stored(session).items():
        if not names or name in names:
            session.delete(row)
    session.flush()
    return publication_settings(session)
