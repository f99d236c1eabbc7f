"""Reading workbooks that come from outside: one guarded, strict pass over each file.

A returned form is untrusted input. Its bytes are read once; the zip is checked (size, parts,
macros, decompression bombs, duplicated parts, CRC) before any XML is parsed, and every XML part
is parsed by expat through ``xml.etree`` (a sheet of up to 4 MB whole, anything else as it is
decompressed) with document type declarations refused, so no entity is ever expanded. The sheet
is read in one pass that sees what a cell reader such as openpyxl's read-only mode hides: row
numbers wherever the rows stand in the XML, rows and cells given twice, hidden and zero-height
rows, hidden columns, merged cells, and each cell's type, formula and cached value together.
That is why this lean pass replaced openpyxl for imports; openpyxl is still what knows number
formats and spreadsheet dates.

Anything that does not fit (a value not matching its type, an index out of range, a value a
person could not see, a header given twice) refuses the whole file with a message that names
the file and the cell. Any other failure while reading is one refusal naming the file.

The zip and its parts are ``reader_package``'s; what a number format shows is ``reader_formats``';
whether a style's font can be seen at all is ``reader_styles``'.
"""

from __future__ import annotations

import io
import math
import re
from bisect import bisect_left, bisect_right
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from typing import Collection, Iterable

from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from tracker.errors import Refused, quoted
from tracker.text import decode_excel_escapes
# MAX_FILE_BYTES, OTHER_FORMATS and FileRefused are the reader's to its callers too.
from tracker.workbook.reader_package import (MAIN, MAX_FILE_BYTES, OTHER_FORMATS, FileRefused, Package,  # noqa: F401
                                             check_zip, part_name)
from tracker.workbook.reader_formats import (GENERAL, Hidden, elapsed_as_shown, format_kind, general,
                                             number_as_shown, text_as_shown, text_section)
from tracker.workbook.reader_styles import FONT_ADVICE, CellStyle, Font, read_styles
from tracker.workbook.layout import (ADDED_TITLES, COLUMNS, CONTACT_LABELS, FIELD_TITLES, FORM_SHEET, ID_SHEET,
                                     PROPERTY_PREFIX, SHOWN_ID_CAPTIONS)

#: Excel's own limit on the characters of one cell.
MAX_CELL_CHARS = 32_767
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
#: Merged ranges times the rows with content they cover, beyond which a sheet is refused.
MAX_MERGE_WORK = 1_000_000
#: A row lower than this (points) or a column narrower than this (characters) shows nothing readable.
MIN_ROW_POINTS = 3
MIN_COLUMN_CHARACTERS = 0.5

TABLE_KEYS = ("Economy code", "Ref", "Year")
HEADER_SEARCH_ROWS = 40
MAX_COLUMNS = 40
#: The texts of a workbook (its shared strings) are kept while its sheets are read: a bound on
#: their number and size bounds the memory a file can take (a table of 250,000 rows has fewer).
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_CHARACTERS = 50_000_000
MAX_FORM_ROWS = 2_000
MAX_TABLE_ROWS = 250_000
#: How each kind of sheet is read: (the titles of its columns, those it needs, its rows at most).
FORM_READING = ([title for title, _, _ in COLUMNS], ["Ref", *(t for t in FIELD_TITLES if t not in ADDED_TITLES)],
                MAX_FORM_ROWS)
TABLE_READING = ([*TABLE_KEYS, *FIELD_TITLES], [*TABLE_KEYS, "Status"], MAX_TABLE_ROWS)
ID_ROWS = 20
MAX_ID_CHARS = 200
#: Above a form's header, the contact point's captions are in column A and its values in column B.
CONTACT_COLUMNS = (2,)
CONTACT_CAPTIONS = {" ".join(caption.split()).casefold() for caption in CONTACT_LABELS.values()}
FORM_CAPTIONS = CONTACT_CAPTIONS | {caption.casefold() for caption in SHOWN_ID_CAPTIONS.values()}

STRICT_MAIN = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CUSTOM_PROPS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
ROW, CELL, VALUE, FORMULA, INLINE, TEXT, RUN = (MAIN + t for t in ("row", "c", "v", "f", "is", "t", "r"))
RUN_PROPERTIES = MAIN + "rPr"
COL, MERGE, FORMAT_PR = MAIN + "col", MAIN + "mergeCell", MAIN + "sheetFormatPr"
SHARED_STRING_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
DOCUMENT_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
STRICT_DOCUMENT_TYPE = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
CUSTOM_PROPS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"

DIGITS = "0123456789"
COORDINATE = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
INDEX = re.compile(r"[0-9]{1,9}")
TRUE, FALSE = ("1", "true"), ("0", "false")
TEXT_TYPES = ("s", "inlineStr", "str")
#: Functions whose value changes at every recalculation, so a cached value of theirs is not what shows.
VOLATILE = re.compile(r"\b(NOW|TODAY|RAND|RANDBETWEEN|RANDARRAY|OFFSET|INDIRECT|CELL|INFO)\s*\(", re.IGNORECASE)


class ErrorValue(str):
    """An error a cell shows (``#N/A``, ``#DIV/0!``), as opposed to text typed to read the same."""


class _BadCell(Exception):
    """What is wrong with one cell's content; the caller names the cell."""


@dataclass
class Row:
    number: int
    cells: dict[str, tuple[object, str]]  # title (or column index in the preamble) -> (value, coordinate)


@dataclass
class Sheet:
    name: str
    preamble: list[Row]
    header_row: int
    rows: list[Row]


@dataclass
class Parsed:
    """Everything an import needs from the file, read before the database is touched."""

    kind: str  # "form" or "table"
    sheet: Sheet
    identification: dict[str, str] | None = None
    formulas: set[str] = field(default_factory=set)


@dataclass
class _Grid:
    """A sheet as stored: the cells that hold something, and what hides them."""

    name: str
    cells: dict[int, dict[int, object]]  # row -> column -> value (None: a formula never calculated)
    formulas: set[tuple[int, int]]
    unshown: set[int]  # rows holding a value its number format does not show as it is (``Hidden``)
    hidden_rows: set[int]
    hidden_columns: set[int]
    merged: dict[int, list[tuple[int, int, int, str]]]  # row -> (first, last column, top row, range)
    beyond: tuple[int, int] | None  # the first cell with content past the rows read


@dataclass
class _Scan:
    """What one pass over a sheet's XML has found so far, towards its ``_Grid``."""

    where: str  # the file and sheet, for messages
    last_row: int
    cells: dict[int, dict[int, object]] = field(default_factory=dict)
    formulas: set[tuple[int, int]] = field(default_factory=set)
    unshown: set[int] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    unsized_rows: set[int] = field(default_factory=set)  # hidden too when the sheet hides rows by default
    rows_hidden_by_default: bool = False
    hidden_columns: set[int] = field(default_factory=set)
    sized_columns: set[int] = field(default_factory=set)  # the others are as wide as the sheet's default
    columns_narrow_by_default: bool = False
    merges: list[str] = field(default_factory=list)
    seen_rows: set[int] = field(default_factory=set)
    previous_row: int = 0
    beyond: tuple[int, int] | None = None

    def add_row(self, number: int, values: dict[int, object], element) -> None:
        """Keep a row's cells (past ``last_row``, only where its first content is) and whether it is hidden."""
        height = element.get("ht")
        if _flag(element.get("hidden")) or (height is not None and float(height) < MIN_ROW_POINTS):
            self.hidden_rows.add(number)
        elif height is None:
            self.unsized_rows.add(number)
        if number <= self.last_row:
            self.cells[number] = values
        elif self.beyond is None:
            filled = [c for c, v in values.items()
                      if c <= MAX_COLUMNS and (not _empty(v) or (number, c) in self.formulas)]
            self.beyond = (number, min(filled)) if filled else None

    def hide_columns(self, element) -> None:
        """Note the columns a ``<col>`` record hides (hidden, or zero wide)."""
        first, last = int(element.get("min")), int(element.get("max"))
        width = element.get("width")
        if not 1 <= first <= last <= MAX_SHEET_COLUMNS:
            raise FileRefused([f"{self.where}: a column range {first} to {last} is out of range."])
        if _flag(element.get("hidden")) or (width is not None and float(width) < MIN_COLUMN_CHARACTERS):
            self.hidden_columns.update(range(first, min(last, MAX_COLUMNS) + 1))
        if width is not None:
            self.sized_columns.update(range(first, min(last, MAX_COLUMNS) + 1))

    def read_defaults(self, element) -> None:
        """The sheet's defaults (``sheetFormatPr``): rows hidden unless sized; columns too narrow to
        read unless sized (a default width, or else a base width, under ``MIN_COLUMN_CHARACTERS``)."""
        self.rows_hidden_by_default = _flag(element.get("zeroHeight"))
        width = element.get("defaultColWidth", element.get("baseColWidth"))
        self.columns_narrow_by_default = width is not None and float(width) < MIN_COLUMN_CHARACTERS

    def grid(self, name: str, merged: dict[int, list[tuple[int, int, int, str]]]) -> _Grid:
        hidden_rows = self.hidden_rows | self.unsized_rows if self.rows_hidden_by_default else self.hidden_rows
        hidden_columns = self.hidden_columns
        if self.columns_narrow_by_default:
            hidden_columns = hidden_columns | (set(range(1, MAX_COLUMNS + 1)) - self.sized_columns)
        return _Grid(name, self.cells, self.formulas, self.unshown, hidden_rows, hidden_columns, merged, self.beyond)


def cell_text(value) -> str | None:
    """What a person typed, as text: whole numbers without ``.0``, dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


@cache
def column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@cache
def _column_number(letters: str) -> int:
    """The column's number, or 0 when ``letters`` do not name a column."""
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isupper() and letters.isalpha()):
        return 0
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number if number <= MAX_SHEET_COLUMNS else 0


def normal(text) -> str:
    return " ".join(str(text).split()).casefold() if text is not None else ""


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _iso_date(raw: str) -> datetime | time:
    """A ``t="d"`` cell's value: a date and time, a date, or (as Excel writes a time alone) a time."""
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise _BadCell(f"a date cell holds {quoted(raw)}, which is not a date.") from None


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    if value in TRUE or value in FALSE:
        return value in TRUE
    raise ValueError(f"{quoted(value)} is not a boolean")


def check_shown_identification(name: str, parsed: Parsed) -> None:
    """The economy and year a form's sheet shows ("Japan (JPN)", "2008") must be those of its
    identification, checked once its signature is (else a person reads one economy's form and
    the answers go to another's)."""
    identification = parsed.identification or {}
    signed = {"economy": f"({identification.get('economy')})", "year": identification.get("year") or ""}
    for row in parsed.sheet.preamble:
        caption = normal(row.cells.get("0", (None, ""))[0])
        key = next((k for k, title in SHOWN_ID_CAPTIONS.items() if normal(title) == caption), None)
        if key is None:
            continue
        value, cell = row.cells.get("1", (None, f"B{row.number}"))
        shown = " ".join((cell_text(value) or "").split())
        if not (shown.endswith(signed["economy"]) if key == "economy" else shown == signed["year"]):
            raise FileRefused([f"{name}, sheet {parsed.sheet.name}, cell {cell} shows {SHOWN_ID_CAPTIONS[key]} "
                               f"{quoted(shown)}, but the form's signed identification is for "
                               f"{identification.get('economy')} {identification.get('year')}; the sheet was copied "
                               "from another form or altered. Type the answers into the form sent for that economy "
                               "and year, or ask for a fresh form."])


def read_workbook(name: str, data: bytes) -> Parsed:
    """Read a returned file (a form, or a tidy table) whole; any failure is one refusal naming it."""
    check_zip(name, data)
    try:
        with redirect_stdout(io.StringIO()):
            return _Reader(name, Package(name, data)).parsed()
    except Refused:
        raise
    except Exception as exc:  # any other failure while reading hostile bytes is a refusal, never a traceback
        raise FileRefused([f"{name} could not be read as a workbook ({type(exc).__name__}). Open it in Excel "
                           "or LibreOffice, save it as .xlsx and send it again."]) from None


class _Reader:
    """One file's reading: the workbook's sheets, shared texts and styles, then the sheet wanted."""

    def __init__(self, name: str, package: Package):
        self.name = name
        self.package = package
        self.epoch = CALENDAR_WINDOWS_1900
        self.recalculates = False  # the workbook asks for every formula to be recalculated on opening
        self.workbook = self._workbook_part()
        declared = self._workbook()
        rels = package.relationships(self.workbook)
        self.styles, self.palette = read_styles(package, self.workbook)
        self.checked_styles: dict[str, CellStyle] = {}  # the ``s`` of cells seen, checked, and their styles
        self.unseen_fonts: dict[str | None, str | None] = {}  # by ``s``: why its font hides a value, if it does
        #: The texts shared by cells, and the runs of those that give some runs a font of their own.
        self.string_runs: dict[int, tuple[tuple[Font, str], ...]] = {}
        self.strings = self._shared_strings(package.related(self.workbook, SHARED_STRING_TYPE))
        #: (name, state, part) of each sheet, in workbook order.
        self.sheets = [(sheet, state, rels.get(rid, ("", ""))[1]) for sheet, state, rid in declared]

    def refuse(self, problem: str):
        raise FileRefused([f"{self.name}: {problem}"])

    def _workbook_part(self) -> str:
        """The workbook's part, found as Excel finds it: through the package's relationships."""
        if self.package.related("", STRICT_DOCUMENT_TYPE):
            self.refuse("the workbook is saved as Strict Open XML; save it as an ordinary Excel workbook (.xlsx).")
        part = self.package.related("", DOCUMENT_TYPE)
        if part is not None and part_name(part).endswith(".bin"):
            self.refuse(f"this is {OTHER_FORMATS['.xlsb']}")
        if part is None or not self.package.has(part):
            self.refuse("this zip archive holds no workbook (its _rels/.rels names none that it holds). "
                        "Import the .xlsx form itself, as Excel or LibreOffice saved it.")
        return part

    def _workbook(self) -> list[tuple[str, str, str]]:
        """The sheets the workbook declares, as (name, state, relationship id); its date system."""
        sheets = []
        seen: set[str] = set()
        for _, element in self.package.events(self.workbook):
            tag = element.tag
            if tag.startswith(STRICT_MAIN):
                self.refuse("the workbook is saved as Strict Open XML; save it as an ordinary Excel workbook (.xlsx).")
            if tag == MAIN + "sheet":
                sheet = element.get("name") or ""
                if sheet.casefold() in seen:
                    self.refuse(f"two sheets are named {quoted(sheet)}; it cannot be told which one to read. "
                                "Start again from the form you were sent.")
                seen.add(sheet.casefold())
                sheets.append((sheet, element.get("state", "visible"), element.get(REL + "id")))
            elif tag == MAIN + "calcPr" and _flag(element.get("fullCalcOnLoad")):
                self.recalculates = True
            elif tag == MAIN + "workbookPr" and _flag(element.get("date1904")):
                self.epoch = CALENDAR_MAC_1904
        return sheets

    def _text_of(self, element) -> tuple[str, tuple[tuple[Font, str], ...]]:
        """The text of a string item as Excel shows it: its own <t> followed by every run's, in
        order; phonetic guides (<rPh>) left out; Excel's ``_xHHHH_`` escapes decoded once. And
        the runs that set their own font, with their text, for ``CellStyle.unseen``."""
        parts = []
        runs = []
        own = 0
        for child in element:
            if child.tag == TEXT:
                own += 1
                if own > 1:
                    raise _BadCell("holds a text in two parts where a spreadsheet writes one; the file was "
                                   "altered. Save it again in Excel or LibreOffice.")
                parts.append(child.text or "")
            elif child.tag == RUN:
                parts.append(child.findtext(TEXT) or "")
                properties = child.find(RUN_PROPERTIES)
                if properties is not None and len(properties):
                    runs.append((self.palette.font(properties), decode_excel_escapes(parts[-1])))
        return decode_excel_escapes("".join(parts)), tuple(runs)

    def _shared_strings(self, part: str | None) -> list[str]:
        if not part or not self.package.has(part):
            return []
        strings = []
        characters = 0
        root = None
        for event, element in self.package.events(part, ("start", "end")):
            if root is None:
                root = element
            elif event == "end" and element.tag == MAIN + "si":
                try:
                    text, runs = self._text_of(element)
                    if runs:
                        self.string_runs[len(strings)] = runs
                    strings.append(text)
                except _BadCell as exc:
                    self.refuse(f"part {part}, shared text number {len(strings)}: {exc}")
                root.clear()  # the items read so far, which the root would otherwise keep
                characters += len(strings[-1])
                if len(strings) > MAX_SHARED_STRINGS or characters > MAX_SHARED_CHARACTERS:
                    self.refuse(f"part {part} holds more than {MAX_SHARED_STRINGS:,} texts or "
                                f"{MAX_SHARED_CHARACTERS:,} characters, far more than a form or table; it was not "
                                "read. Send the form alone, or split the table into several files.")
        return strings

    def _style(self, style: str | None) -> CellStyle:
        """A cell's style, which must be one the file defines (no ``s``: the first)."""
        if style is None:
            return self.styles[0]
        found = self.checked_styles.get(style)
        if found is None:
            if not INDEX.fullmatch(style) or int(style) >= len(self.styles):
                raise _BadCell(f"refers to style number {quoted(style)}, which the file does not define.")
            found = self.checked_styles[style] = self.styles[int(style)]
        return found

    # The sheet -----------------------------------------------------------------------------

    def _grid(self, sheet: str, part: str, last_row: int) -> _Grid:
        """Every cell of a sheet with content, rows 1 to ``last_row``; the first one past it noted."""
        if not self.package.has(part):
            self.refuse(f"sheet {sheet} has no content part ({part or 'none given'}); the file is damaged.")
        scan = _Scan(f"{self.name}, sheet {sheet}", last_row)
        for element in self.package.elements(part, (FORMAT_PR, COL, ROW, MERGE)):
            tag = element.tag
            if tag == ROW:
                number = self._row_number(element.get("r"), scan.previous_row, scan.where)
                scan.previous_row = number
                if number in scan.seen_rows:
                    raise FileRefused([f"{scan.where}: row {number} is given twice in the file; it cannot be told "
                                       "which one was seen. Save the workbook again in Excel or LibreOffice."])
                scan.seen_rows.add(number)
                scan.add_row(number, self._row_cells(element, number, scan.where, scan.formulas, scan.unshown), element)
            elif tag == COL:
                scan.hide_columns(element)
            elif tag == MERGE:
                scan.merges.append(element.get("ref") or "")
            elif tag == FORMAT_PR:
                scan.read_defaults(element)
        return scan.grid(sheet, self._merged(scan.merges, sorted(scan.cells), scan.where))

    def _row_number(self, given: str | None, previous: int, where: str) -> int:
        if given is None:
            number = previous + 1
        elif INDEX.fullmatch(given):
            number = int(given)
        else:
            raise FileRefused([f"{where}: a row is numbered {quoted(given)}, which is not a row number."])
        if not 1 <= number <= MAX_SHEET_ROWS:
            raise FileRefused([f"{where}: a row is numbered {number}, outside 1 to {MAX_SHEET_ROWS:,}."])
        return number

    def _row_cells(self, row, number: int, where: str, formulas: set, unshown: set) -> dict[int, object]:
        values: dict[int, object] = {}
        column = 0
        digits = str(number)
        for cell in row:
            if cell.tag != CELL:
                continue
            reference = cell.get("r")
            if reference is None:
                column += 1
            else:
                letters = reference.rstrip(DIGITS)
                column = _column_number(letters)
                if not column or reference[len(letters):] != digits:
                    raise FileRefused([f"{where}, row {number}: a cell is named {quoted(reference)}, "
                                       "which is not a cell of that row."])
            if column > MAX_SHEET_COLUMNS:
                raise FileRefused([f"{where}, row {number}: a cell lies past the last column of a sheet."])
            if column > MAX_COLUMNS:  # never read: keeping it would cost memory for nothing
                continue
            if column in values:
                raise FileRefused([f"{where}, cell {column_letter(column)}{number}: given twice in the file; "
                                   "it cannot be told which value was seen."])
            try:
                value, is_formula = self._cell_value(cell)
            except _BadCell as exc:
                raise FileRefused([f"{where}, cell {column_letter(column)}{number}: {exc}"]) from None
            if is_formula:
                formulas.add((number, column))
            if type(value) is Hidden:
                unshown.add(number)
            if value is not None or is_formula:
                values[column] = value
        return values

    def _cell_value(self, cell) -> tuple[object, bool]:
        """The value a spreadsheet shows in the cell (its cached value for a formula), checked
        against the cell's type; and whether it holds a formula."""
        kind = cell.get("t", "n")
        style = cell.get("s")
        raw = inline = formula = None
        for child in cell:
            tag = child.tag
            if tag == VALUE:
                raw = child.text
            elif tag == FORMULA:
                formula = child.text or ""
            elif tag == INLINE:
                if inline is not None:
                    raise _BadCell("holds two texts where a spreadsheet writes one; the file was altered. "
                                   "Save it again in Excel or LibreOffice.")
                inline = child
        value, runs = self._typed(kind, raw, inline, style)
        if kind in TEXT_TYPES and value is not None:
            if len(value) > MAX_CELL_CHARS:
                raise _BadCell(f"holds {quoted(value)}; a spreadsheet cell holds at most {MAX_CELL_CHARS:,} characters.")
            if style is not None and text_section(code := self._style(style).code) is not None:
                value = text_as_shown(value, code)
        if value is not None and type(value) is not Hidden:
            why = self.unseen_fonts.get(style, "")
            if why == "":
                why = self.unseen_fonts[style] = self._style(style).unseen()
            if why or (runs and (why := self._style(style).unseen(runs))):
                value = Hidden(value, why, FONT_ADVICE)
        if (formula is not None and value is not None and not isinstance(value, ErrorValue)
                and (self.recalculates or VOLATILE.search(formula))):
            why = ("the workbook recalculates every formula when it is opened" if self.recalculates else
                   f"its formula ({formula}) gives another value whenever the spreadsheet recalculates")
            value = Hidden(value, f"{why}, so the value stored is not necessarily the one shown",
                           "Type the value itself in place of the formula, then save and send the file again.")
        return value, formula is not None

    def _typed(self, kind: str, raw: str | None, inline, style: str | None) -> tuple[object, tuple]:
        """The value of a cell of type ``kind`` stored as ``raw`` (or as the ``inline`` text), and
        its text's runs; refused when it is not what a spreadsheet writes for that type."""
        if kind == "inlineStr":
            return self._text_of(inline) if inline is not None else (None, ())
        if not raw:
            return None, ()
        if kind == "n":
            return self._number(raw, style), ()
        if kind == "s":
            if not INDEX.fullmatch(raw) or int(raw) >= len(self.strings):
                raise _BadCell(f"refers to shared text number {quoted(raw)}, but the file holds "
                               f"{len(self.strings)}. The file is damaged; save it again as .xlsx.")
            index = int(raw)
            return self.strings[index], self.string_runs.get(index, ()) if self.string_runs else ()
        if kind == "str":
            return decode_excel_escapes(raw), ()
        if kind == "b":
            if raw not in ("0", "1"):
                raise _BadCell(f"a TRUE/FALSE cell holds {quoted(raw)}.")
            return raw == "1", ()
        if kind == "d":
            return _iso_date(raw), ()
        if kind == "e":
            if raw not in ERROR_CODES:
                raise _BadCell(f"holds an error value {quoted(raw)} no spreadsheet makes.")
            return ErrorValue(raw), ()
        raise _BadCell(f"has a cell type {quoted(kind)} that no spreadsheet writes.")

    def _number(self, raw: str, style: str | None):
        """A number as its cell's format shows it: a date, a time, or as ``reader_formats`` says."""
        if not NUMBER.fullmatch(raw):
            raise _BadCell(f"a number cell holds {quoted(raw)}, which is not a number.")
        number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if isinstance(number, float) and not math.isfinite(number):
            raise _BadCell(f"a number cell holds {quoted(raw)}, which is out of range.")
        code = GENERAL if style is None else self._style(style).code
        kind = format_kind(code)
        if kind == "general":
            return general(number)
        if kind == "number":
            return number_as_shown(number, code)
        if number < 0:
            raise _BadCell(f"holds {quoted(raw)} shown as a date or time, which Excel shows as ##### "
                           "(no date or time is negative). Type the date itself.")
        if kind == "elapsed":
            return elapsed_as_shown(number, code)
        try:
            value = from_excel(number, self.epoch)
        except (OverflowError, ValueError):
            value = None
        if value is None:
            raise _BadCell(f"holds {quoted(raw)} shown as a date, but no date has that number.")
        return value

    def _merged(self, merges: list[str], rows: list[int], where: str) -> dict[int, list[tuple[int, int, int, str]]]:
        """For each row with content, the merged ranges crossing it: only their top-left cell shows."""
        crossing: dict[int, list[tuple[int, int, int, str]]] = {}
        work = 0
        for ref in merges:
            corners = [COORDINATE.fullmatch(c) for c in ref.split(":")]
            if len(corners) == 1:
                corners *= 2  # a single cell, as Excel for Mac writes some merges
            if len(corners) != 2 or not all(corners):
                raise FileRefused([f"{where}: a merged range is given as {quoted(ref)}, which is not a range."])
            (c1, r1), (c2, r2) = ((_column_number(m.group(1)), int(m.group(2))) for m in corners)
            covered = rows[bisect_left(rows, r1):bisect_right(rows, r2)]
            work += len(covered) + 1
            if work > MAX_MERGE_WORK:
                raise FileRefused([f"{where}: holds far more merged cells than a form or table has; "
                                   "unmerge them and send the file again."])
            for row in covered:
                crossing.setdefault(row, []).append((c1, c2, r1, ref))
        return crossing

    # From a grid to a sheet ----------------------------------------------------------------

    def _sheet(self, grid: _Grid, titles: Iterable[str], required: Iterable[str], limit: int) -> Sheet | None:
        """Find the header row (within the first rows) and the rows under it, by column title.

        Returns None when no row holds the required titles. A title given twice, content past
        the rows a sheet can hold, and values a person could not see are refused.
        """
        wanted = {normal(t): t for t in titles}
        needed = {normal(t) for t in required}
        header_row, columns = self._header(grid, wanted, needed)
        if not header_row:
            return None
        if grid.beyond is not None:
            row, column = grid.beyond
            raise FileRefused([f"{self.name}, sheet {grid.name}, cell {column_letter(column)}{row}: holds something "
                               f"past row {HEADER_SEARCH_ROWS + limit:,}, the last one read here. Delete it, or "
                               "split the sheet."])
        problems: list[str] = []
        by_index = {c: str(c - 1) for c in range(1, MAX_COLUMNS + 1)}
        preamble = [self._row(grid, n, by_index, problems, CONTACT_COLUMNS if self._is_contact(grid, n) else ())
                    for n in range(1, header_row)]
        imported = {c for c, title in columns.items() if normal(title) in needed or title in FIELD_TITLES}
        self._check_seen(grid, header_row, imported, problems)
        rows = []
        for number in sorted(n for n in grid.cells if n > header_row):
            values = grid.cells[number]
            if all(_empty(v) and (number, c) not in grid.formulas for c, v in values.items() if c <= MAX_COLUMNS):
                continue
            rows.append(self._row(grid, number, columns, problems, imported))
        if problems:
            raise FileRefused(problems)
        return Sheet(grid.name, preamble, header_row, rows)

    def _header(self, grid: _Grid, wanted: dict[str, str], needed: set[str]) -> tuple[int, dict[int, str]]:
        """The first row, within ``HEADER_SEARCH_ROWS``, that holds every needed title, and its
        columns that hold a wanted one (column -> title); (0, {}) when there is none. A title
        given twice in that row is refused."""
        for number in range(1, HEADER_SEARCH_ROWS + 1):
            found: dict[str, list[int]] = {}
            for column, value in grid.cells.get(number, {}).items():
                value = value.value if type(value) is Hidden else value  # found, then refused as unseen
                if column <= MAX_COLUMNS and normal(value) in wanted:
                    found.setdefault(normal(value), []).append(column)
            if not needed <= set(found):
                continue
            repeated = [wanted[k] for k, where_found in found.items() if len(where_found) > 1]
            if repeated:
                cells = ", ".join(f"{column_letter(c)}{number}" for c in found[normal(repeated[0])])
                raise FileRefused([f"{self.name}, sheet {grid.name}: the header {repeated[0]!r} is given twice "
                                   f"(cells {cells}); it cannot be told which column to read. Delete the extra "
                                   "column."])
            return number, {c[0]: wanted[k] for k, c in found.items()}
        return 0, {}

    @staticmethod
    def _is_contact(grid: _Grid, number: int) -> bool:
        return normal(grid.cells.get(number, {}).get(1)) in CONTACT_CAPTIONS

    def _row(self, grid: _Grid, number: int, columns: dict[int, str], problems: list[str], checked) -> Row:
        """One row's cells by title; the ``checked`` columns, whose values are imported, must be seen."""
        values = grid.cells.get(number, {})
        self._check_seen(grid, number, checked, problems)
        if number in grid.unshown:  # refused above where imported; elsewhere the value is what counts
            values = {c: v.value if type(v) is Hidden else v for c, v in values.items()}
        return Row(number, {key: (values.get(c), f"{column_letter(c)}{number}") for c, key in columns.items()})

    def _check_seen(self, grid: _Grid, number: int, columns: Collection[int], problems: list[str]) -> None:
        """A value read must be one a person could see."""
        if (number not in grid.hidden_rows and number not in grid.merged and number not in grid.unshown
                and grid.hidden_columns.isdisjoint(columns)):
            return
        values = grid.cells.get(number, {})
        for column in columns:
            value = values.get(column)
            if type(value) is Hidden:
                problems.append(f"{self.name}, sheet {grid.name}, cell {column_letter(column)}{number}: holds "
                                f"{quoted(cell_text(value.value))}, but {value.why}. {value.advice}")
                continue
            if _empty(value) and (number, column) not in grid.formulas:
                continue
            if number in grid.hidden_rows:
                why = f"row {number} is hidden"
            elif column in grid.hidden_columns:
                why = f"column {column_letter(column)} is hidden"
            else:
                ref = next((ref for c1, c2, r1, ref in grid.merged.get(number, ())
                            if c1 <= column <= c2 and (number, column) != (r1, c1)), None)
                if ref is None:
                    continue
                why = f"it lies under the merged cells {ref}"
            shown = quoted(cell_text(value)) if value is not None else "a formula"
            problems.append(f"{self.name}, sheet {grid.name}, cell {column_letter(column)}{number}: holds "
                            f"{shown}, but {why}, so it cannot be seen. Unhide it (or "
                            "unmerge the cells) and check it, or clear it, then save and send the file again.")

    # The whole file ------------------------------------------------------------------------

    def parsed(self) -> Parsed:
        by_name = {sheet: (state, part) for sheet, state, part in self.sheets}
        if FORM_SHEET in by_name:
            state, part = by_name[FORM_SHEET]
            if state != "visible":
                self.refuse(f"the sheet {FORM_SHEET} is hidden, so what it holds cannot be seen. Unhide it, "
                            "check it and send the file again.")
            grid = self._grid(FORM_SHEET, part, HEADER_SEARCH_ROWS + MAX_FORM_ROWS)
            sheet = self._sheet(grid, *FORM_READING)
            if sheet is None:
                self.refuse(f"sheet {FORM_SHEET}: no header row with the columns "
                            f"{', '.join(FORM_READING[1])} in the first {HEADER_SEARCH_ROWS} rows. "
                            "Do not rename or delete columns; start again from the form you were sent.")
            identification = self._identification(by_name)
            self._check_captions_once(sheet)
            self._refuse_answers_elsewhere(FORM_SHEET, FORM_READING)
            return Parsed("form", sheet, identification, {f"{column_letter(c)}{r}" for r, c in grid.formulas})
        for name, state, part in sorted(self.sheets, key=lambda s: s[0] != "Data"):
            grid = self._grid(name, part, HEADER_SEARCH_ROWS + MAX_TABLE_ROWS)
            sheet = self._sheet(grid, *TABLE_READING)
            if sheet is not None:
                if state != "visible":
                    self.refuse(f"the table is on the hidden sheet {name}, so what it holds cannot be seen. "
                                "Unhide it, check it and send the file again.")
                self._refuse_answers_elsewhere(name, TABLE_READING)
                return Parsed("table", sheet, formulas={f"{column_letter(c)}{r}" for r, c in grid.formulas})
        self.refuse(f"no sheet named {FORM_SHEET!r}, and no sheet with a header row of {', '.join(TABLE_KEYS)}, "
                    "Status. Send back the form made by `tracker form`, or a table with those columns.")

    def _refuse_answers_elsewhere(self, read: str, reading: tuple) -> None:
        """Answers on another sheet with the columns of the one read (a copied "Form (2)", a second
        table) would be left out in silence: the file is refused, naming that sheet. A hidden sheet
        shows no one its answers, which are rightly left out."""
        for name, state, part in self.sheets:
            if name in (read, ID_SHEET) or state != "visible":
                continue
            other = self._sheet(self._grid(name, part, HEADER_SEARCH_ROWS + reading[2]), *reading)
            if other is not None and any(not _empty(value) for row in other.rows
                                         for title, (value, _) in row.cells.items() if title in FIELD_TITLES):
                self.refuse(f"sheet {name} has the columns of sheet {read} and holds answers, but only sheet "
                            f"{read} is imported. Copy those answers into sheet {read}, delete sheet {name}, "
                            "then save and send the file again.")

    def _check_captions_once(self, sheet: Sheet) -> None:
        """A caption above the header (a contact point's, or whose form it is) given twice: which
        of the two values counts cannot be told."""
        seen: dict[str, str] = {}
        for row in sheet.preamble:
            caption, cell = row.cells.get("0", (None, f"A{row.number}"))
            key = normal(caption)
            if key not in FORM_CAPTIONS:
                continue
            if key in seen:
                self.refuse(f"sheet {sheet.name}, cells {seen[key]} and {cell}: the caption {quoted(cell_text(caption))} is "
                            "given twice; it cannot be told which value to read. Delete the extra row, or start again "
                            "from the form you were sent.")
            seen[key] = cell

    def _identification(self, by_name: dict[str, tuple[str, str]]) -> dict[str, str] | None:
        """The form's identification: custom document properties, else the hidden sheet."""
        found = self._properties() or self._identification_sheet(by_name)
        for key, value in found.items():
            if len(key) > MAX_ID_CHARS or len(value or "") > MAX_ID_CHARS:
                self.refuse(f"the identification's {quoted(key)} holds {quoted(value or '')}, far longer than a "
                            "form's; the identification was altered. Ask for a fresh form.")
        return found or None

    def _identification_sheet(self, by_name: dict[str, tuple[str, str]]) -> dict[str, str]:
        """The identification kept on the hidden sheet: names in column A, values in column B (signed,
        not read by a person, so taken as stored whatever their style shows)."""
        found: dict[str, str] = {}
        if ID_SHEET not in by_name:
            return found
        grid = self._grid(ID_SHEET, by_name[ID_SHEET][1], ID_ROWS)
        for number in range(1, ID_ROWS + 1):
            row = {c: v.value if type(v) is Hidden else v for c, v in grid.cells.get(number, {}).items()}
            key = row.get(1)
            if not key:
                continue
            if str(key) in found:
                self.refuse(f"the identification names {quoted(str(key))} twice; ask for a fresh form.")
            found[str(key)] = cell_text(row.get(2))
        return found

    def _properties(self) -> dict[str, str]:
        found: dict[str, str] = {}
        part = self.package.related("", CUSTOM_PROPS_TYPE)
        if part is not None and self.package.has(part):
            for _, element in self.package.events(part):
                if element.tag != CUSTOM_PROPS + "property":
                    continue
                name = element.get("name") or ""
                if name.startswith(PROPERTY_PREFIX):
                    key = name[len(PROPERTY_PREFIX):]
                    if key in found:
                        self.refuse(f"the document property {quoted(name)} is given twice; ask for a fresh form.")
                    found[key] = "".join(child.text or "" for child in element)
        return found
