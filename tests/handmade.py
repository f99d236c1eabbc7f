"""Workbooks written by hand, part by part, the way other spreadsheet programs write them: small
enough to show in a test exactly which XML a case is about."""

from __future__ import annotations

import io
import zipfile

from tracker.workbook import reader

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOCUMENT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEADER = ("Economy code", "Ref", "Year", "Status", "Measures undertaken")
#: The cell under "Measures undertaken" in the table's first row; tests put their case there.
MEASURES = "E2"


def text_cell(reference: str, text: str, style: str = "") -> str:
    return f'<c r="{reference}" t="inlineStr"{style}><is><t>{text}</t></is></c>'


def table_rows(measures_cell: str, extra_rows: str = "") -> str:
    """A tidy table's header and one row (JPN LC02-1 2008 Implemented), ``measures_cell`` in E2."""
    header = "".join(text_cell(f"{chr(65 + i)}1", title) for i, title in enumerate(HEADER))
    return (f'<row r="1">{header}</row><row r="2">{text_cell("A2", "JPN")}{text_cell("B2", "LC02-1")}'
            f'<c r="C2"><v>2008</v></c>{text_cell("D2", "Implemented")}{measures_cell}</row>{extra_rows}')


def styles(number_formats: str = "", cell_formats: str = '<xf numFmtId="0"/>', dxfs: str = "") -> str:
    return (f'<styleSheet xmlns="{MAIN_NS}">'
            + (f"<numFmts>{number_formats}</numFmts>" if number_formats else "")
            + f'<fonts count="1"><font/></fonts><cellXfs>{cell_formats}</cellXfs>'
            + (f"<dxfs>{dxfs}</dxfs>" if dxfs else "") + "</styleSheet>")


def parts(sheet_data: str, *, sheet_extra: str = "", styles_xml: str | None = None,
          shared_strings: str | None = None, workbook_extra: str = "") -> dict[str, bytes]:
    """The parts of a one-sheet workbook (sheet "Data"), as Excel names them."""
    relationships = [("rId1", "worksheet", "worksheets/sheet1.xml"), ("rId2", "styles", "styles.xml")]
    found = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="/xl/{name}.xml" ContentType="{SHEET_TYPES}.{kind}+xml"/>'
                      for name, kind in (("workbook", "sheet.main"), ("worksheets/sheet1", "worksheet"), ("styles", "styles"),
                                         *[("sharedStrings", "sharedStrings")] * (shared_strings is not None)))
            + "</Types>"),
        "_rels/.rels": (f'<Relationships xmlns="{PACKAGE_REL_NS}"><Relationship Id="rId1" '
                        f'Type="{DOCUMENT_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<workbook xmlns="{MAIN_NS}" xmlns:r="{DOCUMENT_REL}">{workbook_extra}'
                            '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN_NS}"><sheetData>{sheet_data}</sheetData>{sheet_extra}</worksheet>',
        "xl/styles.xml": styles_xml or styles(),
    }
    if shared_strings is not None:
        relationships.append(("rId3", "sharedStrings", "sharedStrings.xml"))
        found["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN_NS}">{shared_strings}</sst>'
    found["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PACKAGE_REL_NS}">'
        + "".join(f'<Relationship Id="{i}" Type="{DOCUMENT_REL}/{kind}" Target="{target}"/>'
                  for i, kind, target in relationships) + "</Relationships>")
    return {name: text.encode() for name, text in found.items()}


def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def read(members: dict[str, bytes]) -> reader.Parsed:
    return reader.read_workbook("hand.xlsx", zipped(members))


def measures(members: dict[str, bytes]):
    """The value the reader found in E2, under "Measures undertaken"."""
    return read(members).sheet.rows[0].cells["Measures undertaken"][0]
