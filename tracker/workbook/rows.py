"""XlsxWriter's worksheet with whole rows written in one go, and text that stays text.

In constant-memory mode XlsxWriter keeps each cell as a tuple until the next row starts, then
writes it out with an attribute list, two escapes of each attribute and four regular expressions
over its text: most of a large report's time. ``FastRowWorksheet.write_cells`` takes a whole row
and writes its XML at once, and the rows its own writers (``write_string`` ...) hold are written
out the same way; the XML is the one XlsxWriter writes (a test compares them).

It also keeps text as text: XlsxWriter writes a string that starts with ``<r>`` and ends with
``</r>`` unescaped, taken for a rich string's XML (in constant-memory mode a rich string is
stored that way), so such a text typed by an economy would become markup, even a formula cell.
Here a string cell is always escaped; a real rich string has a cell type of its own.

The fast path builds on XlsxWriter's worksheet internals (its row table, row and column records,
cell tuples), so it is used only on the releases listed in ``TESTED_XLSXWRITER``;
``tests/test_xlsx_rows.py`` compares its XML with XlsxWriter's own, which is what to run before
adding a release there. On any other release ``RowWorksheet`` is ``PublicRowWorksheet``, which
writes the same cells through XlsxWriter's public writers: slower, never broken.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache
from typing import Sequence

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from tracker.workbook.typesetting import write_text

#: The XlsxWriter releases (version prefixes) the fast path was written for and tested on.
TESTED_XLSXWRITER = ("3.3.",)
FAST_PATH = xlsxwriter.__version__.startswith(TESTED_XLSXWRITER)
if FAST_PATH:  # cell tuples that another release may name or shape differently
    from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple

#: Anything in a text that XlsxWriter escapes: XML's ``& < >``, control characters other than
#: tab and line breaks, the two non-characters, and a literal ``_xHHHH_`` (which Excel would decode).
_ESCAPED = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_MOMENTS = (datetime, date, time)


class _ColumnNames(dict):
    """Column letters by index, worked out once each."""

    def __missing__(self, column: int) -> str:
        self[column] = name = xl_col_to_name(column)
        return name


_COLUMNS = _ColumnNames()


@lru_cache(maxsize=4096)  # a report repeats its codes, names, refs and labels on every row
def _text(string: str) -> str:
    """The rest of an inline string cell after its ``<c`` attributes, escaped as XlsxWriter escapes it."""
    if _ESCAPED.search(string):
        string = _LITERAL_ESCAPE.sub(r"_x005F\1", string)
        string = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", string)
        string = string.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        string = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if string[:1].isspace() or string[-1:].isspace():
        return f' t="inlineStr"><is><t xml:space="preserve">{string}</t></is></c>'
    return f' t="inlineStr"><is><t>{string}</t></is></c>'


def _within(string: str, most: int) -> str:
    """The text cut to ``most`` UTF-16 units, Excel's limit, without splitting a character, as
    XlsxWriter cuts it."""
    if len(string.encode("utf-16-le", "surrogatepass")) // 2 <= most:
        return string
    units = 0
    for index, char in enumerate(string):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > most:
            return string[:index]
    return string


class PublicRowWorksheet(Worksheet):
    """``write_cells`` through XlsxWriter's public writers, cell by cell, for the releases the fast
    path was not tested on; text goes in through ``write_text``, so it stays text there too."""

    def write_string(self, row: int, col: int, string: str, cell_format: Format | None = None) -> int:
        return write_text(self, row, col, string, cell_format)

    def write_cells(self, row: int, values: Sequence, formats: Sequence[Format | None]) -> None:
        """Write the row ``row`` as ``FastRowWorksheet.write_cells`` does."""
        for column, (value, fmt) in enumerate(zip(values, formats)):
            if isinstance(value, str):
                self.write_string(row, column, value, fmt)
            elif isinstance(value, _MOMENTS):
                self.write_datetime(row, column, value, fmt)
            elif value is not None:
                self.write_number(row, column, value, fmt)


class FastRowWorksheet(Worksheet):
    """A worksheet (``Workbook.add_worksheet(name, worksheet_class=FastRowWorksheet)``) that takes
    whole rows in constant-memory mode; in any other mode it is XlsxWriter's own."""

    _pending: tuple | None = None  # (row, values, formats) of write_cells, until the row is written out

    def write_cells(self, row: int, values: Sequence, formats: Sequence[Format | None]) -> None:
        """Write the row ``row``: ``values[c]`` in column ``c`` with format ``formats[c]``.

        A value is text (always written as text, never a formula), a number, a date, a datetime
        or None (no cell); without a format a cell takes the row's or the column's, a date the
        workbook's date format, as with XlsxWriter's writers. Like them, the row is written out
        when the next one starts (so set its height before or after), and one already written
        out is left alone; the lists are kept until then, so leave them unchanged.
        """
        first, last = 0, len(values) - 1
        while first <= last and values[first] is None:
            first += 1
        while last > first and values[last] is None:
            last -= 1
        if first > last:
            return
        if not self.constant_memory or row <= self.previous_row and (self._pending or self.table.get(row)):
            self._write_each(row, values, formats)  # joining a row begun, or refusing one written: XlsxWriter's
        elif not (self._check_dimensions(row, first) or self._check_dimensions(row, last)):
            if row > self.previous_row:
                self._write_single_row(row)
            self._pending = (row, values, formats)

    def _write_each(self, row: int, values: Sequence, formats: Sequence[Format | None]) -> None:
        """``write_cells`` through XlsxWriter's own writers, one cell at a time."""
        for column, (value, fmt) in enumerate(zip(values, formats)):
            if isinstance(value, str):
                self._write_string(row, column, value, fmt)
            elif isinstance(value, _MOMENTS):
                self._write_datetime(row, column, value, fmt)
            elif value is not None:
                self._write_number(row, column, value, fmt)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        """Write out the row being filled (by ``write_cells``, then XlsxWriter's own writers)."""
        row_num, pending, cells = self.previous_row, self._pending, self.table.get(self.previous_row)
        if not (pending or cells):
            return super()._write_single_row(current_row_num)
        self.previous_row, self._pending = current_row_num, None
        if pending and not cells:
            return self._write_xml(row_num, pending[1], pending[2])
        width = max(max(cells) + 1, len(pending[1]) if pending else 0)
        values, formats = [None] * width, [None] * width
        if pending:
            values[:len(pending[1])], formats[:len(pending[2])] = pending[1], pending[2]
        for column, cell in cells.items():
            kind = cell.__class__
            if kind is CellStringTuple:
                values[column] = cell.string
            elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                values[column] = float(cell.number)  # already an Excel date, and its format set
            else:
                values[column] = cell
            formats[column] = cell.format
        self._write_xml(row_num, values, formats)
        self.table.clear()
        return None

    def _write_xml(self, row_num: int, values: Sequence, formats: Sequence[Format | None]) -> None:
        """The ``<row>`` element; a cell of another kind than text or number (an XlsxWriter cell
        tuple) is written by XlsxWriter's own cell writer."""
        row_info, number = self.row_info.get(row_num), str(row_num + 1)
        if row_info is None and self.default_row_height == self.original_row_height and self.excel_version == 2007:
            parts = [f'<row r="{number}">']  # what _write_row writes for a row of no attributes
        else:
            self._write_row(row_num, None, row_info)
            parts = []
        row_format = row_info.row_format if row_info else None
        column_info, longest = self.col_info, self.xls_strmax // 2
        for column, value in enumerate(values):
            if value is None:
                continue
            kind, fmt = value.__class__, formats[column]
            if fmt is None and kind not in _MOMENTS:
                fmt = row_format or getattr(column_info.get(column), "column_format", None)
            if kind is str:
                if len(value) > longest:
                    value = _within(value, self.xls_strmax)
                style = f' s="{fmt._get_xf_index()}"' if fmt else ""
                parts.append(f'<c r="{_COLUMNS[column]}{number}"{style}{_text(value)}')
            elif kind is int or kind is float or kind in _MOMENTS:
                if kind in _MOMENTS:
                    value, fmt = self._convert_date_time(value), fmt or self.default_date_format
                style = f' s="{fmt._get_xf_index()}"' if fmt else ""
                parts.append(f'<c r="{_COLUMNS[column]}{number}"{style}><v>{value:.16G}</v></c>')
            elif isinstance(value, tuple):
                self.fh.write("".join(parts))
                parts.clear()
                self._write_cell(row_num, column, value)
            else:
                raise TypeError(f"cannot write {value!r} to a cell")
        parts.append("</row>")
        self.fh.write("".join(parts))


#: The worksheet the report's sheets are written with (``write_cells`` for whole rows).
RowWorksheet = FastRowWorksheet if FAST_PATH else PublicRowWorksheet
