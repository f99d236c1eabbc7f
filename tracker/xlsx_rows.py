"""XlsxWriter's worksheet with a faster constant-memory row writer, and text that stays text.

In constant-memory mode XlsxWriter keeps one row of cells and writes it out when the next row
starts; writing it out is most of a large report's time (per cell: an attribute list, two
escapes of each attribute, four regular expressions over the text). ``RowWorksheet`` writes the
same XML for the cells a report holds (text, numbers, dates) with one test of each text for
anything to escape, and one write per row; any other cell goes through XlsxWriter's own writer.

It also keeps text as text: XlsxWriter writes a string that starts with ``<r>`` and ends with
``</r>`` unescaped, taken for a rich string's XML (in constant-memory mode a rich string is
stored that way), so such a text typed by an economy would become markup, even a formula cell.
Here a string cell is always escaped; a real rich string has a cell type of its own.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

#: Anything in a text that XlsxWriter escapes: XML's ``& < >``, control characters other than
#: tab and line breaks, the two non-characters, and a literal ``_xHHHH_`` (which Excel would decode).
_ESCAPED = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


class _ColumnNames(dict):
    """Column letters by index, worked out once each."""

    def __missing__(self, column: int) -> str:
        self[column] = name = xl_col_to_name(column)
        return name


_COLUMNS = _ColumnNames()


def _text(string: str) -> str:
    """The ``<is>`` content of an inline string, escaped exactly as XlsxWriter escapes it."""
    if _ESCAPED.search(string):
        string = _LITERAL_ESCAPE.sub(r"_x005F\1", string)
        string = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", string)
        string = string.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        string = string.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if string[:1].isspace() or string[-1:].isspace():
        return f'<is><t xml:space="preserve">{string}</t></is>'
    return f"<is><t>{string}</t></is>"


class RowWorksheet(Worksheet):
    """A worksheet whose constant-memory rows are written in one go (``Workbook.add_worksheet(name,
    worksheet_class=RowWorksheet)``); in any other mode it is XlsxWriter's own."""

    def _write_single_row(self, current_row_num: int = 0) -> None:
        row_num = self.previous_row
        cells = self.table.get(row_num)
        if not cells or row_num in self.comments:
            return super()._write_single_row(current_row_num)
        self.previous_row = current_row_num
        row_info = self.row_info.get(row_num)
        self._write_row(row_num, None, row_info)
        row_format = row_info.row_format if row_info else None
        number = str(row_num + 1)
        parts = []
        for column in sorted(cells):
            cell = cells[column]
            kind, fmt = cell.__class__, cell.format
            if fmt is None:
                fmt = row_format or getattr(self.col_info.get(column), "column_format", None)
            style = f' s="{fmt._get_xf_index()}"' if fmt else ""
            if kind is CellStringTuple:
                parts.append(f'<c r="{_COLUMNS[column]}{number}"{style} t="inlineStr">{_text(cell.string)}</c>')
            elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                parts.append(f'<c r="{_COLUMNS[column]}{number}"{style}><v>{cell.number:.16G}</v></c>')
            else:
                self.fh.write("".join(parts))
                parts.clear()
                self._write_cell(row_num, column, cell)
        parts.append("</row>")
        self.fh.write("".join(parts))
        self.table.clear()
