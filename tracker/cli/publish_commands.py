"""``tracker publish``: the public website and open data of the years published."""

from __future__ import annotations

import re
from pathlib import Path

import click

from tracker.cli.common import run, year_option
from tracker.text import escaped

class YearSpan(click.ParamType):
    """FROM-TO, two years."""

    name = "FROM-TO"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        match = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", value)
        if not match:
            self.fail(f"{escaped(value)} is not a span of years: give it as FROM-TO, such as 2006-2008.", param, ctx)
        return int(match[1]), int(match[2])


@click.command("publish")
@year_option
@click.option("--years", type=YearSpan(), help="Publish every year from FROM to TO (they must include --year); "
              "each needs its report kept as published.  [default: --year alone]")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The site's folder: a new or empty one, or one published to before (replaced whole).")
@click.option("--licence", default="CC-BY-4.0", show_default=True,
              help="The licence the data package states: CC-BY-4.0, CC0-1.0 or ODbL-1.0.")
@click.pass_context
def publish_command(ctx: click.Context, year: int, years: tuple[int, int] | None, out_dir: Path, licence: str):
    """Write the public website of the years published: an overview per year, the matrix, a page per
    commitment and per economy, the reports as kept, and the data as CSV and JSON with a Frictionless
    datapackage.json. Each year is what its kept report published, never a later change; a year
    without one is refused. Any web server or file host serves the folder as it is.

    \b
    Example:
        tracker publish --year 2008 --out public
        tracker publish --year 2008 --years 2006-2008 --out public --licence CC0-1.0
    """
    from tracker.publish import publish_site

    result = run(ctx, publish_site, year, out_dir, years, licence)
    reports = ", ".join(f"{y} (report {result.reports[y]})" for y in result.years)
    click.echo(f"Published {reports} to {escaped(result.folder)}: {result.pages} pages, {result.files} files, "
               f"{result.size / 1e6:.1f} MB. Open {escaped(result.folder / 'index.html')}.")
