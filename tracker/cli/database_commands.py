"""Commands that look after the database itself: create, upgrade, back up, restore, check."""

from __future__ import annotations

import click

from tracker.cli.common import _echo_load, closed_at_end, emit_json, run
from tracker.text import escaped


@click.command()
@click.pass_context
def init(ctx: click.Context):
    """Create or upgrade the database and load the built-in catalogue and economies.

    Safe to run again: it changes nothing that is already there, and says so.

    \b
    Example:
        tracker init
        tracker --db postgresql+psycopg://postgres@127.0.0.1/tracker init
    """
    from tracker.initialise import initialise
    from tracker.store import Store

    result = initialise(closed_at_end(ctx, Store(ctx.obj)))
    if result.catalogue is None:
        click.echo(f"Catalogue {result.kept_catalogue} kept: it is newer than the one built in.")
    if not result.changed_anything:
        click.echo(f"Nothing to do: {escaped(ctx.obj)} is up to date.")
        return
    if result.schema_before is None:
        click.echo(f"Created the database {escaped(ctx.obj)}.")
    elif result.schema_before != result.schema_after:
        click.echo(f"Upgraded the database {escaped(ctx.obj)} to this version of tracker.")
    if result.catalogue is not None:
        _echo_load(result.catalogue)
    click.echo(f"Economies added: {len(result.economies_added)}.")


@click.group()
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
    from tracker.store import Store

    before, after = closed_at_end(ctx, Store(ctx.find_root().obj, create=False)).upgrade()
    if before == after:
        click.echo("Already up to date.")
    else:
        click.echo(f"{'Created the tables' if before is None else 'Upgraded the database'} for this version of tracker.")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context):
    """Show the database's schema revision and whether it is up to date.

    \b
    Example:
        tracker db current
    """
    from tracker.store import Store

    state, revision = closed_at_end(ctx, Store(ctx.find_root().obj, create=False)).schema_state()
    meaning = {
        "empty": "no tracker tables yet; run `tracker init`",
        "current": "up to date",
        "old": "older than this tracker; run `tracker db upgrade`",
        "newer": "made by a newer tracker; this version will not touch it",
    }[state]
    click.echo(f"{revision or 'none'} ({meaning})")


@click.command("backup")
@click.argument("file", type=click.Path())
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
def backup_command(ctx: click.Context, file: str, force: bool):
    """Copy the SQLite database to FILE, consistently, even while others are using it.

    FILE may be a folder: the copy is written there as tracker-YYYY-MM-DD.db (today's date).
    For PostgreSQL use pg_dump (see docs/operations.md).

    \b
    Example:
        tracker backup backups/tracker-2009-03-31.db
        tracker backup backups/
    """
    from tracker import backup

    copied = backup.backup(ctx.find_root().obj, file, force)
    click.echo(f"Backed up {escaped(copied.source)} to {escaped(copied.destination)}.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the database if it already holds one.")
@click.pass_context
def restore_command(ctx: click.Context, file: str, force: bool):
    """Replace the SQLite database with a backup made by `tracker backup`, in one step.

    FILE must be an intact tracker database this version can read. For PostgreSQL use
    pg_restore (see docs/operations.md).

    \b
    Example:
        tracker restore backups/tracker-2009-03-31.db --force
    """
    from tracker import backup

    copied = backup.restore(ctx.find_root().obj, file, force)
    click.echo(f"Restored {escaped(copied.destination)} from {escaped(copied.source)}.")
    if copied.state == "old":
        click.echo("It was made by an older tracker: run `tracker db upgrade` before using it.")


@click.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the result as a JSON object.")
@click.pass_context
def check_command(ctx: click.Context, as_json: bool):
    """Check the database: the file's integrity (SQLite), that every entry and contact equals
    the last value in its history, that every import's changes exist, and that every kept
    report is byte for byte the file published (its SHA-256). Exits 1 on any problem.

    \b
    Example:
        tracker check
        tracker check --json
    """
    from tracker import check

    result = run(ctx, check.check)
    if as_json:
        emit_json(vars(result) | {"ok": result.ok})
    else:
        click.echo(f"Checked {result.entries} entries, {result.returns} contact points, "
                   f"{result.imports} imports and {result.report_files} kept report files: {'; '.join(result.checks)}.")
        for problem in result.problems:
            click.echo(f"  {problem}")
        click.echo(f"{len(result.problems)} problem(s) found." if result.problems else "No problems found.")
    if not result.ok:
        ctx.exit(1)
