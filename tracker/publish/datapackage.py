"""The open data of the public site: CSV and JSON files described by a Frictionless Data Package.

``datapackage.json`` at the top of the site names each resource, its file, its Table Schema
(fields, types, primary and foreign keys), the licence and the publisher, so that anyone can
check the data whole (``frictionless validate datapackage.json``) and load them with pandas or R.
Every figure is the published report's, rounded as the report rounds it (``percentages``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tracker.models import NARRATIVE_FIELDS
from tracker.percentages import rounded_percent, rounded_points
from tracker.publish import site
from tracker.publish.site import Figure, PublishedYear
from tracker.status import STATUS_KEYS

#: The licences a site's data may be published under: SPDX id -> (title, address).
LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}


def _field(name: str, kind: str, description: str, **extra) -> dict:
    return {"name": name, "type": kind, "description": description, **extra}


def _percent(name: str, what: str) -> dict:
    return _field(name, "number", f"{what}, in percent rounded to a tenth as the report shows it; blank: no figure.")


NARRATIVE = [_field(name, "string", f"The economy's answer: {name}.") for name in NARRATIVE_FIELDS]
SCHEMAS = {
    "entries": {
        "fields": [_field("economy", "string", "The economy's code.", constraints={"required": True}),
                   _field("commitment", "string", "The commitment's ref.", constraints={"required": True}),
                   _field("year", "integer", "The reporting year.", constraints={"required": True}),
                   _field("status", "string", "The status key; blank: not reported.",
                          constraints={"enum": list(STATUS_KEYS)}),
                   _field("status_label", "string", "The status as the report names it."),
                   *NARRATIVE],
        "primaryKey": ["economy", "commitment", "year"],
        "foreignKeys": [{"fields": "economy", "reference": {"resource": "economies", "fields": "code"}},
                        {"fields": ["commitment", "year"], "reference": {"resource": "commitments", "fields": ["ref", "year"]}}],
    },
    "commitments": {
        "fields": [_field("ref", "string", "The commitment's ref, never changed once published.", constraints={"required": True}),
                   _field("year", "integer", "The reporting year the wording is of.", constraints={"required": True}),
                   _field("instrument", "string", "The code of the instrument that made the commitment."),
                   _field("instrument_title", "string", "The instrument's title."),
                   _field("category", "string", "The commitment's category."),
                   _field("wording", "string", "The commitment's wording in that year."),
                   _field("deadline", "date", "The deadline set for it, if any.")],
        "primaryKey": ["ref", "year"],
    },
    "economies": {
        "fields": [_field("code", "string", "The economy's code.", constraints={"required": True}),
                   _field("name", "string", "The economy's name.")],
        "primaryKey": ["code"],
    },
    "figures": {
        "fields": [_field("year", "integer", "The reporting year.", constraints={"required": True}),
                   _field("scope", "string", "What the figure is of.",
                          constraints={"required": True, "enum": ["region", "instrument", "commitment", "economy"]}),
                   _field("code", "string", "The instrument's code, the commitment's ref or the economy's code; "
                          "'region' for the region-wide figure.", constraints={"required": True}),
                   _field("returned", "boolean", "For an economy: whether it sent a return that year."),
                   _percent("implementation_rate", "The implementation rate"),
                   _percent("coverage", "The coverage"),
                   _field("rate_change", "number", "The like-for-like change of the rate since the previous year "
                          "published, in percentage points rounded to a tenth; blank: no comparison.")],
        "primaryKey": ["year", "scope", "code"],
    },
    "reports": {
        "fields": [_field("year", "integer", "The reporting year.", constraints={"required": True}),
                   _field("report", "integer", "The report's number in the publisher's record of reports."),
                   _field("data_as_of", "datetime", "The moment (UTC) whose data the report and this package show."),
                   _field("workbook", "string", "The report workbook's file, as published."),
                   _field("workbook_sha256", "string", "Its SHA-256."),
                   _field("pdf", "string", "The report's PDF, as published, if one was printed."),
                   _field("pdf_sha256", "string", "Its SHA-256.")],
        "primaryKey": ["year"],
    },
}
TITLES = {"entries": "Each economy's answer on each commitment, per year",
          "commitments": "The commitments and their wording per year", "economies": "The member economies",
          "figures": "Implementation rates, coverage and like-for-like changes per year",
          "reports": "The reports published, one per year"}


def _percent_value(value: float | None) -> float | None:
    return None if value is None else round(rounded_percent(value) * 100, 1)


def _figure_row(year: int, scope: str, code: str, figure: Figure | None, returned: bool | None = None) -> dict:
    return {"year": year, "scope": scope, "code": code, "returned": returned,
            "implementation_rate": _percent_value(figure.rate) if figure else None,
            "coverage": _percent_value(figure.coverage) if figure else None,
            "rate_change": rounded_points(figure.rate_change) if figure else None}


def _figures(published: PublishedYear) -> list[dict]:
    year, data = published.year, published.data
    rows = [_figure_row(year, "region", "region", site.region(published))]
    rows += [_figure_row(year, "instrument", code, figure) for code, _title, _items, figure in site.instruments(published)]
    rows += [_figure_row(year, "commitment", item.ref, site.commitment(published, item)) for item in data.items]
    rows += [_figure_row(year, "economy", e.code, site.economy(published, e.id), data.returned(e.id))
             for e in data.economies]
    return rows


def _entries(published: PublishedYear) -> list[dict]:
    rows = []
    for member in published.data.economies:
        for item in published.data.items:
            answer = site.entry(published, member.id, item.id)
            if answer:
                rows.append({"economy": member.code, "commitment": item.ref, "year": published.year,
                             "status": answer["status"], "status_label": answer["label"] or None,
                             **{name: answer[name] for name in NARRATIVE_FIELDS}})
    return rows


def _commitments(published: PublishedYear) -> list[dict]:
    return [{"ref": item.ref, "year": published.year, "instrument": item.instrument.code,
             "instrument_title": item.instrument.title, "category": item.category,
             "wording": published.data.texts[item.id],
             "deadline": item.deadline.isoformat() if item.deadline else None} for item in published.data.items]


def _reports(published: PublishedYear, downloads: dict[str, str]) -> dict:
    digest = {kind: sha256 for kind, (_name, _content, sha256) in published.files.items()}
    return {"year": published.year, "report": published.report_id,
            "data_as_of": published.moment.replace(microsecond=0).isoformat() + "Z",
            "workbook": downloads.get("workbook"), "workbook_sha256": digest.get("workbook"),
            "pdf": downloads.get("pdf"), "pdf_sha256": digest.get("pdf")}


def tables(years: list[PublishedYear], downloads: dict[int, dict[str, str]]) -> dict[str, list[dict]]:
    """Every resource's rows."""
    return {
        "entries": [row for p in years for row in _entries(p)],
        "commitments": [row for p in years for row in _commitments(p)],
        "economies": [{"code": e.code, "name": e.name} for e in site.all_economies(years)],
        "figures": [row for p in years for row in _figures(p)],
        "reports": [_reports(p, downloads[p.year]) for p in years],
    }


def _write_csv(path: Path, name: str, rows: list[dict]) -> None:
    columns = [f["name"] for f in SCHEMAS[name]["fields"]]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()}
                         for row in rows)


def write_package(folder: Path, years: list[PublishedYear], downloads: dict[int, dict[str, str]],
                  licence: str) -> list[str]:
    """The data files and ``datapackage.json`` under ``folder``; the files written, relative to it."""
    lead = years[-1].publication
    resources, written = [], []
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for name, rows in tables(years, downloads).items():
        _write_csv(folder / "data" / f"{name}.csv", name, rows)
        with (folder / "data" / f"{name}.json").open("w", encoding="utf-8") as out:
            out.write("[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n")
        written += [f"data/{name}.csv", f"data/{name}.json"]
        resources.append({"name": name, "title": TITLES[name], "path": f"data/{name}.csv", "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8", "schema": SCHEMAS[name]})
        resources.append({"name": f"{name}-json", "title": f"{TITLES[name]} (JSON)", "path": f"data/{name}.json",
                          "format": "json", "type": "table", "mediatype": "application/json", "encoding": "utf-8",
                          "schema": SCHEMAS[name]})
    title, address = LICENCES[licence]
    package = {
        "name": "commitments-progress", "title": lead.title, "description": lead.subject or lead.title,
        "licenses": [{"name": licence, "title": title, "path": address}],
        "years": [p.year for p in years], "resources": resources,
    }
    if lead.publisher:
        package |= {"publisher": lead.publisher, "contributors": [{"title": lead.publisher, "role": "publisher"}]}
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
    return written + ["datapackage.json"]
