"""Excel workbooks: writing user text safely, and opening files that come from outside.

Text typed by economies is data: the writers (XlsxWriter) always write it as a text cell, never
a formula, with a quote prefix when it starts with one of ``RISKY_LEADING``; long text is wrapped
in rows as tall as ``text_lines`` says. Files sent back are
untrusted: their zip structure is checked before any XML is parsed, macro-enabled content is
refused, and only the rows a sheet can sensibly hold are read.
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from datetime import date, datetime, time
from pathlib import Path

from xlsxwriter.exceptions import FileCreateError

from tracker.errors import Refused

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200
RISKY_LEADING = ("=", "+", "-", "@", "\t", "\r", "\n")
MACRO_PARTS = ("vbaproject.bin", "activex", "vbadata.xml")

#: One font family for every workbook the tool writes, headings included (LibreOffice prints
#: it with the metric-compatible Liberation Sans).
FONT_NAME = "Arial"
FONT_SIZE = 10
HEADER_COLOUR = "#1F4E78"
#: Characters of 10 pt Arial text that fit in one unit of column width, on the safe side
#: (LibreOffice's print was measured at about 1.12).
CHARACTERS_PER_WIDTH = 1.15


def wrapped(value, width: float) -> list[str]:
    """``value`` broken into lines that fit a column ``width`` wide (word by word), as a
    spreadsheet wraps it."""
    per_line = max(1, int(width * CHARACTERS_PER_WIDTH))
    lines = []
    for paragraph in str(value).split("\n"):
        line = ""
        for word in paragraph.split():
            while len(word) > per_line:
                if line:
                    lines.append(line)
                line, word = word[:per_line], word[per_line:]
                lines.append(line)
                line = ""
            if line and len(line) + 1 + len(word) > per_line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


@lru_cache(maxsize=4096)
def _lines(text: str, width: float) -> int:
    return len(wrapped(text, width))


def text_lines(value, width: float) -> int:
    """How many lines ``value`` takes when wrapped in a column ``width`` wide."""
    if value is None:
        return 1
    text = str(value)
    if len(text) <= width * CHARACTERS_PER_WIDTH and "\n" not in text:
        return 1
    return _lines(text, width)


def close_workbook(wb) -> None:
    """Close (write) an XlsxWriter workbook, turning its file error back into the OSError behind it."""
    try:
        wb.close()
    except FileCreateError as exc:
        raise exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc)) from None


def _looks_like(head: bytes) -> str:
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "a legacy .xls workbook or a password-protected one"
    if head.lstrip().startswith(b"<"):
        return "an HTML or XML file"
    try:
        head.decode("utf-8")
        return "a text file (CSV?)"
    except UnicodeDecodeError:
        return "not a workbook"


def check_zip(path: Path) -> None:
    """Refuse a file that is not a plain .xlsx workbook, before openpyxl parses any of it."""
    name = path.name
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Refused(
            f"{name} is {size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB. "
            "Send the form without pictures or extra sheets."
        )
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            kind = _looks_like(handle.read(512))
        raise Refused(
            f"{name} is not an Excel .xlsx workbook (it looks like {kind}). "
            "Open it in Excel or LibreOffice and save it as .xlsx, without a password."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(f"{name} is a damaged zip archive ({exc}); save it again as .xlsx.") from None
    if len(members) > MAX_MEMBERS:
        raise Refused(f"{name} holds {len(members)} parts; a workbook form has far fewer. It was not read.")
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise Refused(f"{name} would unpack to {total / 1e6:.0f} MB; it was not read.")
    for member in members:
        lowered = member.filename.lower()
        if any(part in lowered for part in MACRO_PARTS):
            raise Refused(
                f"{name} contains macros or ActiveX controls ({member.filename}). "
                "Save it as a plain .xlsx workbook (not .xlsm) and send it again."
            )
        if member.file_size > 1_000_000 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise Refused(
                f"{name}: part {member.filename} expands {member.file_size // max(member.compress_size, 1)} "
                "times; that is a decompression bomb, not a form. It was not read."
            )
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise Refused(f"{name} is a zip archive but not an Excel workbook (no xl/workbook.xml).")


def open_untrusted(path: Path, formulas: bool = False):
    """Open a workbook that came from outside, read-only; any parse failure becomes a message.

    With ``formulas`` the cells hold formula text; otherwise the values cached at the last save.
    """
    from openpyxl import load_workbook  # here, so the writers (reports, forms) do not load the reader

    check_zip(path)
    try:
        return load_workbook(path, read_only=True, data_only=not formulas, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for broken or hostile XML
        raise Refused(
            f"{path.name} could not be read as a workbook ({type(exc).__name__}: {str(exc)[:120]}). "
            "Open it in Excel or LibreOffice, save it as .xlsx and send it again."
        ) from None


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
