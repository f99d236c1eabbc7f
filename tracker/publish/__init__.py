"""Publishing the round to the public: a static website and an open data package, from the
reports kept as published.

``publish_site`` writes the whole site into a folder that any web server or file host serves as
it is: an overview page per year, the matrix, a page per commitment and per economy (``pages``),
the report files exactly as kept, and the data as CSV and JSON with a Frictionless
``datapackage.json`` (``datapackage``). Each year is what its kept report published (``site``).
The site is built in a run folder beside the destination and put in place whole, so a reader
never sees half a site and a failed run leaves the previous one as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.atomic import refusal, run_folder
from tracker.errors import Refused
from tracker.publish.datapackage import LICENCES, write_package
from tracker.publish.pages import write_pages
from tracker.publish.site import PublishedYear, published_years
from tracker.status import colour_rules
from tracker.text import escaped
from tracker.years import check_year

#: A folder holding this file was written by ``publish_site``, and may be replaced by it.
MARK = ".tracker-public-site"


@dataclass
class PublishedSite:
    folder: Path
    years: list[int]
    reports: dict[int, int]  # year -> the report id published
    pages: int
    files: int
    size: int  # bytes


def shared_stylesheet() -> bytes:
    """The rules the site shares with the browser view (which serves them as ``/shared.css``): one
    source for both, the site's own rules written after them into its one ``style.css``. Each
    status's colour is the report's (``tracker.status``), so that a colour means one status in the
    workbook, on the site and in the browser view alike."""
    return files("tracker.publish").joinpath("templates/shared.css").read_bytes() + colour_rules("s-").encode()


def _downloads(folder: Path, years: list[PublishedYear]) -> tuple[dict[int, dict[str, str]], list[dict]]:
    """The kept report files, byte for byte, under downloads/; per year kind -> path, and the rows
    the downloads page lists."""
    paths, rows = {}, []
    (folder / "downloads").mkdir()
    for published in years:
        paths[published.year] = {}
        for kind, (name, content, _sha256) in published.files.items():
            path = f"downloads/{published.year}/{name}"
            (folder / path).parent.mkdir(exist_ok=True)
            (folder / path).write_bytes(content)
            paths[published.year][kind] = path
            rows.append({"year": published.year, "kind": kind, "path": path, "size": len(content),
                         "report_id": published.report_id})
    return paths, rows


def _check_destination(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise Refused(f"{escaped(out)} is a file: give a folder for the site (a new one, or one it was published to).")
    if out.is_dir() and any(out.iterdir()) and not (out / MARK).exists():
        raise Refused(f"{escaped(out)} holds files that are not a published site, and publishing replaces the folder "
                      "whole: give a new or empty folder.")


def _put_in_place(built: Path, out: Path, run: Path) -> None:
    """Swap the built site in for the previous one (kept in the run folder, removed with it)."""
    if out.exists():
        os.replace(out, run / "previous")
    os.replace(built, out)


def year_range(year: int, years: tuple[int, int] | None) -> list[int]:
    """The years to publish: ``year`` alone, or FROM to TO, which must hold ``year``."""
    if years is None:
        return [check_year(year)]
    first, last = check_year(years[0]), check_year(years[1])
    if first > last or not first <= year <= last:
        raise Refused(f"--years {first}-{last} must run from an earlier to a later year and include --year {year}: "
                      f"give, say, --years {min(first, last, year)}-{max(first, last, year)}.")
    return list(range(first, last + 1))


def publish_site(session: Session, year: int, out: Path, years: tuple[int, int] | None = None,
                 licence: str = "CC-BY-4.0") -> PublishedSite:
    """Write the public site of the years asked for into ``out``, replacing a site published there
    before; refused when a year has no report kept as published."""
    if licence not in LICENCES:
        raise Refused(f"Unknown licence {licence!r}: give one of {', '.join(LICENCES)}.")
    out = Path(out).absolute()
    published = published_years(session, year_range(year, years))
    try:
        _check_destination(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with run_folder(out.parent) as run:
            built = run / "site"
            built.mkdir()
            downloads, download_rows = _downloads(built, published)
            data_files = write_package(built, published, downloads, licence)
            pages = write_pages(built, published, download_rows, data_files)
            (built / "style.css").write_bytes(
                shared_stylesheet() + files("tracker.publish").joinpath("templates/style.css").read_bytes())
            (built / MARK).write_text("Written by `tracker publish`; publishing again replaces this folder whole.\n")
            every = [p for p in built.rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in every)
            _put_in_place(built, out, run)
    except OSError as exc:
        raise refusal("the public site", out, exc) from None
    return PublishedSite(out, [p.year for p in published], {p.year: p.report_id for p in published},
                         len(pages), len(every), size)
