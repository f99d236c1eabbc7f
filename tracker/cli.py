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

from tracker import __version__, backup, catalogue, check, demo, economies, forms, history, importer, imports
from tracker import progress, rates, report, reports_log, rounds, users
from tracker.errors import Refused, reopen_hint
from tracker.initialise import initialise
from tracker.models import CONTACT_FIELDS, NARRATIVE_FIELDS, ROLES
from tracker.status import label
from tracker.store import DEFAULT_TARGET, Store, open_store

DEFAULT_REPORTS = Path("reports")


class TrackerGroup(click.Group):
    """A group that turns every ``Refused`` into a one-line message and exit code 1, and refuses
    arguments that are not valid UTF-8 text before anything runs (exit code 2)."""

    def main(self, args=None, *rest, **options):
        arguments = sys.argv[1:] if args is None else list(args)
        for position, argument in enumerate(arguments, start=1):
            try:
                argument.encode("utf-8")
            except UnicodeEncodeError:
                shown = argument.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                click.echo(f"Error: argument {position} ({shown[:60]}) is not valid UTF-8 text; "
                           "retype it, or set the terminal to UTF-8.", err=True)
                sys.exit(2)
        return super().main(arguments, *rest, **options)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Refused as exc:
            raise click.ClickException(str(exc)) from None


def run(ctx: click.Context, function, *args, **kwargs):
    """Open the database named by --db, check its schema, and call ``function(session, ...)``
    in one transaction (run again if it lost a race with another writer)."""
    return open_store(ctx.find_root().obj).run(function, *args, **kwargs)


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


class Moment(click.ParamType):
    """An option value that is a moment: an ISO date-time (UTC) or a date (its end)."""

    name = "moment"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            return history.moment(value)
        except Refused as exc:
            self.fail(str(exc), param, ctx)


def checked_year(_ctx, _param, value: int | None) -> int | None:
    """Every --year is refused outside the years the tool knows (``progress.check_year``)."""
    return None if value is None else progress.check_year(value)


IMPORT_ID = click.IntRange(1, 2**63 - 1)

json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
year_option = click.option("--year", type=int, required=True, callback=checked_year,
                           help="The reporting year, such as 2008.")


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
    if result.catalogue is None:
        click.echo(f"Catalogue {result.kept_catalogue} kept: it is newer than the one built in.")
    if not result.changed_anything:
        click.echo(f"Nothing to do: {ctx.obj} is up to date (schema {result.schema_after}).")
        return
    if result.schema_before != result.schema_after:
        click.echo(f"Schema: {result.schema_before or 'empty'} -> {result.schema_after}.")
    if result.catalogue is not None:
        _echo_load(result.catalogue)
    click.echo(f"Economies added: {len(result.economies_added)}.")


def _echo_load(result: catalogue.LoadResult) -> None:
    click.echo(f"Catalogue {result.catalogue}@{result.version}: items {len(result.added)} added, "
               f"{len(result.updated)} updated, {len(result.reworded)} reworded, {len(result.retired)} retired, "
               f"{result.unchanged} unchanged; "
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
    before, after = Store(ctx.find_root().obj, create=False).upgrade()
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
    state, revision = Store(ctx.find_root().obj, create=False).schema_state()
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
@click.option("--year", type=int, callback=checked_year, help="Only the items that apply in this year.")
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
    if len(item["wordings"]) > 1:
        for wording in item["wordings"]:
            click.echo(f"  from {wording['from_year']}: {wording['text']}")
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
    changed = [("added", result.added), ("retired", result.retired), ("reworded", result.reworded),
               ("updated", result.updated)]
    for line in [f"{what} {ref}" for what, refs in changed for ref in refs]:
        click.echo(f"  {line}")
    for line in result.instruments:
        click.echo(f"  {line.replace(' ', ' instrument ', 1)}")
    if result.kept:
        click.echo(f"Kept items not in the file (retire them with retired-year): {', '.join(result.kept)}")


@catalog.command("diff")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_context
def catalog_diff(ctx: click.Context, file: str):
    """Show what loading a catalogue file would change, without changing anything.

    \b
    Example:
        tracker catalog diff apec-cyber-2002-2011.catalogue
    """
    result = run(ctx, catalogue.diff_catalogue, file)
    click.echo(f"Loading {file} ({result.catalogue}@{result.version}) would change:")
    groups = [("added", result.added), ("retired", result.retired), ("reworded", result.reworded),
              ("otherwise updated", result.updated)]
    for name, refs in groups:
        click.echo(f"  {name}: {len(refs)}{'  ' + ', '.join(refs) if refs else ''}")
    click.echo(f"  unchanged: {result.unchanged}")
    for line in result.instruments:
        click.echo(f"  {line.replace(' ', ' instrument ', 1)}")
    if result.kept:
        click.echo(f"  kept, not in the file: {', '.join(result.kept)}")
    if not result.changed_anything:
        click.echo("Nothing: it is already loaded.")


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
@click.argument("economy", required=False)
@click.argument("ref", required=False)
@click.option("--item", "item_ref", metavar="REF", help="Only this item (the same as giving REF after ECONOMY).")
@click.option("--year", type=int, callback=checked_year, help="Only this year (with no other filter, the round's openings and closings too).")
@click.option("--import", "import_id", type=IMPORT_ID, metavar="ID", help="Only the changes of this import (see `tracker imports list`).")
@json_option
@click.pass_context
def history_command(ctx: click.Context, economy: str | None, ref: str | None, item_ref: str | None,
                    year: int | None, import_id: int | None, as_json: bool):
    """Show who changed what and when, old -> new, newest first: for an economy, an item, a year or an import.

    The source is the command and user, or the imported file and its SHA-256.

    \b
    Example:
        tracker history JPN
        tracker history JPN LC02-1 --json
        tracker history --item LC02-1 --year 2009
        tracker history --import 12
    """
    rows = run(ctx, history.history, economy, item_ref or ref, year, import_id)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No changes recorded.")
    for row in rows:
        if row["field"] == "round":
            click.echo(f"{row['changed_at']}  {row['year']} round {row['new']}  [{row['source']}]")
            continue
        click.echo(f"{row['changed_at']}  {row['economy']} {row['year']} {row['ref'] or 'return'} {row['field']}: "
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
    stored. In a folder, every other file is listed as refused (.xls, .ods, .csv ...) or
    skipped (hidden files, Office lock files). Exits 0 when every file was applied (or, with
    --dry-run, would be), 1 otherwise.

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
    if result.status in ("refused", "already imported", "skipped"):
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
@click.option("--as-of", "as_of", type=Moment(), metavar="WHEN",
              help="Rebuild the report from the data as they stood at WHEN: an ISO date-time (UTC) or a date "
                   "(its end), such as the moment `tracker reports list` shows for a published report.")
@click.pass_context
def report_command(ctx: click.Context, year: int, out_file: Path | None, as_of: datetime | None):
    """Write the annual progress report workbook for a year.

    Sheets: Summary, Economies, Commitments, Matrix, Changes, Overdue, Trend, one per economy,
    Data (a filterable table that `tracker import` accepts back) and About.

    \b
    Example:
        tracker report --year 2008
        tracker report --year 2008 --out progress-2008.xlsx
        tracker report --year 2008 --as-of 2009-06-30T12:00:00 --out progress-2008-as-published.xlsx
    """
    out_file = out_file or DEFAULT_REPORTS / f"progress-{year}.xlsx"
    data = run(ctx, report.write_report, year, out_file, as_of)
    if as_of:
        click.echo(f"As of {as_of.isoformat(sep=' ')} UTC (data as of {data.data_last_changed or 'no change yet'}).")
    region = data.region()
    click.echo(f"Wrote {out_file}: {len(data.economies)} economies, {len(data.items)} items; "
               f"region-wide implementation rate {percent(region.rate)}, coverage {percent(region.coverage)}.")


@cli.group("round")
def round_group():
    """The yearly round: open it, follow the returns, close it at publication."""


@round_group.command("open")
@click.argument("year", type=int, callback=checked_year)
@click.option("--due", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date the returns are due (YYYY-MM-DD).")
@click.pass_context
def round_open(ctx: click.Context, year: int, due):
    """Open the round of a year (or change its due date). `tracker form` opens it too.

    \b
    Example:
        tracker round open 2009 --due 2009-03-31
    """
    round_, opened = run(ctx, rounds.open_round, year, due.date() if due else None, source("round open"))
    due_text = f", due {round_.due.isoformat()}" if round_.due else ", no due date"
    click.echo(f"{'Opened' if opened else 'Already open:'} the {year} round{due_text}.")


@round_group.command("close")
@click.argument("year", type=int, callback=checked_year)
@click.pass_context
def round_close(ctx: click.Context, year: int):
    """Close the round of a year: its data become read-only (until `tracker round reopen`).

    \b
    Example:
        tracker round close 2009
    """
    run(ctx, rounds.close_round, year, source("round close"))
    click.echo(f"Closed the {year} round: {year} is now read-only. To change it: {reopen_hint(year)}")


@round_group.command("reopen")
@click.argument("year", type=int, callback=checked_year)
@click.option("--reason", required=True, help="Why the closed year must change; kept in the history.")
@click.pass_context
def round_reopen(ctx: click.Context, year: int, reason: str):
    """Reopen a closed round so its data can change again, saying why.

    \b
    Example:
        tracker round reopen 2009 --reason "Peru's corrected return arrived after publication"
    """
    run(ctx, rounds.reopen_round, year, reason, source("round reopen"))
    click.echo(f"Reopened the {year} round. Close it again with: tracker round close {year}")


@round_group.command("list")
@json_option
@click.pass_context
def round_list(ctx: click.Context, as_json: bool):
    """List the rounds: state, due date, forms issued and returns.

    \b
    Example:
        tracker round list --json
    """
    rows = run(ctx, rounds.list_rounds)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No rounds yet: `tracker round open YEAR` or `tracker form --year YEAR` opens one.")
    for row in rows:
        closed = f", closed {row['closed_at']:%Y-%m-%d}" if row["closed_at"] else ""
        click.echo(f"{row['year']}  {row['state']:<6}  due {row['due'] or 'not set'}  "
                   f"forms {row['forms_issued']}, returned {row['returned']}  "
                   f"(opened {row['opened_at']:%Y-%m-%d}{closed})")


@round_group.command("status")
@click.argument("year", type=int, callback=checked_year)
@json_option
@click.pass_context
def round_status(ctx: click.Context, year: int, as_json: bool):
    """Per economy: form issued, returned, items answered, last updated, contact, late.

    \b
    Example:
        tracker round status 2009
        tracker round status 2009 --json
    """
    status = run(ctx, rounds.status_report, year)
    if as_json:
        emit_json(status["rows"])
        return
    click.echo(f"Round {year}: {status['state']}, due {status['due'] or 'not set'}")
    click.echo(f"{'code':<6}{'form issued':<18}{'returned':<18}{'answered':>10}  {'last updated':<18}contact")
    for row in status["rows"]:
        when = [f"{row[k]:%Y-%m-%d %H:%M}" if row[k] else "-" for k in ("form_issued", "returned", "last_updated")]
        late = "  LATE" if row["late"] else ""
        click.echo(f"{row['economy']:<6}{when[0]:<18}{when[1]:<18}"
                   f"{row['items_answered']:>4}/{row['items_applicable']:<5}  {when[2]:<18}"
                   f"{row['contact_name'] or '-'}{late}")
    totals = status["totals"]
    click.echo(f"\nTotal: {totals['economies']} economies, {totals['forms_issued']} forms issued, "
               f"{totals['returned']} returned, {totals['late']} late; "
               f"{totals['items_answered']} of {totals['items_applicable']} items answered.")
    if status["to_chase"]:
        click.echo("To chase:")
        for row in status["to_chase"]:
            click.echo(f"  {row['economy']:<6}{row['contact_email'] or 'no e-mail on record'}"
                       f"{'  (late)' if row['late'] else ''}")


@cli.group("imports")
def imports_group():
    """The files imported, and taking one back."""


@imports_group.command("list")
@json_option
@click.pass_context
def imports_list(ctx: click.Context, as_json: bool):
    """List every import (and undo): file, SHA-256, economy, year, when, values changed, undone.

    \b
    Example:
        tracker imports list --json
    """
    rows = run(ctx, imports.list_imports)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No imports yet.")
    for row in rows:
        whose = f"{row['economy'] or 'table'} {row['year'] or ''}".strip()
        click.echo(f"{row['id']:>4}  {row['at']:%Y-%m-%d %H:%M}  {row['file']}  ({whose}): "
                   f"{row['changes']} values changed{'  UNDONE' if row['undone'] else ''}")


@imports_group.command("undo")
@click.argument("import_id", type=IMPORT_ID, metavar="ID")
@click.option("--force", is_flag=True, help="Undo even where a later change touched the same values.")
@click.pass_context
def imports_undo(ctx: click.Context, import_id: int, force: bool):
    """Restore every value an import changed (as new history; nothing is deleted).

    Refused, naming the entries, when a later change touched the same values, unless --force.
    An undo is an import of its own: undo it to bring the values back.

    \b
    Example:
        tracker imports undo 12
    """
    result = run(ctx, imports.undo_import, import_id, force, source(f"imports undo {import_id}"))
    click.echo(f"Undid import {result.target} (as import {result.undo_id}): {len(result.restored)} values restored.")
    for change in result.restored:
        where = f"{change['economy']} {change['year']} {change['ref'] or 'contact'}"
        click.echo(f"  {where}: {change['field']} {_shown(change['field'], change['old'])} -> "
                   f"{_shown(change['field'], change['new'])}")


@cli.group("reports")
def reports_group():
    """The report workbooks written, with their SHA-256."""


@reports_group.command("list")
@json_option
@click.pass_context
def reports_list(ctx: click.Context, as_json: bool):
    """List every report written: file, SHA-256, year, as-of, when.

    \b
    Example:
        tracker reports list --json
    """
    rows = run(ctx, reports_log.list_reports)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No reports written yet.")
    for row in rows:
        as_of = f" as of {row['as_of'].isoformat(sep=' ')}" if row["as_of"] else ""
        click.echo(f"{row['id']:>4}  {row['written_at'].isoformat(sep=' ')}  {row['year']}{as_of}  "
                   f"{row['file']}  SHA-256 {row['sha256']}")


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


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
def backup_command(ctx: click.Context, file: str, force: bool):
    """Copy the SQLite database to FILE, consistently, even while others are using it.

    For PostgreSQL use pg_dump (see the README).

    \b
    Example:
        tracker backup backups/tracker-2009-03-31.db
    """
    copied = backup.backup(ctx.find_root().obj, file, force)
    click.echo(f"Backed up {copied.source} to {copied.destination} (schema {copied.revision}).")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the database if it already holds one.")
@click.pass_context
def restore_command(ctx: click.Context, file: str, force: bool):
    """Replace the SQLite database with a backup made by `tracker backup`, in one step.

    FILE must be an intact tracker database this version can read. For PostgreSQL use
    pg_restore (see the README).

    \b
    Example:
        tracker restore backups/tracker-2009-03-31.db --force
    """
    copied = backup.restore(ctx.find_root().obj, file, force)
    click.echo(f"Restored {copied.destination} from {copied.source} (schema {copied.revision}).")
    if copied.state == "old":
        click.echo("It was made by an older tracker: run `tracker db upgrade` before using it.")


@cli.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the result as a JSON object.")
@click.pass_context
def check_command(ctx: click.Context, as_json: bool):
    """Check the database: the file's integrity (SQLite), that every entry and contact equals
    the last value in its history, and that every import's changes exist. Exits 1 on any problem.

    \b
    Example:
        tracker check
        tracker check --json
    """
    result = run(ctx, check.check)
    if as_json:
        emit_json(vars(result) | {"ok": result.ok})
    else:
        click.echo(f"Checked {result.entries} entries, {result.returns} contact points and "
                   f"{result.imports} imports: {'; '.join(result.checks)}.")
        for problem in result.problems:
            click.echo(f"  {problem}")
        click.echo(f"{len(result.problems)} problem(s) found." if result.problems else "No problems found.")
    if not result.ok:
        ctx.exit(1)


def main() -> None:
    cli(prog_name="tracker")


# ----------------------------------------------------------------------------- the browser view


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--root-path", default="", metavar="PREFIX",
              help="Path prefix a reverse proxy serves the tracker under, such as /tracker.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True, metavar="IPS",
              help="Proxies whose X-Forwarded-For/-Proto headers are trusted (comma-separated, or *).")
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure (served behind HTTPS).")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, root_path: str, forwarded_allow_ips: str,
                  secure_cookies: bool):
    """Serve the browser view: the round at a glance, the matrix, every checklist and its history.

    On a loopback address with no accounts yet, prints a one-time address that signs you in as
    administrator; on any other address, an account must exist first (`tracker users add`).

    \b
    Example:
        tracker serve
        tracker --db reports/demo/demo.db serve --port 8081
        tracker serve --host 0.0.0.0 --root-path /tracker --secure-cookies
    """
    from tracker.web.serve import serve

    serve(ctx.find_root().obj, host, port, root_path.rstrip("/"), forwarded_allow_ips, secure_cookies, click.echo)


@cli.group("users")
def users_group():
    """The accounts that may sign in to the browser view, and their roles."""


def _password(name: str, from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="admin (also rounds and accounts), editor (changes every economy), viewer (reads), "
                   "focal-point (its own economy only).")
@click.option("--economy", "economy_code", metavar="CODE", help="The economy of a focal point.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, economy_code: str | None, password_stdin: bool):
    """Add an account; the password is asked twice, hidden (or read with --password-stdin).

    \b
    Example:
        tracker users add amina --role admin
        tracker users add kenji --role focal-point --economy JPN
        echo "$PASSWORD" | tracker users add viewer1 --role viewer --password-stdin
    """
    account = run(ctx, users.add_user, name, role, economy_code, _password(name, password_stdin))
    click.echo(f"Added {account.name} ({account.role}{', ' + economy_code.upper() if economy_code else ''}).")


@users_group.command("list")
@json_option
@click.pass_context
def users_list(ctx: click.Context, as_json: bool):
    """List the accounts: name, role, economy, since when.

    \b
    Example:
        tracker users list --json
    """
    rows = run(ctx, users.list_users)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("No accounts yet: `tracker users add NAME --role admin`.")
    for row in rows:
        click.echo(f"{row['name']:<24}{row['role']:<12}{row['economy'] or '':<8}since {row['created_at']:%Y-%m-%d}")


@users_group.command("remove")
@click.argument("name")
@click.pass_context
def users_remove(ctx: click.Context, name: str):
    """Remove an account; its sessions end at once.

    \b
    Example:
        tracker users remove kenji
    """
    click.echo(f"Removed {run(ctx, users.remove_user, name)}.")


@users_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def users_password(ctx: click.Context, name: str, password_stdin: bool):
    """Set a new password; sessions signed in with the old one end.

    \b
    Example:
        tracker users password kenji
    """
    click.echo(f"Password of {run(ctx, users.set_password, name, _password(name, password_stdin))} changed.")
