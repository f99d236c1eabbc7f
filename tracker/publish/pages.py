"""The public site's pages: Jinja2 templates shipped with the package, filled from the years as
published (``site``), written as plain HTML files that link to each other by relative addresses.

Every page works from a folder served as it is: no script, no request outside the folder, every
user text escaped by Jinja2's autoescaping. Pages at the top of the folder have ``root`` "", the
others (one folder down) "../".
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from tracker.models import Economy, Item
from tracker.percentages import percent_text, points_text, rounded_percent
from tracker.publication import site_title
from tracker.publish import site
from tracker.publish.site import PublishedYear
from tracker.status import LABELS, SHORT, STATUS_KEYS
from tracker.workbook.layout import FIELD_LABELS

def page_name(text: str) -> str:
    """A file name for a ref or a code: letters, digits, '-' and '.' kept, anything else as _XX."""
    return re.sub(r"[^A-Za-z0-9.-]", lambda m: "".join(f"_{b:02X}" for b in m.group().encode()), text) + ".html"


def _bar_width(value: float | None) -> str:
    return f"{(rounded_percent(value) or 0) * 100:.1f}%"


def environment() -> Environment:
    env = Environment(loader=PackageLoader("tracker.publish", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(percent=percent_text, points=points_text, width=_bar_width, page=page_name)
    env.globals.update(labels=LABELS, short=SHORT, status_keys=STATUS_KEYS, narrative_titles=FIELD_LABELS)
    return env


class Writer:
    """Renders each page to its file in the site's folder, with what every page shares."""

    def __init__(self, folder: Path, years: list[PublishedYear]):
        self.folder, self.years, self.env = folder, years, environment()
        self.lead = years[-1]
        self.shared = {"site_title": site_title(self.lead.publication), "publisher": self.lead.publication.publisher,
                       "years": [p.year for p in years], "illustrative": any(p.data.illustrative for p in years)}
        self.pages: list[str] = []

    def write(self, path: str, template: str, **context) -> None:
        root = "../" * path.count("/")
        html = self.env.get_template(template).render(root=root, **(self.shared | context))
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.pages.append(path)


def _returns(published: PublishedYear) -> tuple[list[dict], list[Economy]]:
    data = published.data
    returned = [{"economy": e, "figure": site.economy(published, e.id)} for e in data.returning()]
    return returned, [e for e in data.economies if not data.returned(e.id)]


def _overview(published: PublishedYear) -> dict:
    data = published.data
    returned, missing = _returns(published)
    comparison = data.comparison
    commitments = [{"item": item, "text": data.texts[item.id], "figure": site.commitment(published, item)}
                   for item in data.items]
    return {"published": published, "data": data, "returned": returned, "missing": missing,
            "region": site.region(published), "instruments": site.instruments(published),
            "commitments": commitments,
            "basis": comparison.basis.describe() if comparison else None,
            "added": comparison.added_sentence() if comparison else None}


def _matrix(published: PublishedYear) -> dict:
    data = published.data
    rows = [(e, [site.entry(published, e.id, item.id) for item in data.items], data.returned(e.id))
            for e in data.economies]
    return {"published": published, "items": data.items, "rows": rows}


def _commitment(years: list[PublishedYear], item: Item, economies: list[Economy]) -> dict:
    applying = [p for p in years if item.id in p.data.texts]
    wordings = [(p.year, p.data.texts[item.id], site.commitment(p, item)) for p in applying]
    rows = []
    for member in economies:
        cells = [(p.year, site.entry(p, member.id, item.id), p.data.returned(member.id),
                  member.id in p.economy_ids) for p in applying]
        rows.append((member, cells))
    return {"item": item, "wordings": wordings, "rows": rows, "applying": [p.year for p in applying]}


def _economy(years: list[PublishedYear], member: Economy) -> dict:
    sections = []
    for published in reversed(years):
        data = published.data
        if member.id not in published.economy_ids:
            continue
        answers = [(item, data.texts[item.id], site.entry(published, member.id, item.id)) for item in data.items]
        sections.append({"year": published.year, "figure": site.economy(published, member.id), "answers": answers})
    return {"economy": member, "sections": sections}


def write_pages(folder: Path, years: list[PublishedYear], downloads: list[dict], data_files: list[str]) -> list[str]:
    """Every page of the site under ``folder``; the pages written, relative to it."""
    writer = Writer(folder, years)
    items, economies = site.all_items(years), site.all_economies(years)
    summaries = [(p, site.region(p), len(p.data.returning()), len(p.data.economies)) for p in reversed(years)]
    writer.write("index.html", "home.html", summaries=summaries)
    for published in years:
        writer.write(f"{published.year}/index.html", "overview.html", **_overview(published))
        writer.write(f"{published.year}/matrix.html", "matrix.html", **_matrix(published))
    writer.write("commitments.html", "commitments.html", items=items, lead=writer.lead)
    for item in items:
        writer.write(f"commitments/{page_name(item.ref)}", "commitment.html", **_commitment(years, item, economies))
    writer.write("economies.html", "economies.html", economies=economies,
                 figures={e.id: site.economy(writer.lead, e.id) for e in economies})
    for member in economies:
        writer.write(f"economies/{page_name(member.code)}", "economy.html", **_economy(years, member))
    writer.write("downloads.html", "downloads.html", downloads=downloads, data_files=data_files)
    return writer.pages
