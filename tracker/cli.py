"""The ``tracker`` command: parses options, calls one library function, formats the result.

Every refusal from the library (``Refused``) is printed as a message and exits 1; click's usage
errors exit 2. The logic lives in the modules named after what they do.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from tracker import __version__, catalogue, demo, economies, forms, importer, progress, rates, report
from tracker.errors import Refused
from tracker.initialise import initialise
from tracker.models import CONTACT_FIELDS, NARRATIVE_FIELDS
from tracker.status import label
from tracker.store import DEFAULT_TARGET, Store, open_store

DEFAULT_REPORTS = Path("reports")


class TrackerGroup(click.Group):
    """A group that turns every ``Refused`` into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Refused as exc:
            raise click.ClickException(str(exc)) from None


def run(ctx: click.Context, function, *args, **kwargs):
    """Open the database named by --db, check its schema, and call ``function(session, ...)``
    in one transaction."""
    store = open_store(ctx.find_root().obj)
    with store.transaction() as session:
        return function(session, *args, **kwargs)


def source(command: str) -> str:
    """What the history records as the origin of a change made from the command line."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown user"
    return f"tracker {command} ({user})"


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot show {type(value).__name__} as JSON")


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def progress_bar(title: str):
    """A progress bar on standard error for long work, so standard output stays clean."""

    def wrap(items):
        items = list(items)
        if len(items) < 2:
            yield from items
            return
        with click.progressbar(items, label=title, file=sys.stderr, show_pos=True) as bar:
            yield from bar

    return wrap


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
year_option = click.option("--year", type=int, required=True, help="The reporting year, such as 2008.")


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "target",
    envvar="TRACKER_DB",
    default=DEFAULT_TARGET,
    show_default=True,
    metavar="TARGET",
    help="Database: a file path (SQLite) or an SQLAlchemy URL such as "
    "postgresql+psycopg://user@host/dbname. Also read from TRACKER_DB.",
)
@click.version_option(__version__, prog_name="tracker")
@click.pass_context
def cli(ctx: click.Context, target: str):
    """Track member economies' progress against international commitments, year by year.

    Start with `tracker init`, then `tracker catalog list` and `tracker economies list`.
    Every command explains itself with --help.

    \b
    Example:
        tracker init
        tracker record JPN LC02-1 --year 2008 --status implemented
        tracker summary --year 2008
    """
    ctx.obj = target


@cli.command()
@click.pass_context
def init(ctx: click.Context):
    """Create or upgrade the database and load the built-in catalogue and economies.

    Safe to run again: it changes nothing that is already there, and says so.

    \b
    Example:
        tracker init
        tracker --db postgresql+psycopg://postgres@127.0.0.1/tracker init
    """
    result = initialise(Store(ctx.obj))
    if not result.changed_anything:
        click.echo(f"Nothing to do: {ctx.obj} is up to date (schema {result.schema_after}).")
        return
    if result.schema_before != result.schema_after:
        click.echo(f"Schema: {result.schema_before or 'empty'} -> {result.schema_after}.")
    _echo_load(result.catalogue)
    click.echo(f"Economies added: {len(result.economies_added)}.")


def _echo_load(result: catalogue.LoadResult) -> None:
    click.echo(f"Catalogue {result.catalogue}@{result.version}: items {len(result.added)} added, "
               f"{len(result.updated)} updated, {result.unchanged} unchanged; "
               f"{len(result.instruments)} instruments added or updated.")


@cli.group()
def db():
    """Look after the database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context):
    """Bring the database schema up to date with this version of tracker.

    Runs in one transaction: if anything fails, nothing changes.

    \b
    Example:
        tracker db upgrade
    """
    before, after = Store(ctx.find_root().obj).upgrade()
    if before == after:
        click.echo(f"Already up to date (schema {after}).")
    else:
        click.echo(f"Upgraded the schema from {before or 'empty'} to {after}.")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context):
    """Show the database's schema revision and whether it is up to date.

    \b
    Example:
        tracker db current
    """
    state, revision = Store(ctx.find_root().obj).schema_state()
    meaning = {
        "empty": "no tracker tables yet; run `tracker init`",
        "current": "up to date",
        "old": "older than this tracker; run `tracker db upgrade`",
        "newer": "made by a newer tracker; this version will not touch it",
    }[state]
    click.echo(f"{revision or 'none'} ({meaning})")


@cli.group("catalog")
def catalog():
    """List, show and load the commitments, as checklist items."""


@catalog.command("list")
@click.option("--year", type=int, help="Only the items that apply in this year.")
@json_option
@click.pass_context
def catalog_list(ctx: click.Context, year: int | None, as_json: bool):
    """List the checklist items.

    \b
    Example:
        tracker catalog list
        tracker catalog list --year 2005 --json
    """
    items = run(ctx, catalogue.list_items, year)
    if as_json:
        emit_json(items)
        return
    for item in items:
        deadline = f"  [deadline {item['deadline']}]" if item["deadline"] else ""
        click.echo(f"{item['ref']:<9} {item['instrument_code']:<14} {item['text'][:70]}{deadline}")


@catalog.command("show")
@click.argument("ref")
@json_option
@click.pass_context
def catalog_show(ctx: click.Context, ref: str, as_json: bool):
    """Show one checklist item in full, with its instrument.

    \b
    Example:
        tracker catalog show LC02-1
    """
    item = run(ctx, catalogue.show_item, ref)
    if as_json:
        emit_json(item)
        return
    retired = f", retired in {item['retired_year']}" if item["retired_year"] else ""
    click.echo(f"{item['ref']}  ({item['category']})")
    click.echo(f"Instrument: {item['instrument']} [{item['instrument_code']}]")
    click.echo(f"  adopted by {item['instrument_body']}, {item['instrument_place'] or 'place not recorded'}, "
               f"{item['instrument_adopted'] or 'date not recorded'}")
    click.echo(f"Text ({item['text_kind']}): {item['text']}")
    click.echo(f"Deadline: {item['deadline'] or 'none'}")
    click.echo(f"Applies from {item['first_year']}{retired}.")


@catalog.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def catalog_load(ctx: click.Context, file: str):
    """Load a catalogue file, adding and updating items by ref.

    Recorded progress is never touched, and loading the same file twice changes nothing.
    A malformed file is refused whole, with every problem by line. See templates/ for the format.

    \b
    Example:
        tracker catalog load my-commitments.catalogue
    """
    result = run(ctx, catalogue.load_catalogue, file)
    if not result.changed_anything:
        click.echo(f"Nothing to do: {result.catalogue}@{result.version} is already loaded "
                   f"({result.unchanged} items unchanged).")
        return
    _echo_load(result)
    for line in [f"added {ref}" for ref in result.added] + [f"updated {ref}" for ref in result.updated]:
        click.echo(f"  {line}")
    for line in result.instruments:
        click.echo(f"  {line.replace(' ', ' instrument ', 1)}")
    if result.kept:
        click.echo(f"Kept items not in the file (retire them with retired-year): {', '.join(result.kept)}")


@cli.group("economies")
def economies_group():
    """List, add and rename the member economies."""


@economies_group.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include economies no longer active.")
@json_option
@click.pass_context
def economies_list(ctx: click.Context, include_inactive: bool, as_json: bool):
    """List the member economies.

    \b
    Example:
        tracker economies list --json
    """
    rows = run(ctx, economies.list_economies, include_inactive)
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['code']:<5} {row['name']}{'' if row['active'] else '  (inactive)'}")


@economies_group.command("add")
@click.argument("code")
@click.argument("name")
@click.pass_context
def economies_add(ctx: click.Context, code: str, name: str):
    """Add a member economy.

    \b
    Example:
        tracker economies add XYZ "Example Economy"
    """
    economy = run(ctx, economies.add_economy, code, name)
    click.echo(f"Added {economy.code}: {economy.name}.")


@economies_group.command("rename")
@click.argument("code")
@click.argument("name")
@click.pass_context
def economies_rename(ctx: click.Context, code: str, name: str):
    """Give an economy a new name (its code and answers stay as they are).

    \b
    Example:
        tracker economies rename TWN "Chinese Taipei"
    """
    old, economy = run(ctx, economies.rename_economy, code, name)
    click.echo(f"Renamed {economy.code}: {old} -> {economy.name}.")


@cli.command("record")
@click.argument("economy")
@click.argument("ref")
@year_option
@click.option("--status", help="Status, by label or key: Not started, Planned, In progress, "
              "Partially implemented, Implemented, Not applicable.")
@click.option("--measures", help="Measures undertaken this year.")
@click.option("--planned", help="Further measures planned.")
@click.option("--timeframe", help="Timeframe of the planned measures.")
@click.option("--needs", help="Capacity-building needs (or offers).")
@click.option("--evidence", help="Evidence or reference: law name, URL, ...")
@click.pass_context
def record(ctx: click.Context, economy: str, ref: str, year: int, **values):
    """Record an economy's progress on one item for a year.

    Options left out keep what is stored. Every change is kept in the history.

    \b
    Example:
        tracker record JPN LC02-1 --year 2008 --status implemented \\
            --evidence "Act on Prohibition of Unauthorized Computer Access"
    """
    outcome = run(ctx, progress.record, economy, ref, year, values, source("record"))
    _echo_outcome(f"{economy.upper()} {outcome.ref} {year}", outcome)


def _echo_outcome(what: str, outcome: progress.Outcome) -> None:
    if outcome.kind == "unchanged":
        click.echo(f"{what}: nothing changed.")
        return
    click.echo(f"{what}: {outcome.kind}.")
    for change in outcome.changes:
        click.echo(f"  {change.field}: {_shown(change.field, change.old)} -> {_shown(change.field, change.new)}")


def _shown(field: str, value: str | None) -> str:
    if value is None:
        return "(blank)"
    return label(value) if field == "status" else value


@cli.command("contact")
@click.argument("economy")
@year_option
@click.option("--name", required=True, help="The focal point's name.")
@click.option("--title", help="Title or position.")
@click.option("--email", help="E-mail address.")
@click.option("--phone", help="Telephone number.")
@click.pass_context
def contact(ctx: click.Context, economy: str, year: int, **values):
    """Set the contact point of an economy's return for a year.

    \b
    Example:
        tracker contact JPN --year 2008 --name "Hanako Sato" --email h.sato@example.go.jp
    """
    outcome = run(ctx, progress.set_contact, economy, year, values, source("contact"))
    _echo_outcome(f"{economy.upper()} {year} contact point", outcome)


@cli.command("show")
@click.argument("economy")
@year_option
@json_option
@click.pass_context
def show(ctx: click.Context, economy: str, year: int, as_json: bool):
    """Show an economy's checklist for a year: every item that applies, reported or not.

    \b
    Example:
        tracker show JPN --year 2008
        tracker show jpn --year 2008 --json
    """
    sheet = run(ctx, progress.checklist, economy, year)
    if as_json:
        emit_json([{k: v for k, v in row.items() if k != "text"} for row in sheet["items"]])
        return
    click.echo(f"{sheet['name']} ({sheet['economy']}), {sheet['year']}")
    person = sheet["contact"]
    if person["name"]:
        details = ", ".join(person[k] for k in CONTACT_FIELDS[1:] if person[k])
        click.echo(f"Contact point: {person['name']}{' (' + details + ')' if details else ''}")
    click.echo(f"Last updated: {sheet['last_updated'] or 'never'}")
    for row in sheet["items"]:
        click.echo(f"\n{row['ref']}: {label(row['status']) or 'Not reported'}")
        click.echo(f"  {row['text']}")
        for name in NARRATIVE_FIELDS:
            if row[name]:
                click.echo(f"  {name}: {row[name]}")


@cli.command("summary")
@year_option
@json_option
@click.pass_context
def summary(ctx: click.Context, year: int, as_json: bool):
    """Coverage and implementation rate of every economy for a year.

    \b
    Example:
        tracker summary --year 2008
    """
    result = run(ctx, rates.summary, year)
    if as_json:
        emit_json(result["economies"])
        return
    click.echo(f"{year}: {result['items_applying']} items apply.")
    click.echo(f"{'code':<6}{'economy':<26}{'reported':>9}{'coverage':>10}{'rate':>8}")
    for row in result["economies"]:
        click.echo(f"{row['code']:<6}{row['name'][:25]:<26}{row['reported']:>9}"
                   f"{percent(row['coverage']):>10}{percent(row['implementation_rate']):>8}")
    region = result["region"]
    click.echo(f"{'':<6}{'Region-wide':<26}{region['reported']:>9}"
               f"{percent(region['coverage']):>10}{percent(region['implementation_rate']):>8}")
    click.echo(f"\n{rates.RATE_FORMULA}\n{rates.COVERAGE_FORMULA}\n{rates.REGION_FORMULA}")


@cli.command("history")
@click.argument("economy")
@click.argument("ref", required=False)
@json_option
@click.pass_context
def history(ctx: click.Context, economy: str, ref: str | None, as_json: bool):
    """Show every change recorded for an economy (or one of its items), newest first.

    \b
    Example:
        tracker history JPN
        tracker history JPN LC02-1 --json
    """
    rows = run(ctx, progress.history, economy, ref)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No changes recorded.")
    for row in rows:
        click.echo(f"{row['changed_at']}  {row['year']} {row['ref'] or 'return'} {row['field']}: "
                   f"{_shown(row['field'], row['old'])} -> {_shown(row['field'], row['new'])}"
                   f"  [{row['source']}]")


@cli.command("form")
@year_option
@click.option("--economy", "economy_codes", multiple=True, metavar="CODE",
              help="An economy to write a form for (repeat for more); all active economies by default.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the forms  [default: reports/forms/YEAR/]")
@click.option("--due", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date the forms are due back (YYYY-MM-DD).")
@click.option("--return-to", help="Whom to send the filled form to, such as an e-mail address.")
@click.pass_context
def form(ctx: click.Context, year: int, economy_codes: tuple[str, ...], out_dir: Path | None, due, return_to):
    """Write the Excel forms economies fill in for a year, one workbook per economy.

    Each form is prefilled with the economy's latest answers and carries a signed, hidden
    identification so that `tracker import` knows whose answers it holds.

    \b
    Example:
        tracker form --year 2009 --due 2009-03-31 --return-to spsg@example.org
        tracker form --year 2009 --economy JPN --economy PER --out outgoing/
    """
    out_dir = out_dir or DEFAULT_REPORTS / "forms" / str(year)
    request = forms.FormRequest(due=due.date() if due else None, return_to=return_to)
    paths = run(ctx, forms.write_forms, year, list(economy_codes), out_dir, request,
                progress_bar("Writing forms"))
    click.echo(f"Wrote {len(paths)} form{'s' if len(paths) != 1 else ''} to {out_dir}/")
    for path in paths:
        click.echo(f"  {path.name}")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--dry-run", is_flag=True, help="Check and show every change without writing anything.")
@click.option("--force", is_flag=True, help="Let a form win where the database changed after it was issued.")
@json_option
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[str, ...], dry_run: bool, force: bool, as_json: bool):
    """Import filled-in forms or tidy tables (a PATH may be a folder of .xlsx files).

    Each file is checked whole and applied whole, or not at all. Blank cells keep what is
    stored. Exits 0 when every file was applied (or, with --dry-run, would be), 1 otherwise.

    \b
    Example:
        tracker import --dry-run reports/returned/
        tracker import reports/returned/ JPN-2009.xlsx
    """
    store = open_store(ctx.find_root().obj)
    results = importer.import_files(store, paths, dry_run, force, progress_bar("Importing"))
    if as_json:
        emit_json([vars(r) for r in results])
    else:
        for result in results:
            _echo_import(result)
        applied = [r.file for r in results if r.status in ("applied", "would apply")]
        refused = [r.file for r in results if not r.ok]
        totals = {k: sum(getattr(r, k) for r in results) for k in ("new", "changed", "unchanged")}
        verb = "would apply" if dry_run else "applied"
        click.echo(f"\nTotal: {len(applied)} file(s) {verb}, {len(refused)} refused; "
                   f"entries {totals['new']} new, {totals['changed']} changed, {totals['unchanged']} unchanged.")
        if refused:
            click.echo(f"Not applied: {', '.join(refused)}")
        if dry_run:
            click.echo("Dry run: nothing was written.")
    if not all(r.ok for r in results):
        ctx.exit(1)


def _echo_import(result: importer.FileResult) -> None:
    if result.status in ("refused", "already imported"):
        click.echo(f"{result.file}: {result.status}")
        for problem in result.problems:
            click.echo(f"  {problem}")
        return
    what = f"form {result.economy} {result.year}" if result.kind == "form" else "table"
    click.echo(f"{result.file}: {result.status} ({what}): {result.new} new, {result.changed} changed, "
               f"{result.unchanged} unchanged")
    for change in result.changes:
        where = f"{change['economy']} {change['year']} {change['ref'] or 'contact'}"
        click.echo(f"  {where}: {change['field']} {_shown(change['field'], change['old'])} -> "
                   f"{_shown(change['field'], change['new'])}")


@cli.command("report")
@year_option
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook to write  [default: reports/progress-YEAR.xlsx]")
@click.option("--pdf", is_flag=True, help="Also write the PDF beside the workbook (needs LibreOffice).")
@click.pass_context
def report_command(ctx: click.Context, year: int, out_file: Path | None, pdf: bool):
    """Write the annual progress report workbook for a year.

    Sheets: Summary, Economies, Commitments, Matrix, Changes, Overdue, Trend, three chart
    sheets, Needs, Returns, one per economy, Data (a filterable table that `tracker import`
    accepts back) and About. Every sheet is set up to print on A4; --pdf also writes the PDF
    beside the workbook through LibreOffice.

    \b
    Example:
        tracker report --year 2008
        tracker report --year 2008 --out progress-2008.xlsx --pdf
    """
    out_file = out_file or DEFAULT_REPORTS / f"progress-{year}.xlsx"
    data = run(ctx, report.write_report, year, out_file, pdf)
    region = data.region()
    click.echo(f"Wrote {out_file}: {len(data.economies)} economies ({len(data.returning())} returned), "
               f"{len(data.items)} items; region-wide implementation rate {percent(region.rate)}, "
               f"coverage {percent(region.coverage)}.")
    if pdf:
        click.echo(f"Wrote {out_file.with_suffix('.pdf')}")


@cli.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_REPORTS / "demo",
              show_default=True, help="Folder for the demo database, its forms and its report.")
def demo_command(out_dir: Path):
    """Run a whole round on a separate demo database and write its report.

    Builds OUT/demo.db (never your own database) with the real catalogue and economies and
    illustrative entries for 2006 and 2007, writes the 2008 forms, fills in and imports some of
    them as focal points would, and writes the 2008 report. Every sheet says the data are made up.

    \b
    Example:
        tracker demo
        tracker demo --out /tmp/tracker-demo
    """
    result = demo.run_demo(out_dir, progress_bar("Working"))
    applied = sum(1 for r in result.imports if r.status == "applied")
    click.echo(f"Demo database: {result.database}")
    click.echo(f"Forms written: {len(result.forms)} in {result.forms[0].parent}/; "
               f"{len(result.imports)} filled in and imported ({applied} applied).")
    click.echo(f"Report: {result.report}")
    click.echo(f"Try: tracker --db {result.database} summary --year {demo.ROUND_YEAR}")


def main() -> None:
    cli(prog_name="tracker")

