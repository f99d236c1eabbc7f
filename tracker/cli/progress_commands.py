"""Commands that record and show progress: entries, contact points, checklists, summary, history."""

from __future__ import annotations

import click

from tracker.cli.common import (IMPORT_ID, checked_year, emit_json, json_option, percent, points, read, run,
                                shown_change, source, year_option)
from tracker.status import label
from tracker.text import escaped


@click.command("record")
@click.argument("economy")
@click.argument("ref")
@year_option
@click.option("--status", help="Status, by label or key: Not started, Planned, In progress, "
              "Partially implemented, Implemented, Not applicable.")
@click.option("--measures", help="Measures undertaken this year.")
@click.option("--planned", help="Further measures planned.")
@click.option("--timeframe", help="Timeframe of the planned measures.")
@click.option("--needs", help="Capacity-building needs: what the economy needs from others.")
@click.option("--offers", help="Capacity-building offers: what the economy can offer others.")
@click.option("--evidence", help="Evidence or reference: law name, URL, ...")
@click.option("--clear", "clear", multiple=True, metavar="FIELD",
              help="Empty a field (status, measures, planned, timeframe, needs, offers, evidence); repeatable.")
@click.option("--withdraw", is_flag=True,
              help="Empty the whole entry (recorded against the wrong item or year); its history stays.")
@click.pass_context
def record(ctx: click.Context, economy: str, ref: str, year: int, clear: tuple[str, ...], withdraw: bool, **values):
    """Record an economy's progress on one item for a year.

    Options left out keep what is stored; --clear empties a field and --withdraw the whole entry,
    which then counts nowhere. Every change is kept in the history, old -> new.

    \b
    Example:
        tracker record JPN LC02-1 --year 2008 --status implemented \\
            --evidence "Act on Prohibition of Unauthorized Computer Access"
        tracker record JPN LC02-1 --year 2008 --clear evidence
        tracker record JPN LC02-1 --year 2007 --withdraw
    """
    from tracker import progress

    outcome = run(ctx, progress.record, economy, ref, year, values, source("record"), clear, withdraw)
    _echo_outcome(f"{economy.upper()} {outcome.ref} {year}", outcome)


def _echo_outcome(what: str, outcome: progress.Outcome) -> None:
    if outcome.kind == "unchanged":
        click.echo(f"{what}: nothing changed.")
        return
    click.echo(f"{what}: {outcome.kind}.")
    for change in outcome.changes:
        click.echo(f"  {change.field.removeprefix('contact_')}: {shown_change(change.field, change.old, change.new, change.confirmed)}")


@click.command("contact")
@click.argument("economy")
@year_option
@click.option("--name", help="The focal point's name (needed the first time).")
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
    from tracker import progress

    outcome = run(ctx, progress.set_contact, economy, year, values, source("contact"))
    _echo_outcome(f"{economy.upper()} {year} contact point", outcome)


@click.command("show")
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
    from tracker import checklist
    from tracker.tables import CONTACT_FIELDS, NARRATIVE_FIELDS

    sheet = read(ctx, checklist.checklist, economy, year)
    if as_json:
        emit_json([{k: v for k, v in row.items() if k != "text"} for row in sheet["items"]])
        return
    click.echo(f"{sheet['name']} ({sheet['economy']}), {sheet['year']}")
    person = sheet["contact"]
    if person["name"]:
        details = ", ".join(person[k] for k in CONTACT_FIELDS[1:] if person[k])
        click.echo(f"Contact point: {person['name']}{' (' + details + ')' if details else ''}")
    when = sheet["last_updated"]
    click.echo(f"Last updated: {f'{when:%Y-%m-%d %H:%M} UTC' if when else 'never'}")
    for row in sheet["items"]:
        click.echo(f"\n{row['ref']}: {label(row['status']) or 'Not reported'}")
        click.echo(f"  {row['text']}")
        for name in NARRATIVE_FIELDS:
            if row[name]:
                click.echo(f"  {name}: {row[name]}")


@click.command("summary")
@year_option
@json_option
@click.pass_context
def summary(ctx: click.Context, year: int, as_json: bool):
    """Coverage, implementation rate and like-for-like change of every economy for a year.

    The change since the previous year is measured over the commitments that applied in both
    years and the economies that returned in both; commitments new this year are shown apart.

    \b
    Example:
        tracker summary --year 2008
    """
    from tracker import comparison, rates

    result = run(ctx, comparison.summary, year)
    if as_json:
        emit_json(result["economies"])
        return
    basis = result["basis"]
    click.echo(f"{year}: {result['items_applying']} items apply.")
    change_title = f"since {basis['previous_year']}" if basis else "change"
    click.echo(f"{'code':<6}{'economy':<26}{'reported':>9}{'coverage':>10}{'rate':>10}{change_title:>12}")
    for row in result["economies"]:
        coverage, rate = ((percent(row["coverage"]), percent(row["implementation_rate"])) if row["returned"]
                          else ("", "no return"))
        click.echo(f"{row['code']:<6}{row['name'][:25]:<26}{row['reported']:>9}"
                   f"{coverage:>10}{rate:>10}{points(row['rate_change']):>12}")
    region = result["region"]
    click.echo(f"{'':<6}{'Region-wide':<26}{region['reported']:>9}"
               f"{percent(region['coverage']):>10}{percent(region['implementation_rate']):>10}"
               f"{points(region['rate_change']):>12}")
    click.echo(f"Region-wide figures cover the {region['economies_returned']} of {region['economies']} "
               "economies that returned.")
    if basis:
        click.echo(f"Change since {basis['previous_year']}: {basis['described']}."
                   + "".join(f"\n  Not compared: {reason}." for reason in basis["reasons"]))
        if basis["items_added_sentence"]:
            click.echo(basis["items_added_sentence"] + ".")
    click.echo(f"\n{rates.RATE_FORMULA}\n{rates.COVERAGE_FORMULA}\n{rates.REGION_FORMULA}\n{comparison.BASIS_DEFINITION}")


@click.command("needs")
@year_option
@json_option
@click.pass_context
def needs_command(ctx: click.Context, year: int, as_json: bool):
    """Put each commitment's capacity-building needs beside the offers made for it, for a year.

    Only the economies that returned for the year are read; those without a return are listed
    apart, not counted as needing or offering nothing. A commitment is matched when some economy
    needs help on it and another offers it.

    \b
    Example:
        tracker needs --year 2008
        tracker needs --year 2008 --json
    """
    from tracker import needs

    result = run(ctx, needs.needs_and_offers, year)
    if as_json:
        emit_json(result.as_json())
        return
    click.echo(result.sentence())
    if result.without_return:
        click.echo(f"Not counted, no return for {year}: {', '.join(result.without_return)}.")
    for pairing in result.pairings:
        click.echo(f"\n{pairing.ref} ({needs.STATE_WORDS[pairing.state]}): {pairing.commitment}")
        for heading, stated in (("needs", pairing.needs), ("offers", pairing.offers)):
            for said in stated:
                click.echo(f"  {heading:<7}{said.code:<6}{said.text}")


@click.command("history")
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
    from tracker import history

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
        if row["field"] == "review":
            click.echo(f"{row['changed_at']}  {row['economy']} {row['year']} return review: {escaped(row['new'])}  "
                       f"[{row['source']}]")
            continue
        click.echo(f"{row['changed_at']}  {row['economy']} {row['year']} {row['ref'] or 'return'} {row['field']}: "
                   f"{shown_change(row['field'], row['old'], row['new'], row['confirmed'])}"
                   f"{' ' + history.DRAFT_NOTE if row['draft'] else ''}  [{row['source']}]")
