"""Commands of the yearly round: forms out, returns in, the round itself, undo, the report, the demo."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from tracker.cli.common import (
    DEFAULT_REPORTS,
    IMPORT_ID,
    REPORT_ID,
    Day,
    Moment,
    _shown,
    shown_change,
    checked_year,
    closed_at_end,
    emit_json,
    emit_rows,
    json_option,
    progress_bar,
    run,
    source,
    visible_text,
    year_option,
)
from tracker.errors import Refused, reopen_hint
from tracker.percentages import percent_text as percent
from tracker.text import escaped


@click.command("form")
@year_option
@click.option("--economy", "economy_codes", multiple=True, metavar="CODE",
              help="An economy to write a form for (repeat for more); all active economies by default.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the forms  [default: reports/forms/YEAR/]")
@click.option("--due", type=Day(), help="Date the forms are due back (YYYY-MM-DD).")
@click.option("--return-to", help="Whom to send the filled form to, such as an e-mail address.")
@click.option("--force", is_flag=True,
              help="Replace files in the folder that tracker did not write as these forms, or that changed since.")
@click.pass_context
def form(ctx: click.Context, year: int, economy_codes: tuple[str, ...], out_dir: Path | None, due, return_to, force):
    """Write the Excel forms economies fill in for a year, one workbook per economy.

    Each form is prefilled with the economy's latest answers and carries a signed, hidden
    identification so that `tracker import` knows whose answers it holds. A form already in the
    folder is replaced when tracker wrote it and nobody changed it since (or it was imported);
    any other file there is left alone, and nothing is written, unless --force is given.

    \b
    Example:
        tracker form --year 2009 --due 2009-03-31 --return-to spsg@example.org
        tracker form --year 2009 --economy JPN --economy PER --out outgoing/
    """
    from tracker import forms

    out_dir = out_dir or DEFAULT_REPORTS / "forms" / str(year)
    request = forms.FormRequest(due=due, return_to=return_to)
    paths = run(ctx, forms.write_forms, year, list(economy_codes), out_dir, request,
                progress_bar("Writing forms"), force=force)
    click.echo(f"Wrote {len(paths)} form{'s' if len(paths) != 1 else ''} to {out_dir}/")
    for path in paths:
        click.echo(f"  {path.name}")


@click.command("import")
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option("--mailbox", "mailbox_url", metavar="URL",
              help="Import the workbooks attached to the messages of a mailbox folder "
                   "(imaps://USER@HOST:PORT/FOLDER), and mark the messages imported; the password from "
                   "TRACKER_MAILBOX_PASSWORD or --mailbox-password-file.")
@click.option("--mailbox-password-file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="A file holding the mailbox's password on its first line.")
@click.option("--dry-run", is_flag=True, help="Check and show every change without writing anything.")
@click.option("--force", is_flag=True, help="Let a form win where the database changed after it was issued.")
@json_option
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[str, ...], mailbox_url: str | None,
                   mailbox_password_file: Path | None, dry_run: bool, force: bool, as_json: bool):
    """Import filled-in forms or tidy tables (a PATH may be a folder), or the returns in a mailbox.

    Each file is checked whole and applied whole, or not at all. Blank cells keep what is
    stored. An e-mail message saved as .eml stands for the workbooks attached to it, each
    imported as if given on its own, with the message's sender and date kept. In a folder,
    every other file is listed as refused (.xls, .ods, .csv ...) or skipped (hidden files,
    Office lock files). With --mailbox, the folder's messages not yet imported are read over
    IMAP with TLS; each message whose workbooks all went in is marked $TrackerImported, and
    one with a refused workbook stays unmarked and is listed. Exits 0 when every file was
    applied (or, with --dry-run, would be), 1 otherwise.

    \b
    Example:
        tracker import --dry-run reports/returned/
        tracker import reports/returned/ JPN-2009.xlsx reply-from-peru.eml
        TRACKER_MAILBOX_PASSWORD=... tracker import --mailbox imaps://returns@mail.example.org/INBOX
    """
    from tracker import file_import
    from tracker.store import open_store

    if bool(paths) == bool(mailbox_url):
        raise Refused("Give the files or folders to import (such as reports/returned/), or --mailbox URL, "
                      "one or the other.")
    if any(not path.strip() for path in paths):
        raise Refused("An empty PATH was given (\"\"), which would mean the current folder: give a file or a folder "
                      "to import, such as reports/returned/ (or . for the current folder).")
    store = closed_at_end(ctx, open_store(ctx.find_root().obj))
    if mailbox_url:
        _import_mailbox(ctx, store, mailbox_url, mailbox_password_file, dry_run, force, as_json)
        return
    results = file_import.import_files(store, paths, dry_run, force, progress_bar("Importing"))
    if as_json:
        emit_json([vars(r) for r in results])
    else:
        _echo_imports(results, dry_run)
    if not all(r.ok for r in results):
        ctx.exit(1)


def _echo_imports(results: list[file_import.FileResult], dry_run: bool) -> None:
    """Each file's result (under the message it came attached to, said once), then the totals."""
    previous = None
    for result in results:
        came_with = (result.message, result.sender, result.sent_at)
        _echo_import(result, with_message=came_with != previous)
        previous = came_with
    _echo_totals(results, dry_run)
    if dry_run:
        click.echo("Dry run: nothing was written.")


def _echo_totals(results: list[file_import.FileResult], dry_run: bool) -> None:
    applied = [escaped(r.file) for r in results if r.status in ("applied", "would apply")]
    refused = [escaped(r.file) for r in results if not r.ok]
    totals = {k: sum(getattr(r, k) for r in results) for k in ("new", "changed", "confirmed", "unchanged")}
    verb = "would apply" if dry_run else "applied"
    click.echo(f"\nTotal: {len(applied)} file(s) {verb}, {len(refused)} refused; "
               f"entries {_counts(totals)}.")
    if refused:
        click.echo(f"Not applied: {', '.join(refused)}")


def _import_mailbox(ctx: click.Context, store, url: str, password_file: Path | None, dry_run: bool, force: bool,
                    as_json: bool) -> None:
    """``import --mailbox``: the messages' results, as text or JSON; exit 1 when one stays unmarked."""
    from tracker import mailbox_import

    outcome = mailbox_import.import_mailbox(store, url, password_file, dry_run, force)
    if as_json:
        emit_json(vars(outcome) | {"messages": [vars(m) | {"files": [vars(f) for f in m.files]}
                                                for m in outcome.messages]})
    else:
        _echo_mailbox(outcome)
    if not all(message.ok for message in outcome.messages):
        ctx.exit(1)


def _echo_mailbox(outcome) -> None:
    """Each message with spreadsheets: marked or left unmarked and why, and its workbooks' results."""
    click.echo(f"{outcome.mailbox}: {len(outcome.messages)} message(s) with spreadsheets not yet imported; "
               f"{outcome.without_workbook} other message(s) left alone.")
    for message in outcome.messages:
        sent = f", sent {message.sent_at:%Y-%m-%d %H:%M} UTC" if message.sent_at else ""
        verdict = ("marked as imported" if message.marked else
                   "would be marked as imported" if outcome.dry_run and message.ok else "left unmarked")
        subject = f', "{message.subject}"' if message.subject else ""
        click.echo(f"\nMessage {message.uid} from {message.sender or 'an unknown sender'}{sent}{subject}: {verdict}")
        if message.problem:
            click.echo(f"  {escaped(message.problem)}")
        for result in message.files:
            _echo_import(result, with_message=False)
    _echo_totals([result for message in outcome.messages for result in message.files], outcome.dry_run)
    unmarked = [message.uid for message in outcome.messages if not message.ok]
    if unmarked:
        click.echo(f"Left unmarked, to be taken again next time: message(s) {', '.join(unmarked)}.")
    if outcome.dry_run:
        click.echo("Dry run: nothing was written and no message was marked.")


def _counts(counts: dict) -> str:
    """Entries new, changed, confirmed (said only when some were) and unchanged."""
    confirmed = f"{counts['confirmed']} confirmed, " if counts["confirmed"] else ""
    return f"{counts['new']} new, {counts['changed']} changed, {confirmed}{counts['unchanged']} unchanged"


def _echo_import(result: file_import.FileResult, with_message: bool) -> None:
    """A file's result and its changes; for a workbook attached to a message (unless the message
    was shown above it), the message, its sender and date."""
    if with_message and result.message:
        sent = f" on {result.sent_at:%Y-%m-%d %H:%M} UTC" if result.sent_at else ""
        click.echo(f"{escaped(result.message)}, e-mailed by {escaped(result.sender or '')}{sent}:")
    if result.status in ("refused", "already imported", "skipped"):
        click.echo(f"{escaped(result.file)}: {result.status}")
        for problem in result.problems:
            click.echo(f"  {escaped(problem)}")
        return
    what = f"form {result.economy} {result.year}" if result.kind == "form" else "table"
    click.echo(f"{escaped(result.file)}: {result.status} ({what}): {_counts(vars(result))}")
    for warning in result.warnings:
        click.echo(f"  Warning: {escaped(warning)}")
    if result.changes:  # one write for the file's changes: a folder of forms lists tens of thousands
        click.echo("\n".join(
            f"  {change['economy']} {change['year']} {change['ref'] or 'contact'}: {change['field']} "
            f"{shown_change(change['field'], change['old'], change['new'], change['confirmed'])}"
            for change in result.changes
        ))


@click.command("report")
@year_option
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook to write, ending in .xlsx  [default: reports/progress-YEAR.xlsx, or "
                   "progress-YEAR-2.xlsx and so on when that exists]")
@click.option("--as-of", "as_of", type=Moment(), metavar="WHEN",
              help="Rebuild the report from the data as they stood at WHEN: an ISO date-time (UTC) or a date "
                   "(its end), such as the moment `tracker reports list` shows for a published report.")
@click.option("--pdf", is_flag=True, help="Also write the PDF beside the workbook (needs LibreOffice).")
@click.option("--force", is_flag=True, help="Replace the --out file (and its PDF) if it exists; never the database.")
@click.pass_context
def report_command(ctx: click.Context, year: int, out_file: Path | None, as_of: datetime | None, pdf: bool,
                   force: bool):
    """Write the annual progress report workbook for a year.

    Printed, in this order: Cover, Contents, Key findings, Commitments, Economies, Matrix,
    Rates chart, Statuses chart, Trend, Trend chart, Overdue, Needs and offers, one sheet per
    economy that returned, No return and About, each set up for A4. Working sheets, not printed:
    Data (every entry, a filterable table that `tracker import` accepts back), Returns, Changes
    and Chart data. --pdf also writes the PDF beside the workbook through LibreOffice. Every
    report written is kept in the database as published: `tracker reports list` and `tracker
    reports get` give it back.

    \b
    Example:
        tracker report --year 2008
        tracker report --year 2008 --out progress-2008.xlsx --pdf
        tracker report --year 2008 --as-of 2009-06-30T12:00:00 --out progress-2008-as-published.xlsx
    """
    from tracker import kept_reports

    out_file = out_file or kept_reports.free_destination(DEFAULT_REPORTS, year)
    run(ctx, kept_reports.check_report_destination, year, out_file, pdf, force)
    data, report_id = run(ctx, kept_reports.write_report, year, out_file, pdf, as_of)
    if as_of:
        changed = data.data_last_changed
        click.echo(f"As of {_second(as_of)}: " + (f"the data as last changed before then, at {_second(changed)}."
                                                  if changed else "nothing had been recorded for the year by then."))
    region = data.region()
    click.echo(f"Wrote {escaped(out_file)}: {len(data.economies)} economies ({len(data.returning())} returned), "
               f"{len(data.items)} items; region-wide implementation rate {percent(region.rate)}, "
               f"coverage {percent(region.coverage)}.")
    if pdf:
        click.echo(f"Wrote {escaped(out_file.with_suffix('.pdf'))}")
    click.echo(f"Kept as report {report_id}: `tracker reports get {report_id} --out FILE` gives it back.")


def _second(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


@click.group("round")
def round_group():
    """The yearly round: open it, follow the returns, close it at publication."""


@round_group.command("open")
@click.argument("year", type=int, callback=checked_year)
@click.option("--due", type=Day(), help="Date the returns are due (YYYY-MM-DD).")
@click.pass_context
def round_open(ctx: click.Context, year: int, due):
    """Open the round of a year (or change its due date). `tracker form` opens it too.

    \b
    Example:
        tracker round open 2009 --due 2009-03-31
    """
    from tracker import rounds

    round_, opened = run(ctx, rounds.open_round, year, due, source("round open"))
    due_text = f", due {round_.due.isoformat()}" if round_.due else ", no due date"
    click.echo(f"{'Opened' if opened else 'Already open:'} the {year} round{due_text}.")


@round_group.command("close")
@click.argument("year", type=int, callback=checked_year)
@click.option("--force", is_flag=True, help="Close even though some returns are not accepted yet.")
@click.pass_context
def round_close(ctx: click.Context, year: int, force: bool):
    """Close the round of a year: its data become read-only (until `tracker round reopen`).

    Refused, listing them, while returns are not accepted (`tracker returns accept`), unless --force.

    \b
    Example:
        tracker round close 2009
        tracker round close 2009 --force
    """
    from tracker import rounds

    run(ctx, rounds.close_round, year, source("round close"), force)
    click.echo(f"Closed the {year} round: {year} is now read-only. To change it: {reopen_hint(year)}")


@round_group.command("reopen")
@click.argument("year", type=int, callback=checked_year)
@click.option("--reason", required=True, callback=visible_text, help="Why the closed year must change; kept in the history.")
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
    """Per economy: form issued, returned, review, items answered, last updated, contact, late.

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
    click.echo(f"{'code':<6}{'form issued':<18}{'returned':<18}{'review':<19}{'answered':>10}  {'last updated':<18}"
               "contact")
    for row in status["rows"]:
        when = [f"{row[k]:%Y-%m-%d %H:%M}" if row[k] else "-" for k in ("form_issued", "returned", "last_updated")]
        late = "  LATE" if row["late"] else ""
        review = row["review"]["label"] if row["review"] else "-"
        click.echo(f"{row['economy']:<6}{when[0]:<18}{when[1]:<18}{review:<19}"
                   f"{row['items_answered']:>4}/{row['items_applicable']:<5}  {when[2]:<18}"
                   f"{row['contact_name'] or '-'}{late}")
    totals = status["totals"]
    click.echo(f"\nTotal: {totals['economies']} economies, {totals['forms_issued']} forms issued, "
               f"{totals['returned']} returned, {totals['late']} late; "
               f"{totals['items_answered']} of {totals['items_applicable']} items answered.")
    if totals["returned"]:
        waiting = totals["returned"] - totals["accepted"] - totals["changes_requested"]
        click.echo(f"Reviewed: {totals['accepted']} accepted, {totals['changes_requested']} with changes requested, "
                   f"{waiting} received and not reviewed yet.")
    if status["to_chase"]:
        click.echo("To chase:")
        for row in status["to_chase"]:
            contacted = f"  last contacted {row['last_contacted']:%Y-%m-%d}" if row["last_contacted"] else ""
            click.echo(f"  {row['economy']:<6}{row['contact_email'] or 'no e-mail on record'}"
                       f"{'  (late)' if row['late'] else ''}{contacted}")


@click.group("imports")
def imports_group():
    """The files imported, and taking one back."""


@imports_group.command("list")
@json_option
@click.pass_context
def imports_list(ctx: click.Context, as_json: bool):
    """List every import (and undo): file, SHA-256, economy, year, when, values changed, undone.

    A workbook that came attached to an e-mail message is listed with the message's sender and date.

    \b
    Example:
        tracker imports list --json
    """
    from tracker import import_log

    def line(row):
        whose = f"{row['economy'] or 'table'} {row['year'] or ''}".strip()
        changed = row["changes"] - row["confirmed"]
        confirmed = f", {row['confirmed']} value{'s' * (row['confirmed'] != 1)} confirmed" if row["confirmed"] else ""
        return (f"{row['id']:>4}  {row['at']:%Y-%m-%d %H:%M}  {escaped(row['file'])}  ({whose}"
                f"{escaped(import_log.mailed(row['mail_from'], row['mail_sent_at']))}): "
                f"{changed} value{'s' * (changed != 1)} changed{confirmed}{'  UNDONE' if row['undone'] else ''}")

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
    """The reports written, each kept as published with its SHA-256."""


@reports_group.command("list")
@json_option
@click.pass_context
def reports_list(ctx: click.Context, as_json: bool):
    """List every report written: file, SHA-256, year, as-of, when, and which files are kept.

    \b
    Example:
        tracker reports list --json
    """
    from tracker import kept_reports

    def line(row):
        as_of = f" as of {_second(row['as_of'])}" if row["as_of"] else ""
        kept = " and ".join(row["kept"]) if row["kept"] else "nothing (written before reports were kept)"
        pdf = f"; PDF SHA-256 {row['kept']['pdf']}" if "pdf" in row["kept"] else ""
        return (f"{row['id']:>4}  {_second(row['written_at'])}  {row['year']}{as_of}  {escaped(row['file'])}  "
                f"SHA-256 {row['sha256']}{pdf}; kept: {kept}")

    emit_rows(run(ctx, kept_reports.list_reports), as_json, "No reports written yet.", line)


@reports_group.command("get")
@click.argument("report_id", type=REPORT_ID, metavar="ID")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write: a name ending in .xlsx (.pdf with --pdf).")
@click.option("--pdf", is_flag=True, help="The report's PDF instead of its workbook.")
@click.option("--force", is_flag=True, help="Replace the --out file if it exists; never the database.")
@click.pass_context
def reports_get(ctx: click.Context, report_id: int, out_file: Path, pdf: bool, force: bool):
    """Write a report as it was published, byte for byte, from the copy kept in the database.

    \b
    Example:
        tracker reports get 3 --out progress-2008-as-published.xlsx
        tracker reports get 3 --pdf --out progress-2008.pdf
    """
    from tracker import kept_reports

    digest = run(ctx, kept_reports.save_copy, report_id, "pdf" if pdf else "workbook", out_file, force)
    click.echo(f"Wrote report {report_id} to {escaped(out_file)} (SHA-256 {digest}).")


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_REPORTS / "demo",
              show_default=True, help="Folder for the demo database, its forms and its reports.")
def demo_command(out_dir: Path):
    """Run five yearly rounds on a separate demo database and write each year's report.

    Builds OUT/demo.db (never your own database) with the real catalogue and economies and
    illustrative returns for 2006 to 2010: economies returning some years and not others, forms
    filled in and imported in 2008 and 2010, a wrong file undone, a closed round reopened for a
    late return, and the catalogue's newer version loaded before 2010. Writes a report for each
    year, kept as published, so that `tracker publish` can publish the five years. Every sheet
    says the data are made up.

    \b
    Example:
        tracker demo
        tracker demo --out /tmp/tracker-demo
    """
    from tracker import demo

    result = demo.run_demo(out_dir, progress_bar)
    click.echo(f"Demo database: {result.database}")
    for line in result.story:
        click.echo(line)
    click.echo(f"Reports: {', '.join(str(path) for path in result.reports)}")
    click.echo(f"Try: tracker --db {result.database} summary --year {demo.ROUND_YEAR}")
    click.echo(f"Publish: tracker --db {result.database} publish --year {demo.ROUND_YEAR} "
               f"--years {demo.YEARS[0]}-{demo.ROUND_YEAR} --out {result.database.parent / 'public'}")
