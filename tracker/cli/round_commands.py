"""Commands of the yearly round: forms out, returns in, the round itself, undo, the report, the demo."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from tracker.cli.common import (
    DEFAULT_REPORTS,
    IMPORT_ID,
    Moment,
    _shown,
    shown_change,
    checked_year,
    closed_at_end,
    emit_json,
    emit_rows,
    json_option,
    percent,
    progress_bar,
    run,
    source,
    year_option,
)
from tracker.errors import reopen_hint


@click.command("form")
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
    from tracker import forms

    out_dir = out_dir or DEFAULT_REPORTS / "forms" / str(year)
    request = forms.FormRequest(due=due.date() if due else None, return_to=return_to)
    paths = run(ctx, forms.write_forms, year, list(economy_codes), out_dir, request,
                progress_bar("Writing forms"))
    click.echo(f"Wrote {len(paths)} form{'s' if len(paths) != 1 else ''} to {out_dir}/")
    for path in paths:
        click.echo(f"  {path.name}")


@click.command("import")
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
    from tracker import file_import
    from tracker.store import open_store

    store = closed_at_end(ctx, open_store(ctx.find_root().obj))
    results = file_import.import_files(store, paths, dry_run, force, progress_bar("Importing"))
    if as_json:
        emit_json([vars(r) for r in results])
    else:
        for result in results:
            _echo_import(result)
        applied = [r.file for r in results if r.status in ("applied", "would apply")]
        refused = [r.file for r in results if not r.ok]
        totals = {k: sum(getattr(r, k) for r in results) for k in ("new", "changed", "confirmed", "unchanged")}
        verb = "would apply" if dry_run else "applied"
        click.echo(f"\nTotal: {len(applied)} file(s) {verb}, {len(refused)} refused; "
                   f"entries {_counts(totals)}.")
        if refused:
            click.echo(f"Not applied: {', '.join(refused)}")
        if dry_run:
            click.echo("Dry run: nothing was written.")
    if not all(r.ok for r in results):
        ctx.exit(1)


def _counts(counts: dict) -> str:
    """Entries new, changed, confirmed (said only when some were) and unchanged."""
    confirmed = f"{counts['confirmed']} confirmed, " if counts["confirmed"] else ""
    return f"{counts['new']} new, {counts['changed']} changed, {confirmed}{counts['unchanged']} unchanged"


def _echo_import(result: file_import.FileResult) -> None:
    if result.status in ("refused", "already imported", "skipped"):
        click.echo(f"{result.file}: {result.status}")
        for problem in result.problems:
            click.echo(f"  {problem}")
        return
    what = f"form {result.economy} {result.year}" if result.kind == "form" else "table"
    click.echo(f"{result.file}: {result.status} ({what}): {_counts(vars(result))}")
    for warning in result.warnings:
        click.echo(f"  Warning: {warning}")
    if result.changes:  # one write for the file's changes: a folder of forms lists tens of thousands
        click.echo("\n".join(
            f"  {change['economy']} {change['year']} {change['ref'] or 'contact'}: {change['field']} "
            f"{shown_change(change['field'], change['old'], change['new'], change['confirmed'])}"
            for change in result.changes
        ))


@click.command("report")
@year_option
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook to write  [default: reports/progress-YEAR.xlsx]")
@click.option("--as-of", "as_of", type=Moment(), metavar="WHEN",
              help="Rebuild the report from the data as they stood at WHEN: an ISO date-time (UTC) or a date "
                   "(its end), such as the moment `tracker reports list` shows for a published report.")
@click.option("--pdf", is_flag=True, help="Also write the PDF beside the workbook (needs LibreOffice).")
@click.pass_context
def report_command(ctx: click.Context, year: int, out_file: Path | None, as_of: datetime | None, pdf: bool):
    """Write the annual progress report workbook for a year.

    Sheets: Summary, Economies, Commitments, Matrix, Changes, Overdue, Trend, three chart
    sheets, Needs, Returns, one per economy, Data (a filterable table that `tracker import`
    accepts back) and About. Every sheet is set up to print on A4; --pdf also writes the PDF
    beside the workbook through LibreOffice.

    \b
    Example:
        tracker report --year 2008
        tracker report --year 2008 --out progress-2008.xlsx --pdf
        tracker report --year 2008 --as-of 2009-06-30T12:00:00 --out progress-2008-as-published.xlsx
    """
    from tracker import report

    out_file = out_file or DEFAULT_REPORTS / f"progress-{year}.xlsx"
    data = run(ctx, report.write_report, year, out_file, pdf, as_of)
    if as_of:
        click.echo(f"As of {as_of.isoformat(sep=' ')} UTC (data as of {data.data_last_changed or 'no change yet'}).")
    region = data.region()
    click.echo(f"Wrote {out_file}: {len(data.economies)} economies ({len(data.returning())} returned), "
               f"{len(data.items)} items; region-wide implementation rate {percent(region.rate)}, "
               f"coverage {percent(region.coverage)}.")
    if pdf:
        click.echo(f"Wrote {out_file.with_suffix('.pdf')}")


@click.group("round")
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
    from tracker import rounds

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
    from tracker import rounds

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
    from tracker import rounds

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
    from tracker import rounds

    def line(row):
        closed = f", closed {row['closed_at']:%Y-%m-%d}" if row["closed_at"] else ""
        return (f"{row['year']}  {row['state']:<6}  due {row['due'] or 'not set'}  "
                f"forms {row['forms_issued']}, returned {row['returned']}  "
                f"(opened {row['opened_at']:%Y-%m-%d}{closed})")

    emit_rows(run(ctx, rounds.list_rounds), as_json,
              "No rounds yet: `tracker round open YEAR` or `tracker form --year YEAR` opens one.", line)


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
    from tracker import rounds

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


@click.group("imports")
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
    from tracker import import_log

    def line(row):
        whose = f"{row['economy'] or 'table'} {row['year'] or ''}".strip()
        return (f"{row['id']:>4}  {row['at']:%Y-%m-%d %H:%M}  {row['file']}  ({whose}): "
                f"{row['changes']} values changed{'  UNDONE' if row['undone'] else ''}")

    emit_rows(run(ctx, import_log.list_imports), as_json, "No imports yet.", line)


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
    from tracker import undo

    result = run(ctx, undo.undo_import, import_id, force, source(f"imports undo {import_id}"))
    click.echo(f"Undid import {result.target} (as import {result.undo_id}): {len(result.restored)} values restored.")
    for change in result.restored:
        where = f"{change['economy']} {change['year']} {change['ref'] or 'contact'}"
        click.echo(f"  {where}: {change['field']} {_shown(change['field'], change['old'])} -> "
                   f"{_shown(change['field'], change['new'])}")


@click.group("reports")
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
    from tracker import reports_log

    def line(row):
        as_of = f" as of {row['as_of'].isoformat(sep=' ')}" if row["as_of"] else ""
        return (f"{row['id']:>4}  {row['written_at'].isoformat(sep=' ')}  {row['year']}{as_of}  "
                f"{row['file']}  SHA-256 {row['sha256']}")

    emit_rows(run(ctx, reports_log.list_reports), as_json, "No reports written yet.", line)


@click.command("demo")
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
    from tracker import demo

    result = demo.run_demo(out_dir, progress_bar)
    applied = sum(1 for r in result.imports if r.status == "applied")
    click.echo(f"Demo database: {result.database}")
    click.echo(f"Forms written: {len(result.forms)} in {result.forms[0].parent}/; "
               f"{len(result.imports)} filled in and imported ({applied} applied).")
    click.echo(f"Report: {result.report}")
    click.echo(f"Try: tracker --db {result.database} summary --year {demo.ROUND_YEAR}")
