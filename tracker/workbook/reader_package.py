"""The package of a returned workbook: its zip checked before any XML is parsed, and its parts
found and parsed as Excel finds them (through relationships, names compared as the Open
Packaging Conventions say), each by expat with document type declarations refused.

A file that is no plain .xlsx workbook is refused with what to do, the same advice whether it is
given alone or found in a folder (``OTHER_FORMATS``).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from contextlib import contextmanager
from typing import Iterable
from xml.etree.ElementTree import ParseError, XMLParser, XMLPullParser

from tracker.errors import Refused, quoted

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
MAX_RATIO = 200
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")
ZIP_START = (b"PK\x03\x04", b"PK\x05\x06")
#: What a file that is not a plain workbook is, and what to do; by its suffix in a folder, by what
#: it holds when given alone, so both say the same.
OTHER_FORMATS = {
    ".xls": "an Excel 97-2003 workbook (.xls); save it as an Excel workbook (.xlsx) and import that.",
    ".ods": "an OpenDocument spreadsheet (.ods); save it as an Excel workbook (.xlsx) and import that.",
    ".xlsm": "a macro-enabled workbook (.xlsm); save it as a plain Excel workbook (.xlsx) and import that.",
    ".xlsb": "an Excel binary workbook (.xlsb); save it as an Excel workbook (.xlsx) and import that.",
    ".csv": "a CSV text file; open it in Excel or LibreOffice, save it as an Excel workbook (.xlsx) "
            "and import that.",
}
CHUNK_BYTES = 1 << 16
#: A part of up to this much XML is parsed whole (see ``Package.elements``).
WHOLE_PART_BYTES = 4 * 1024 * 1024
ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']""")
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EXTENSIONS = MAIN + "extLst"


class FileRefused(Refused):
    """A file refused for one or more problems, each naming the file (and the cell)."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class Package:
    """The parts of one .xlsx, checked as a zip before any of them is parsed."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.parts = {part_name(info.filename): info for info in self.archive.infolist()}
        self._relationships: dict[str, dict[str, tuple[str, str]]] = {}

    def has(self, part: str) -> bool:
        return part_name(part) in self.parts

    def size(self, part: str) -> int:
        return self.parts[part_name(part)].file_size

    def events(self, part: str, events: tuple[str, ...] = ("end",)) -> Iterable[tuple[str, object]]:
        """Parse a part as it is decompressed, refusing document type declarations."""
        parser = XMLPullParser(events)
        with self._parsing(part):
            for chunk in self._chunks(part):
                parser.feed(chunk)
                yield from parser.read_events()
            parser.close()
            yield from parser.read_events()

    def elements(self, part: str, tags: tuple[str, ...]) -> Iterable:
        """The part's elements with these tags, each whole; those of one tag in document order,
        not so those of different tags. A part of up to ``WHOLE_PART_BYTES`` is parsed whole and
        searched by ElementTree itself, without visiting every element in Python (for a form's
        sheet, 6% fewer instructions an import); a larger one is streamed and each element is
        cleared once handled, so memory stays bounded (a parsed tree takes some 12 times the
        bytes of its XML)."""
        if self.size(part) <= WHOLE_PART_BYTES:
            parser = XMLParser()
            with self._parsing(part):
                for chunk in self._chunks(part):
                    parser.feed(chunk)
                root = parser.close()
            self._refuse_inside_extensions(part, root, tags)
            for tag in tags:
                yield from root.iter(tag)
            return
        for _, element in self.events(part):
            if element.tag in tags:
                yield element
                element.clear()  # emptied, but left in its parent: an <extLst> ending below still finds it
            elif element.tag == EXTENSIONS:
                self._refuse_inside_extensions(part, element, tags)

    def _refuse_inside_extensions(self, part: str, root, tags: tuple[str, ...]) -> None:
        for extensions in root.iter(EXTENSIONS):
            for tag in tags:
                if next(extensions.iter(tag), None) is not None:
                    self._refuse_extension(part, tag)

    def _refuse_extension(self, part: str, tag: str):
        """A row (or column, or merge) inside ``<extLst>``, which no spreadsheet shows, refuses the
        file; what else extensions hold (Excel 2010's data validations and conditional formats)
        is left unread."""
        raise FileRefused([f"{self.name}: part {part} holds a <{tag.split('}')[-1]}> inside <extLst>, "
                           "where no spreadsheet shows it; the file was altered. Save it again in "
                           "Excel or LibreOffice."])

    def _chunks(self, part: str) -> Iterable[bytes]:
        """The part's bytes as they are decompressed, refused on a document type declaration."""
        tail = b""
        first = True
        with self.archive.open(self.parts[part_name(part)]) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                if first:
                    self._check_encoding(part, chunk)
                    first = False
                window = tail + chunk
                if b"<!DOCTYPE" in window or b"<!ENTITY" in window or b"\x00" in chunk:
                    raise FileRefused([f"{self.name}: part {part} declares a document type or entities, "
                                       "which a workbook never does. It was not read."])
                tail = chunk[-16:]
                yield chunk

    @contextmanager
    def _parsing(self, part: str):
        """Malformed XML or a damaged part refuses the file, saying how to mend it."""
        try:
            yield
        except ParseError as exc:
            line, column = exc.position
            raise FileRefused([f"{self.name}: part {part} is not well-formed XML (line {line}, column {column}); "
                               "it may hold characters XML forbids. Open the file in Excel or LibreOffice, "
                               "save it as .xlsx and send it again."]) from None
        except zipfile.BadZipFile:
            raise FileRefused([f"{self.name}: part {part} is damaged (its checksum does not match); "
                               "save the workbook again as .xlsx."]) from None

    def _check_encoding(self, part: str, head: bytes) -> None:
        declared = ENCODING.match(head)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (declared and declared.group(1).lower() not in (b"utf-8", b"utf8")):
            raise FileRefused([f"{self.name}: part {part} is not encoded in UTF-8, as Excel and LibreOffice "
                               "write it. Save the workbook again as .xlsx."])

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """{id: (type, part name)} of a part's relationships (the package's own for ``""``); a
        target outside the package refuses the file."""
        if part not in self._relationships:
            self._relationships[part] = self._read_relationships(part)
        return self._relationships[part]

    def _read_relationships(self, part: str) -> dict[str, tuple[str, str]]:
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        found: dict[str, tuple[str, str]] = {}
        if not self.has(rels):
            return found
        for _, element in self.events(rels):
            if element.tag == PACKAGE_REL + "Relationship" and element.get("TargetMode") != "External":
                target = (element.get("Target") or "").replace("\\", "/")
                name = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
                if name == ".." or name.startswith("../"):
                    raise FileRefused([f"{self.name}: part {rels} refers to {quoted(target)}, outside the "
                                       "workbook; the file was altered. Save it again as .xlsx."])
                found[element.get("Id")] = (element.get("Type") or "", name)
        return found

    def related(self, part: str, kind: str) -> str | None:
        """The one part that ``part`` relates to with this type, if any; two refuse the file,
        since programs differ on which one they show."""
        targets = [target for found, target in self.relationships(part).values() if found == kind]
        if len(targets) > 1:
            raise FileRefused([f"{self.name}: the relationships of {part or 'the package'} name {len(targets)} "
                               f"parts of one kind ({', '.join(targets)}); programs differ on which one they show. "
                               "Save it again in Excel or LibreOffice."])
        return targets[0] if targets else None


def part_name(name: str) -> str:
    """A part's name as the Open Packaging Conventions compare them: ``\\`` as ``/``, without a
    leading ``/``, in any case."""
    return name.replace("\\", "/").lstrip("/").lower()


def check_zip(name: str, data: bytes) -> None:
    """Refuse a file that is not a plain .xlsx workbook, before any of its XML is parsed."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused(f"{name} is {len(data) / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB. "
                      "Send the form without pictures or extra sheets.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused(f"{name} is {_not_a_zip(data[:512])}")
    if not data.startswith(ZIP_START):
        raise Refused(f"{name} has bytes before its zip archive, which no spreadsheet program opens; "
                      "the file was altered. Save the workbook again as .xlsx.")
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused(f"{name} is a damaged zip archive; save it again as .xlsx.") from None
    if len(members) > MAX_MEMBERS:
        raise Refused(f"{name} holds {len(members)} parts; a workbook form has far fewer. It was not read.")
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise Refused(f"{name} would unpack to {sum(m.file_size for m in members) / 1e6:.0f} MB; it was not read.")
    seen: set[str] = set()
    for member in members:
        _check_member(name, member, seen)
    if "content.xml" in seen and "mimetype" in seen:
        raise Refused(f"{name} is {OTHER_FORMATS['.ods']}")


def _check_member(name: str, member: zipfile.ZipInfo, seen: set[str]) -> None:
    """One part of the zip: not twice, no macros, not encrypted, compressed as spreadsheets do,
    not a decompression bomb."""
    lowered = part_name(member.filename)
    if lowered in seen:
        raise Refused(f"{name} holds the part {member.filename} twice; it is damaged or was tampered with. "
                      "Save it again as .xlsx.")
    seen.add(lowered)
    if any(part in lowered for part in MACRO_PARTS):
        raise Refused(f"{name} contains macros ({member.filename}), so it is {OTHER_FORMATS['.xlsm']}")
    if "activex" in lowered:
        raise Refused(f"{name} contains ActiveX controls ({member.filename}), which a form does not use. Remove "
                      "the controls (or copy the cells into the form you were sent) and save it again as .xlsx.")
    if member.flag_bits & 0x1:
        raise Refused(f"{name} is encrypted; save it as .xlsx without a password.")
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Refused(f"{name}: part {member.filename} is compressed in a way no spreadsheet program reads; "
                      "the file was not saved by one. Save the workbook again as .xlsx.")
    if member.file_size > 1_000_000 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
        raise Refused(f"{name}: part {member.filename} expands {member.file_size // max(member.compress_size, 1)} "
                      "times; that is a decompression bomb, not a form. It was not read.")


def _not_a_zip(head: bytes) -> str:
    """What a file that is no zip archive is, and what to do, as a folder import would say it."""
    if not head.strip():
        return ("an empty file, not an Excel .xlsx workbook. Save the form again in Excel or LibreOffice "
                "as an Excel workbook (.xlsx) and import that.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ("an Excel 97-2003 workbook (.xls) or a workbook protected by a password; save it as an Excel "
                "workbook (.xlsx), without a password, and import that.")
    if head.lstrip().startswith(b"<"):
        return ("not an Excel .xlsx workbook (it looks like an HTML or XML file). Open it in Excel or "
                "LibreOffice, save it as an Excel workbook (.xlsx) and import that.")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return ("not an Excel .xlsx workbook, nor any spreadsheet file. Open the form in Excel or LibreOffice, "
                "save it as an Excel workbook (.xlsx) and import that.")
    return "not an Excel .xlsx workbook; it looks like " + OTHER_FORMATS[".csv"]
