"""What every command shares: the error handling, running a library call on the database, the
options, and the way results are shown.

Nothing here imports the library's heavy parts (SQLAlchemy, alembic, openpyxl): each command
imports what it uses when it runs, so `tracker --help` answers at once.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from tracker.errors import Refused
from tracker.status import label

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
    from tracker.store import open_store

    return closed_at_end(ctx, open_store(ctx.find_root().obj)).run(function, *args, **kwargs)


def read(ctx: click.Context, function, *args, **kwargs):
    """Open the database named by --db, check its schema, and call ``function(connection, ...)``
    in one read transaction, through SQLAlchemy Core alone (``Store.read``): for the reading
    commands that must answer at once."""
    from tracker.store import open_store

    return closed_at_end(ctx, open_store(ctx.find_root().obj)).read(function, *args, **kwargs)


def closed_at_end(ctx: click.Context, store):
    """``store``, with its connections closed when the command ends: a PostgreSQL server has a
    fixed number of them, and a pooled one would otherwise stay open until Python collects it
    (many commands run in one process, as the tests and any script calling ``main`` do)."""
    ctx.call_on_close(store.engine.dispose)
    return store


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


def emit_rows(rows: list[dict], as_json: bool, none: str, line) -> None:
    """A listing: the rows as JSON with --json; otherwise ``line(row)`` for each, or ``none`` when
    there is no row (saying how to make one)."""
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(none)
    for row in rows:
        click.echo(line(row))


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
        from tracker.history import moment

        try:
            return moment(value)
        except Refused as exc:
            self.fail(str(exc), param, ctx)


def checked_year(_ctx, _param, value: int | None) -> int | None:
    """Every --year is refused outside the years the tool knows (``years.check_year``)."""
    from tracker.years import check_year

    return None if value is None else check_year(value)


IMPORT_ID = click.IntRange(1, 2**63 - 1)

json_option = click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
year_option = click.option("--year", type=int, required=True, callback=checked_year,
                           help="The reporting year, such as 2008.")


def _shown(field: str, value: str | None) -> str:
    if value is None:
        return "(blank)"
    return label(value) if field == "status" else value


def shown_change(field: str, old: str | None, new: str | None, confirmed: bool = False) -> str:
    """A change of a field as the commands print it: old -> new, or the answer carried forward
    from an earlier year and confirmed for this one (not a change of value)."""
    if confirmed:
        return f"{_shown(field, new)} confirmed"
    return f"{_shown(field, old)} -> {_shown(field, new)}"


def _echo_load(result: catalogue.LoadResult) -> None:
    click.echo(f"Catalogue {result.catalogue}@{result.version}: items {len(result.added)} added, "
               f"{len(result.updated)} updated, {len(result.reworded)} reworded, {len(result.retired)} retired, "
               f"{result.unchanged} unchanged; "
               f"{len(result.instruments)} instruments added or updated.")
