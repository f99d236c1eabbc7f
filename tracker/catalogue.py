"""The catalogue: instruments and their commitments as checklist items.

Catalogues live in plain-text ``.catalogue`` files (see ``templates/``) so a person can review
a change in a diff. Loading a file is idempotent and matches items by ``ref``; it never touches
recorded progress, and an item missing from a newer file is kept, not deleted, so no answer is
ever orphaned (retire an item with ``retired-year`` instead).

Catalogues evolve: a file may add items (``first-year``), retire them (``retired-year``) and reword
them. A new wording needs ``text-from: YEAR``: earlier years keep the old wording (``ItemText``
keeps every wording with the year it starts), so forms and reports of a year show that year's
text, and the answers, attached to the ref, stay. A ref never changes its instrument or catalogue,
and a change that would alter what a closed year shows is refused.
"""

from __future__ import annotations

import calendar
import importlib.resources
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from tracker.checklist import Wordings, applies_in, wording_in, wordings_of
from tracker.errors import Refused, not_found, reopen_hint
from tracker.models import Catalogue, CatalogueVersion, Instrument, Item, ItemText, Round, utcnow

BUILT_IN = "apec-cyber-2002-2008.catalogue"
#: The longest short title of an item (a label on a chart's axis).
SHORT_TITLE_MAX = 64

_SECTION = re.compile(r"^\[(catalogue|instrument|item)(?:\s+(\S+))?\]\s*$")
_KEY = re.compile(r"^([a-z][a-z-]*)\s*:\s?(.*)$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_FIELDS = {
    "catalogue": {"code": True, "title": True, "version": True,
                  "report-title": False, "subject": False, "publisher": False},
    "instrument": {"title": True, "body": True, "place": False, "adopted": False, "reference": False},
    "item": {
        "instrument": True,
        "category": True,
        "text-kind": True,
        "text": True,
        "deadline": False,
        "first-year": True,
        "retired-year": False,
        "text-from": False,
        "short-title": False,
    },
}


@dataclass
class _Section:
    kind: str
    name: str | None
    line: int
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class ParsedCatalogue:
    """A catalogue file read and checked, ready to load."""

    code: str
    title: str
    version: str
    instruments: list[dict]
    items: list[dict]
    proposed: dict[str, str | None] = field(default_factory=dict)  # the report's title, subject, publisher


def built_in_path() -> Path:
    return Path(str(importlib.resources.files("tracker.templates").joinpath(BUILT_IN)))


def _sections(text: str, problems: list[str], where) -> list[_Section]:
    sections: list[_Section] = []
    current: _Section | None = None
    last_key: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t":
            if current is None or last_key is None:
                problems.append(f"{where(number)}: a continuation line with no key above it.")
            else:
                current.values[last_key] += " " + line.strip()
            continue
        header = _SECTION.match(line)
        if header:
            kind, name = header.groups()
            if (kind == "catalogue") != (name is None):
                problems.append(
                    f"{where(number)}: write [catalogue] alone, and [{kind} NAME] with a name."
                )
            current, last_key = _Section(kind, name, number), None
            sections.append(current)
            continue
        pair = _KEY.match(line)
        if current is None or pair is None:
            problems.append(
                f"{where(number)}: expected a [section] header or a 'key: value' line, found {line[:60]!r}."
            )
            continue
        key, value = pair.groups()
        if key not in _FIELDS[current.kind]:
            problems.append(
                f"{where(number)}: unknown key {key!r} in [{current.kind}]; "
                f"known keys: {', '.join(_FIELDS[current.kind])}."
            )
            last_key = None
            continue
        if key in current.values:
            problems.append(f"{where(number)}: {key!r} given twice in this section.")
        current.values[key], current.lines[key], last_key = value.strip(), number, key
    return sections


def _year(value: str) -> int:
    if not re.fullmatch(r"\d{4}", value):
        raise ValueError("a year such as 2005")
    return int(value)


def _deadline(value: str) -> date:
    """YYYY-MM-DD, or YYYY-MM for "by <month>": the last day of that month."""
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value)
    if not match:
        raise ValueError("a date as YYYY-MM-DD, or YYYY-MM for the end of that month")
    year, month = int(match[1]), int(match[2])
    try:
        day = int(match[3]) if match[3] else calendar.monthrange(year, month)[1]
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError("a real date (YYYY-MM-DD or YYYY-MM)") from None


def _partial_date(value: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise ValueError("YYYY, YYYY-MM or YYYY-MM-DD")
    if len(value) > 4:
        _deadline(value)
    return value


def _text_kind(value: str) -> str:
    if value not in ("verbatim", "summary"):
        raise ValueError("verbatim or summary")
    return value


def _short_title(value: str) -> str:
    if len(value) > SHORT_TITLE_MAX:
        raise ValueError(f"at most {SHORT_TITLE_MAX} characters long ({len(value)} given)")
    return value


_CONVERT = {
    "short-title": _short_title,
    "first-year": _year,
    "retired-year": _year,
    "text-from": _year,
    "deadline": _deadline,
    "adopted": _partial_date,
    "text-kind": _text_kind,
}


def _section_values(section: _Section, problems: list[str], where) -> dict:
    """A section's fields converted (a year to a number, ...); a field missing, required or not,
    or not convertible is None, and a problem noted for each required one missing and each not
    convertible."""
    values: dict = {}
    for key, required in _FIELDS[section.kind].items():
        raw = section.values.get(key, "")
        if not raw:
            if required:
                problems.append(
                    f"{where(section.line)}: [{section.kind}{' ' + section.name if section.name else ''}] "
                    f"lacks {key!r}."
                )
            values[key] = None
            continue
        try:
            values[key] = _CONVERT[key](raw) if key in _CONVERT else raw
        except ValueError as exc:
            problems.append(f"{where(section.lines[key])}: {key} {raw!r} is not {exc}.")
            values[key] = None
    return values


def parse_catalogue(text: str, file_name: str) -> ParsedCatalogue:
    """Read a catalogue file's text; refuse it whole, with every problem by line, if it is malformed."""
    problems: list[str] = []

    def where(line: int) -> str:
        return f"{file_name}, line {line}"

    sections = _sections(text, problems, where)
    records: dict[str, dict[str, dict]] = {"catalogue": {}, "instrument": {}, "item": {}}
    for section in sections:
        values = _section_values(section, problems, where)
        name = section.name or "catalogue"
        if section.name is not None and not _REF.match(section.name):
            problems.append(
                f"{where(section.line)}: {section.name!r} is not a valid reference "
                "(letters, digits, '.', '_' and '-', at most 64)."
            )
        if name in records[section.kind]:
            problems.append(f"{where(section.line)}: [{section.kind} {name}] appears twice.")
        values["line"] = section.line
        records[section.kind][name] = values

    if "catalogue" not in records["catalogue"]:
        problems.append(f"{file_name}: the [catalogue] section (code, title, version) is missing.")
    for ref, item in records["item"].items():
        if item["instrument"] and item["instrument"] not in records["instrument"]:
            problems.append(
                f"{where(item['line'])}: item {ref} names instrument {item['instrument']!r}, "
                "which this file does not define."
            )
        if item["retired-year"] and item["first-year"] and item["retired-year"] <= item["first-year"]:
            problems.append(f"{where(item['line'])}: item {ref} is retired before its first year.")
    if not records["item"] and not problems:
        problems.append(f"{file_name}: the file defines no [item] sections.")
    if problems:
        raise Refused("The catalogue was not loaded:\n  " + "\n  ".join(problems))

    head = records["catalogue"]["catalogue"]
    return ParsedCatalogue(
        code=head["code"],
        title=head["title"],
        version=head["version"],
        instruments=[dict(values, code=code) for code, values in records["instrument"].items()],
        items=[dict(values, ref=ref) for ref, values in records["item"].items()],
        proposed={"report_title": head["report-title"], "subject": head["subject"], "publisher": head["publisher"]},
    )


@dataclass
class LoadResult:
    """What loading a catalogue did (or, for a diff, would do): items by ref."""

    catalogue: str
    version: str
    added: list[str]
    updated: list[str]
    unchanged: int
    kept: list[str]
    instruments: list[str]  # "added CODE" or "updated CODE"
    retired: list[str] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)
    described: list[str] = field(default_factory=list)  # "title: OLD -> NEW": the catalogue's own fields

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.updated or self.instruments or self.retired or self.reworded
                    or self.described)

    def note(self, ref: str, before: dict, after: dict) -> None:
        """Count a stored item's change from the ``before`` to the ``after`` column values."""
        if after == before:
            self.unchanged += 1
        elif after["text"] != before["text"]:
            self.reworded.append(ref)
        elif after["retired_year"] != before["retired_year"] and after["retired_year"] is not None:
            self.retired.append(ref)
        else:
            self.updated.append(ref)


def _assign(row, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def wordings_for(session: Session, year: int, items: list[Item] | None = None) -> dict[int, str]:
    """Per item id, its wording in ``year`` (for the items given, or all)."""
    items = items_for(session) if items is None else items
    return {item_id: wording_in(w, year) for item_id, w in wordings_of(session, items).items()}


def _reworded(ref: str, wordings: Wordings, text: str, text_from: int | None, problems: list[str]) -> Wordings:
    """The wordings after giving the item ``text`` from ``text_from`` (None: refused, named)."""
    if text_from is None:
        problems.append(
            f"item {ref}: its text changed; add 'text-from: YEAR' to say from which year the new wording "
            "applies (earlier years keep the old one)."
        )
        return wordings
    latest_from = wordings[-1][0]
    if text_from > latest_from:
        return wordings + [(text_from, text)]
    if text_from == latest_from or len(wordings) == 1:
        return wordings[:-1] + [(latest_from, text)]
    problems.append(f"item {ref}: text-from {text_from} is before its latest wording, which applies from "
                    f"{latest_from}; give {latest_from} or later.")
    return wordings


def _shown_in(values: dict, wordings: Wordings, year: int):
    """What forms and reports of ``year`` show of an item (None when it does not apply)."""
    retired = values["retired_year"]
    if not (values["first_year"] <= year and (retired is None or year < retired)):
        return None
    return (wording_in(wordings, year), values["category"], values["deadline"], values["instrument_id"])


_ITEM_COLUMNS = ("instrument_id", "text", "text_kind", "category", "deadline", "first_year", "retired_year",
                 "short_title")


def _current(item: Item) -> dict:
    return {name: getattr(item, name) for name in _ITEM_COLUMNS}


def _item_values(spec: dict, instruments: dict[str, Instrument]) -> dict:
    """An item of the file as column values (the file's keys are the columns' names with dashes)."""
    values = {name: spec[name.replace("_", "-")] for name in _ITEM_COLUMNS if name != "instrument_id"}
    return {"instrument_id": instruments[spec["instrument"]].id} | values


def load_catalogue(session: Session, path: Path | str) -> LoadResult:
    """Load (or reload) a catalogue file, matching instruments by code and items by ref.

    In three passes: the catalogue and its instruments are written; every item of the file is
    checked against the stored one, and the file refused whole (nothing written, each item named)
    when one may not change; then the items are written, in the file's order."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Refused(f"There is no file {path}: give the path of a catalogue file (.catalogue).") from None
    except UnicodeDecodeError:
        raise Refused(f"{path} is not a catalogue (a catalogue is a UTF-8 text file, such as "
                      "apec-cyber-2002-2008.catalogue; a workbook of answers goes to `tracker import`).") from None
    except OSError as exc:
        raise Refused(f"Cannot read the catalogue {path}: {exc.strerror or exc}.") from None
    parsed = parse_catalogue(text, path.name)
    catalogue, described = _catalogue_row(session, parsed)
    instruments = {i.code: i for i in session.scalars(select(Instrument))}
    items = {i.ref: i for i in items_for(session)}
    _refuse_foreign(parsed, catalogue, instruments, items)
    result = LoadResult(parsed.code, parsed.version, [], [], 0, [],
                        _load_instruments(session, parsed, catalogue, instruments), described=described)
    new_wordings = _check_items(session, parsed, instruments, items, result, path.name)
    _write_items(session, parsed, instruments, items, new_wordings)
    in_file = {spec["ref"] for spec in parsed.items}
    result.kept = sorted(
        ref for ref, item in items.items()
        if ref not in in_file and item.instrument.catalogue_id == catalogue.id
    )
    session.flush()
    return result


def _catalogue_row(session: Session, parsed: ParsedCatalogue) -> tuple[Catalogue, list[str]]:
    """The file's catalogue, added or updated; a new version is recorded in its history. Also
    returns the changes to the catalogue's own title and report defaults, as "name: OLD -> NEW"."""
    catalogue = session.scalar(select(Catalogue).where(Catalogue.code == parsed.code))
    new_version = catalogue is None or catalogue.version != parsed.version
    described: list[str] = []
    if catalogue is None:
        catalogue = Catalogue(code=parsed.code, title=parsed.title, version=parsed.version, loaded_at=utcnow(),
                              **parsed.proposed)
        session.add(catalogue)
        session.flush()
    else:
        values = {"title": parsed.title} | parsed.proposed
        described = [f"{name.replace('_', ' ')}: {getattr(catalogue, name) or '(none)'} -> {value or '(none)'}"
                     for name, value in values.items() if getattr(catalogue, name) != value]
        if _assign(catalogue, values | {"version": parsed.version}):
            catalogue.loaded_at = utcnow()
    if new_version:
        session.add(CatalogueVersion(catalogue_id=catalogue.id, version=parsed.version, loaded_at=catalogue.loaded_at))
    return catalogue, described


def _refuse_foreign(parsed: ParsedCatalogue, catalogue: Catalogue, instruments: dict[str, Instrument],
                    items: dict[str, Item]) -> None:
    """Refuse a file that names instruments or items of another catalogue."""
    foreign = [
        f"instrument {i['code']}" for i in parsed.instruments
        if i["code"] in instruments and instruments[i["code"]].catalogue_id != catalogue.id
    ]
    foreign += [
        f"item {i['ref']}" for i in parsed.items
        if i["ref"] in items and items[i["ref"]].instrument.catalogue_id != catalogue.id
    ]
    if foreign:
        raise Refused(
            f"The catalogue was not loaded: {', '.join(foreign)} already belong to another catalogue. "
            "A ref is never reused for a different commitment: give them references of their own."
        )


def _load_instruments(session: Session, parsed: ParsedCatalogue, catalogue: Catalogue,
                      instruments: dict[str, Instrument]) -> list[str]:
    """The first pass: add or update the file's instruments (``instruments`` gains the new ones);
    what changed, as "added CODE" or "updated CODE"."""
    changes: list[str] = []
    for spec in parsed.instruments:
        values = {k: spec[k] for k in ("title", "body", "place", "adopted", "reference")}
        instrument = instruments.get(spec["code"])
        if instrument is None:
            instrument = Instrument(code=spec["code"], catalogue_id=catalogue.id, **values)
            session.add(instrument)
            instruments[spec["code"]] = instrument
            changes.append(f"added {spec['code']}")
        elif _assign(instrument, values):
            changes.append(f"updated {spec['code']}")
    session.flush()
    return changes


def _check_items(session: Session, parsed: ParsedCatalogue, instruments: dict[str, Instrument],
                 items: dict[str, Item], result: LoadResult, file_name: str) -> dict[int, Wordings]:
    """The second pass, which writes nothing: note in ``result`` what the file does to each item,
    and refuse the file, naming every item, when one would move to another instrument, be
    reworded without saying from when, or alter what a closed round shows. Returns the wordings
    of the reworded items, by item id."""
    problems: list[str] = []
    closed = list(session.scalars(select(Round.year).where(Round.closed_at.is_not(None)).order_by(Round.year)))
    wordings = wordings_of(session, list(items.values()))
    new_wordings: dict[int, Wordings] = {}
    for spec in parsed.items:
        values = _item_values(spec, instruments)
        item = items.get(spec["ref"])
        if item is None:
            after = [(values["first_year"], values["text"])]
            touched = [y for y in closed if _shown_in(values, after, y) is not None]
            result.added.append(spec["ref"])
        elif values["instrument_id"] != item.instrument_id:
            problems.append(
                f"item {item.ref}: it belongs to instrument {item.instrument.code}, and the file puts it "
                f"under {spec['instrument']}. A ref is never reused for a different commitment: give the "
                f"new commitment a ref of its own (and retire {item.ref} with retired-year)."
            )
            continue
        else:
            before, after = _current(item), wordings[item.id]
            if values["text"] != item.text:
                after = new_wordings[item.id] = _reworded(item.ref, after, values["text"], spec["text-from"], problems)
            result.note(item.ref, before, values)
            touched = [y for y in closed if _shown_in(before, wordings[item.id], y) != _shown_in(values, after, y)]
        if touched:
            years = ", ".join(str(y) for y in touched)
            problems.append(
                f"item {spec['ref']}: this change would alter what the closed round{'s' if len(touched) > 1 else ''} "
                f"{years} show{'' if len(touched) > 1 else 's'}. Reopen first: {reopen_hint(touched[0])}"
            )
    if problems:
        raise Refused(f"The catalogue {file_name} was not loaded; nothing changed:\n  " + "\n  ".join(problems))
    return new_wordings


def _write_items(session: Session, parsed: ParsedCatalogue, instruments: dict[str, Instrument],
                 items: dict[str, Item], new_wordings: dict[int, Wordings]) -> None:
    """The third pass: add or update every item of the file, in the file's order, with its wordings."""
    for position, spec in enumerate(parsed.items, start=1):
        values = _item_values(spec, instruments)
        item = items.get(spec["ref"])
        if item is None:
            session.add(Item(ref=spec["ref"], position=position, **values))
            continue
        item.position = position
        _assign(item, values)
        if item.id in new_wordings:
            _store_wordings(session, item, new_wordings[item.id])


def _store_wordings(session: Session, item: Item, wordings: Wordings) -> None:
    stored = {row.from_year: row for row in session.scalars(select(ItemText).where(ItemText.item_id == item.id))}
    for from_year, text in wordings:
        row = stored.get(from_year)
        if row is None:
            session.add(ItemText(item_id=item.id, from_year=from_year, text=text, loaded_at=utcnow()))
        elif row.text != text:
            row.text, row.loaded_at = text, utcnow()


def diff_catalogue(session: Session, path: Path | str) -> LoadResult:
    """What loading the file would change (``tracker catalog diff``), without changing anything."""
    savepoint = session.begin_nested()
    try:
        return load_catalogue(session, path)
    finally:
        savepoint.rollback()


def catalogue_version(session: Session, as_of: datetime | None = None) -> str:
    """Every loaded catalogue as ``code@version``: what a form or a report was built against
    (at the moment ``as_of``, if given: the versions loaded by then)."""
    if as_of is None:
        rows = list(session.execute(select(Catalogue.code, Catalogue.version).order_by(Catalogue.code)))
    else:
        latest: dict[str, str] = {}
        for code, version in session.execute(
            select(Catalogue.code, CatalogueVersion.version)
            .join(CatalogueVersion, CatalogueVersion.catalogue_id == Catalogue.id)
            .where(CatalogueVersion.loaded_at <= as_of)
            .order_by(CatalogueVersion.loaded_at, CatalogueVersion.id)
        ):
            latest[code] = version
        rows = sorted(latest.items())
    return ", ".join(f"{code}@{version}" for code, version in rows) or "none"


def items_for(session: Session, year: int | None = None) -> list[Item]:
    """Items in catalogue order; only those that apply in ``year`` when it is given."""
    query = (
        select(Item)
        .join(Item.instrument)
        .options(joinedload(Item.instrument))
        .order_by(Item.position, Item.id)
    )
    if year is not None:
        query = query.where(applies_in(year))
    return list(session.scalars(query))


def items_applying(session: Session, year: int, consequence: str = "") -> list[Item]:
    """The items that apply in ``year`` (``items_for``), refused when there is none: with what that
    means (``consequence``, ", so there is nothing to report") and the year the catalogue starts."""
    items = items_for(session, year)
    if not items:
        first = session.scalar(select(func.min(Item.first_year)))
        hint = f" The catalogue starts in {first}." if first else " Load a catalogue first (`tracker init`)."
        raise Refused(f"No checklist item applies in {year}{consequence}.{hint}")
    return items


def instrument_names(instruments) -> dict[str, str]:
    """The name of each of ``instruments`` (by code) where they are listed together: its title,
    followed by where and when it was adopted when another of them has the same title (the APEC
    Ministerial Meetings' joint statements of 2004 and 2005), so that no two read alike."""
    instruments = list(instruments)
    titles = Counter(instrument.title for instrument in instruments)
    return {instrument.code: instrument.title if titles[instrument.title] == 1 else
            f"{instrument.title} ({_adopted_at(instrument)})" for instrument in instruments}


def _adopted_at(instrument) -> str:
    """"Santiago, Chile, 2004": the place and year of adoption, or the code where neither is known."""
    said = [part for part in (instrument.place, (instrument.adopted or "")[:4]) if part]
    return ", ".join(said) or instrument.code


def item_record(item: Item) -> dict:
    """An item as plain data, for listings and JSON."""
    return {
        "ref": item.ref,
        "instrument": item.instrument.title,
        "instrument_code": item.instrument.code,
        "category": item.category,
        "text": item.text,
        "text_kind": item.text_kind,
        "deadline": item.deadline.isoformat() if item.deadline else None,
        "first_year": item.first_year,
        "retired_year": item.retired_year,
        "short_title": item.short_title,
    }


def list_items(session: Session, year: int | None = None) -> list[dict]:
    """The checklist items, in display order; those that apply in ``year``, with that year's
    wording, if given."""
    items = items_for(session, year)
    if year is None:
        return [item_record(item) for item in items]
    texts = wordings_for(session, year, items)
    return [item_record(item) | {"text": texts[item.id]} for item in items]


def resolve_item(session: Session, ref: str) -> Item:
    """The item with this ref, in any case; refuse with the closest refs otherwise."""
    wanted = ref.strip().casefold()
    items = items_for(session)
    for item in items:
        if item.ref.casefold() == wanted:
            return item
    raise not_found("item", ref, {item.ref: item.text for item in items})


def show_item(session: Session, ref: str) -> dict:
    """One item with its instrument in full, and its wordings with the year each applies from."""
    item = resolve_item(session, ref)
    instrument = item.instrument
    wordings = wordings_of(session, [item])[item.id]
    return item_record(item) | {
        "wordings": [{"from_year": from_year, "text": text} for from_year, text in wordings],
        "instrument_body": instrument.body,
        "instrument_place": instrument.place,
        "instrument_adopted": instrument.adopted,
        "instrument_reference": instrument.reference,
    }
