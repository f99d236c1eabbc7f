"""What every command shares: the error handling, running a library call on the database, the
options, and the way results are shown.

Nothing here imports the library's heavy parts (SQLAlchemy, alembic, openpyxl): each command
imports what it uses when it runs, so `tracker --help` answers at once.
"""

from __future__ import annotations

import errno
import getpass
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path

import click

from tracker.errors import Refused
from tracker.status import label
from tracker.text import check_text, escaped
from tracker.years import calendar_day

DEFAULT_REPORTS = Path("reports")


#: Standard output that cannot take what a command prints: closed (a pipe whose reader left, as
#: `| head -c 1`), or full (`> /dev/full`).
LOST_OUTPUT = (errno.EPIPE, errno.ENOSPC)


def _discard_output() -> None:
    """Send what is still to be printed nowhere, so that Python's last flush at exit cannot fail."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's captured output): nothing is flushed at exit


def _no_traceback(exc: Exception, target: str) -> str | None:
    """The message for an exception that is not a refusal but still the user's to put right."""
    if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:
        return (f"{escaped(exc.filename or 'A path')} is too long for the file system (a name of at most "
                "255 characters, a path of at most 4,096): give a shorter one.")
    if type(exc).__module__.startswith("sqlalchemy") and type(exc).__name__ == "ArgumentError":
        return (f"--db {escaped(target)!r} is neither a file path nor a database URL: give a file such as "
                "tracker.db, or a URL such as postgresql+psycopg://user@host/dbname.")
    return None


class TrackerGroup(click.Group):
    """A group that turns every ``Refused`` into a one-line message and exit code 1 (a JSON object
    ``{"error": ...}`` on standard output with --json), and refuses arguments that are not valid
    UTF-8 text before anything runs (exit code 2).

    Nothing the user can cause ends in a traceback: output that cannot be written (closed or full
    standard output, or characters its encoding lacks, shown escaped) never turns a command that
    did its work into a failure; a path too long and a --db that is no database are messages."""

    def main(self, args=None, *rest, **options):
        for stream in (sys.stdout, sys.stderr):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="backslashreplace")
        arguments = sys.argv[1:] if args is None else list(args)
        self.wants_json = "--json" in arguments
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
            self._refuse(str(exc))
        except click.NoSuchOption as exc:
            if exc.option_name == "--db":
                self._refuse("--db goes before the command: tracker --db TARGET COMMAND ...", usage=True)
            self._refuse(exc.format_message(), usage=True, original=exc)
        except click.UsageError as exc:
            self._refuse(exc.format_message(), usage=True, original=exc)
        except OSError as exc:
            if exc.errno in LOST_OUTPUT:
                _discard_output()
                return None
            self._refuse(_no_traceback(exc, ctx.obj) or _raise(exc))
        except Exception as exc:
            self._refuse(_no_traceback(exc, ctx.obj) or _raise(exc))

    def _refuse(self, message: str, usage: bool = False, original: click.UsageError | None = None):
        """Refuse with ``message``: exit code 2 for a command line click could not take (with its
        usage), else 1; as ``{"error": message}`` on standard output with --json."""
        if getattr(self, "wants_json", False):
            click.echo(json.dumps({"error": message}, ensure_ascii=False))
            sys.exit(2 if usage else 1)
        if original is not None:
            raise original
        raise (click.UsageError(message) if usage else click.ClickException(message)) from None


def _raise(exc: Exception):
    raise exc


def opened_store(ctx: click.Context):
    """The store of the database named by --db (its schema checked), closed when the command ends:
    for the library functions that run several transactions of their own (sending mail)."""
    from tracker.store import open_store

    return closed_at_end(ctx, open_store(ctx.find_root().obj))


def run(ctx: click.Context, function, *args, **kwargs):
    """Open the database named by --db, check its schema, and call ``function(session, ...)``
    in one transaction (run again if it lost a race with another writer)."""
    return opened_store(ctx).run(function, *args, **kwargs)


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
    from tracker.percentages import percent_text

    return percent_text(value)


def points(change: float | None) -> str:
    """A change of rate in percentage points; "-" where there is none to show."""
    from tracker.percentages import points_text

    return "-" if change is None else points_text(change)


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


class Day(click.ParamType):
    """An option value that is a calendar date, YYYY-MM-DD, that exists."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return calendar_day(value)
        except Refused as exc:
            self.fail(str(exc), param, ctx)


class Number(click.ParamType):
    """An option value that numbers a record (an import, a report); numbers start at 1."""

    name = "id"

    def __init__(self, kind: str, listing: str):
        self.kind, self.listing = kind, listing

    def convert(self, value, param, ctx):
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(f"{escaped(value)} is not a number: give the number of the {self.kind} that "
                      f"`{self.listing}` shows, such as 12.", param, ctx)
        if not 1 <= number < 2**63:
            self.fail(f"There is no {self.kind} {number}: they are numbered from 1; `{self.listing}` shows them.",
                      param, ctx)
        return number


def visible_text(_ctx, param, value: str | None) -> str | None:
    """A free text an option takes follows the one rule of visible text (``text.check_text``)."""
    if value is not None:
        try:
            check_text(value, f"--{param.name.replace('_', '-')}")
        except Refused as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def checked_year(_ctx, _param, value: int | None) -> int | None:
    """Every --year is refused outside the years the tool knows (``years.check_year``)."""
    from tracker.years import check_year

    return None if value is None else check_year(value)


IMPORT_ID = Number("import", "tracker imports list")
REPORT_ID = Number("report", "tracker reports list")

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
