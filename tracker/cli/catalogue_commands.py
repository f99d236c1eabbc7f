"""Commands for the checklist items and the member economies."""

from __future__ import annotations

import click

from tracker.cli.common import _echo_load, checked_year, emit_json, json_option, run


@click.group("catalog")
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
    from tracker import catalogue

    items = run(ctx, catalogue.list_items, year)
    if as_json:
        emit_json(items)
        return
    for item in items:
        deadline = f"  [deadline {item['deadline']}]" if item["deadline"] else ""
        click.echo(f"{item['ref']:<9} {item['instrument_code']:<14} {item['text'][:70]}{deadline}")


@catalog.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.pass_context
def catalog_show(ctx: click.Context, ref: str, as_json: bool):
    """Show one checklist item in full, with its instrument (a JSON object with --json).

    \b
    Example:
        tracker catalog show LC02-1
    """
    from tracker import catalogue

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
    from tracker import catalogue

    result = run(ctx, catalogue.load_catalogue, file)
    if not result.changed_anything:
        click.echo(f"Nothing to do: {result.catalogue}@{result.version} is already loaded "
                   f"({result.unchanged} items unchanged).")
        return
    _echo_load(result)
    changed = [("added", result.added), ("retired", result.retired), ("reworded", result.reworded),
               ("updated", result.updated)]
    for line in [f"catalogue {line}" for line in result.described] + [
            f"{what} {ref}" for what, refs in changed for ref in refs]:
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
    from tracker import catalogue

    result = run(ctx, catalogue.diff_catalogue, file)
    click.echo(f"Loading {file} ({result.catalogue}@{result.version}) would change:")
    for line in result.described:
        click.echo(f"  catalogue {line}")
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


@click.group("economies")
def economies_group():
    """List, add, rename and remove the member economies, and the years they take part."""


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
    from tracker import economies

    rows = run(ctx, economies.list_economies, include_inactive)
    if as_json:
        emit_json(rows)
        return
    width = max((len(row["code"]) for row in rows), default=0)
    for row in rows:
        years = f"  (member {row['joined_in'] or '...'}-{row['left_in'] - 1 if row['left_in'] else ''})" \
            if row["joined_in"] or row["left_in"] else ""
        click.echo(f"{row['code']:<{width}}  {row['name']}{'' if row['active'] else '  (inactive)'}{years}")


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
    from tracker import economies

    economy = run(ctx, economies.add_economy, code, name)
    click.echo(f"Added {economy.code}: {economy.name}.")


@economies_group.command("leave")
@click.argument("code")
@click.option("--from", "year", type=int, required=True, callback=checked_year,
              help="The first year it takes no part in.")
@click.pass_context
def economies_leave(ctx: click.Context, code: str, year: int):
    """An economy leaves the group: from YEAR on it is on no form, report, matrix or denominator.

    Its past stays, in every earlier year's figures and in the history.

    \b
    Example:
        tracker economies leave XYZ --from 2011
    """
    from tracker import economies

    economy = run(ctx, economies.leave_economy, code, year)
    click.echo(f"{economy.code} takes no part from {year} on; its past stays.")


@economies_group.command("join")
@click.argument("code")
@click.option("--from", "year", type=int, required=True, callback=checked_year,
              help="The first year it takes part in.")
@click.pass_context
def economies_join(ctx: click.Context, code: str, year: int):
    """An economy joins the group (or joins again): it takes part from YEAR on.

    \b
    Example:
        tracker economies join XYZ --from 2012
    """
    from tracker import economies

    economy = run(ctx, economies.join_economy, code, year)
    click.echo(f"{economy.code} takes part from {year} on.")


@economies_group.command("remove")
@click.argument("code")
@click.pass_context
def economies_remove(ctx: click.Context, code: str):
    """Remove an economy added by mistake (refused once it has entries, forms or returns).

    \b
    Example:
        tracker economies remove XYZ
    """
    from tracker import economies

    economy = run(ctx, economies.remove_economy, code)
    click.echo(f"Removed {economy.code}: {economy.name}.")


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
    from tracker import economies

    old, economy = run(ctx, economies.rename_economy, code, name)
    click.echo(f"Renamed {economy.code}: {old} -> {economy.name}.")
