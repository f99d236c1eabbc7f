"""Hostile input, by generation: real filled forms, mutated at cell level (with openpyxl, as a
person or a tool would) and at byte level, are each either applied with exactly the values a
person sees or refused with the database unchanged; never a traceback.

The expected outcome of a cell-level mutation is worked out by reading the mutated workbook with
openpyxl in full (not read-only) mode, which knows hidden rows and columns, independently of
the importer's reader; the write path's own rules (``clean_entry_value``) say which texts it takes.
"""

import io
import json
import math
import re
import uuid
import zipfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles.numbers import is_date_format

from formtools import fill, snapshot
from tracker.cli import cli
from tracker.errors import Refused
from tracker.workbook.layout import COLUMNS, FORM_SHEET, HEADER_ROW
from tracker.progress import clean_entry_value
from tracker.text import decode_excel_escapes

FIELDS = {title: name for title, name, _ in COLUMNS if name}
ITEM_ROWS = range(HEADER_ROW + 1, HEADER_ROW + 27)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20).map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t))
odd = st.sampled_from(["\u200b", "\u202e", "\ufeff", "\u2028", "\ue000", "\t", "\n", "_x0001_", "=1+1", "=A1", "'", " "])
values = st.one_of(
    st.none(), texts, st.lists(st.one_of(texts, odd), max_size=4).map("".join),
    st.sampled_from(["Implemented", "planned", "PARTIALLY IMPLEMENTED", "not_applicable", "Done", "In progress"]),
    st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.dates(date(1900, 3, 1), date(2200, 1, 1)), st.integers(9_995, 10_005).map(lambda n: "y" * n),
)
rows = st.sampled_from(list(ITEM_ROWS))
operations = st.lists(st.one_of(
    st.tuples(st.just("set"), rows, st.sampled_from(["Ref", *FIELDS]), values),
    st.tuples(st.just("hide row"), rows),
    st.tuples(st.just("hide column"), st.sampled_from([title for title, _, _ in COLUMNS])),
    st.tuples(st.just("delete row"), rows),
    st.tuples(st.just("copy row"), rows, rows),
    st.tuples(st.just("rename sheet"), st.sampled_from(["form", "Form ", "Sheet1"])),
    st.tuples(st.just("tamper"), st.sampled_from(["economy", "year", "form_id"])),
), min_size=1, max_size=4)


@pytest.fixture
def base(tracker, tmp_path, target):
    """A form filled in for JPN 2008 (sqlite only: the database is not what is generated here)."""
    if "://" in target:
        pytest.skip("one backend is enough for generated workbooks")
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(tmp_path))
    return fill(tmp_path / "JPN-2008.xlsx", {"LC02-1": {"Status": "Implemented", "Evidence": "Act 2008"},
                                             "LC02-2": {"Status": "Planned"}})


def _stored(tracker) -> dict:
    return {r["ref"]: {name: r[name] for name in FIELDS.values()}
            for r in json.loads(tracker("show", "JPN", "--year", "2008", "--json").output)}


#: openpyxl reads a negative serial in a date cell as a day before this one; Excel shows it as #####.
EXCEL_DAY_ONE = date(1899, 12, 30)
#: A value Excel does not show as it is (scientific notation): the file must be refused.
UNSHOWN = object()


def _excel_general(number) -> str | object:
    """A number as Excel's General format shows it: 15 significant digits, at most 11 characters;
    ``UNSHOWN`` where it turns to scientific notation (a whole part of 12 digits, or tiny)."""
    if number == 0:
        return "0"
    if not 1e-4 <= abs(number) < 1e11:
        return UNSHOWN
    exact = Decimal(f"{number:.15g}")
    for decimals in range(15, 0, -1):
        text = str(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
        text = text.rstrip("0").rstrip(".") if "." in text else text
        if len(text) <= 11:
            return text
    return str(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))  # a whole part of 11 digits shows whole, its sign beside


def _date_out_of_range(cell) -> bool:
    """A number in a date cell that openpyxl could not turn into a date (past 9999-12-31; it reads
    an error, #VALUE!): ##### in Excel."""
    return cell.data_type == "e" and cell.value == "#VALUE!" and is_date_format(cell.number_format)


def _typed_text(value):
    """A value as a person sees it, in words: numbers as General shows them, dates as YYYY-MM-DD,
    text with Excel's escapes decoded (openpyxl writes ``_x0001_`` as it is, which Excel decodes)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _excel_general(value)
    if hasattr(value, "date"):
        return UNSHOWN if value.date() < EXCEL_DAY_ONE else value.date().isoformat()  # a negative serial: #####
    return None if value is None else decode_excel_escapes(str(value))


def _mutate(path, ops):
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    column = {title: i for i, (title, _, _) in enumerate(COLUMNS, start=1)}
    tampered = False
    for op in sorted(ops, key=lambda op: ["delete row", "copy row", "set", "hide row", "hide column",
                                          "rename sheet", "tamper"].index(op[0])):
        if op[0] == "delete row":
            ws.delete_rows(op[1])
        elif op[0] == "copy row":
            for c in range(1, len(COLUMNS) + 1):
                ws.cell(op[2], c).value = ws.cell(op[1], c).value
        elif op[0] == "set":
            ws.cell(op[1], column[op[2]]).value = op[3]
        elif op[0] == "hide row":
            ws.row_dimensions[op[1]].hidden = True
        elif op[0] == "hide column":
            ws.column_dimensions[ws.cell(1, column[op[1]]).column_letter].hidden = True
        elif op[0] == "rename sheet":
            ws.title = op[1]
        elif op[0] == "tamper":
            prop = next(p for p in wb.custom_doc_props if p.name == f"tracker_{op[1]}")
            prop.value = prop.value + "0"
            tampered = True
    wb.save(path)
    return tampered


def _column_hidden(ws, column: int) -> bool:
    """Whether a ``<col>`` element hides ``column``: one element may set several adjacent columns
    of one width, and openpyxl files it under the first of them only."""
    return any(dimension.hidden and dimension.min <= column <= dimension.max
               for dimension in ws.column_dimensions.values())


def _expected(path, tampered: bool, before: dict) -> dict | None:
    """What the database must hold after importing ``path`` (None: the file must be refused),
    from openpyxl's full reading of it."""
    wb = load_workbook(path)
    if tampered or FORM_SHEET not in wb.sheetnames:
        return None
    ws = wb[FORM_SHEET]
    titles = {cell.value: cell.column for cell in ws[HEADER_ROW] if cell.value}
    imported = ["Ref", *FIELDS]
    if any(_column_hidden(ws, titles[t]) for t in imported):
        return None
    expected = {ref: dict(fields) for ref, fields in before.items()}
    seen = set()
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        cells = {t: ws.cell(r, titles[t]) for t in imported}
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells.values()):
            continue
        if ws.row_dimensions[r].hidden or any(c.data_type == "f" for c in cells.values()):
            return None
        if any(isinstance(c.value, float) and not math.isfinite(c.value) for c in cells.values()):
            return None  # openpyxl writes 16 digits: the largest floats come out past any number a cell holds
        shown = {title: UNSHOWN if _date_out_of_range(cell) else _typed_text(cell.value) for title, cell in cells.items()}
        if UNSHOWN in shown.values():
            return None
        ref = shown["Ref"].strip().casefold() if shown["Ref"] else None
        match = next((known for known in before if known.casefold() == ref), None)
        if match is None or match in seen:
            return None
        seen.add(match)
        for title, name in FIELDS.items():
            try:
                cleaned = clean_entry_value(name, shown[title], title)
            except Refused:
                return None
            if cleaned is not None:
                expected[match][name] = cleaned
    return expected


def _import(tracker, path):
    result = tracker.runner.invoke(cli, ["--db", tracker.target, "import", "--json", str(path)])
    assert result.exit_code in (0, 1) and (result.exception is None or isinstance(result.exception, SystemExit)), (
        f"traceback: {result.exception!r}\n{result.output}")
    assert "Traceback" not in result.output
    return json.loads(result.output)[0]


@FUZZ
@given(ops=operations)
@example(ops=[("hide column", "Last reported status")])  # one <col> sets it and Status: both hidden
def test_cell_level_mutations_apply_exactly_what_is_seen_or_nothing(tracker, store, base, tmp_path, ops):
    path = tmp_path / f"{uuid.uuid4().hex}.xlsx"
    path.write_bytes(base.read_bytes())
    tampered = _mutate(path, ops)
    stored, before = _stored(tracker), snapshot(store)
    expected = _expected(path, tampered, stored)
    outcome = _import(tracker, path)
    if outcome["status"] == "already imported":  # the same bytes were generated before
        assert snapshot(store) == before
    elif outcome["status"] == "refused":
        assert snapshot(store) == before
        assert expected is None, f"refused, but every value could be seen and taken: {outcome['problems']}"
        assert all(p.startswith((path.name, "... and ")) for p in outcome["problems"])
    else:
        assert outcome["status"] == "applied" and expected is not None, f"{ops} should have been refused"
        assert _stored(tracker) == expected
    assert not any(CONTROL.search(v) for fields in _stored(tracker).values() for v in fields.values() if v)


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info.filename)) for info in archive.infolist()]


def _zipped(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def _corrupt(data: bytes, op) -> bytes:
    kind, a, b = op
    if kind == "truncate":
        return data[: a % len(data)]
    if kind == "flip":
        at = a % len(data)
        return data[:at] + bytes([data[at] ^ (1 + b % 255)]) + data[at + 1:]
    members = _members(data)
    i, j = a % len(members), b % len(members)
    if kind == "swap":
        names = [name for name, _ in members]
        names[i], names[j] = names[j], names[i]
        return _zipped([(names[k], content) for k, (_, content) in enumerate(members)])
    if kind == "duplicate":
        return _zipped(members + [(members[i][0], members[j][1])])
    name, content = members[i]
    if name.endswith(".xml"):
        injected = [b"\x00", b"&#1;", b"<", b"<!DOCTYPE x>", b"&bogus;"][b % 5]
        ends = [m.end() for m in re.finditer(rb">", content)] or [0]
        at = ends[a % len(ends)]
        members[i] = (name, content[:at] + injected + content[at:])
    return _zipped(members)


corruptions = st.tuples(st.sampled_from(["truncate", "flip", "swap", "duplicate", "inject"]),
                        st.integers(0, 10**6), st.integers(0, 10**6))


@pytest.mark.filterwarnings("ignore:Duplicate name")
@FUZZ
@given(op=corruptions)
def test_byte_level_corruption_is_refused_or_reads_the_same_values(tracker, store, base, tmp_path, op):
    original = _stored(tracker)
    path = tmp_path / f"{uuid.uuid4().hex}.xlsx"
    path.write_bytes(_corrupt(base.read_bytes(), op))
    before = snapshot(store)
    outcome = _import(tracker, path)
    if outcome["status"] in ("refused", "already imported"):
        assert snapshot(store) == before
        return
    stored = _stored(tracker)
    assert stored["LC02-1"]["status"] == "implemented" and stored["LC02-1"]["evidence"] == "Act 2008"
    assert stored["LC02-2"]["status"] == "planned"
    assert {ref: v for ref, v in stored.items() if ref not in ("LC02-1", "LC02-2")} == \
        {ref: v for ref, v in original.items() if ref not in ("LC02-1", "LC02-2")}
