"""The ``tracker`` command: parses options, calls one library function, formats the result.

Every refusal from the library (``Refused``) is printed as a message and exits 1; click's usage
errors exit 2. The logic lives in the library modules named after what they do; the commands
live beside this file, grouped by what they work on (``common`` holds what they share).
"""

from __future__ import annotations

import atexit
import gc

import click

from tracker import DEFAULT_DATABASE, __version__
from tracker.cli import (
    catalogue_commands,
    database_commands,
    mail_commands,
    progress_commands,
    publication_commands,
    review_commands,
    publish_commands,
    round_commands,
    web_commands,
)
from tracker.cli.common import TrackerGroup


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "target",
    envvar="TRACKER_DB",
    default=DEFAULT_DATABASE,
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

for command in (
    database_commands.init,
    database_commands.db,
    database_commands.backup_command,
    database_commands.restore_command,
    database_commands.check_command,
    catalogue_commands.catalog,
    catalogue_commands.economies_group,
    progress_commands.record,
    progress_commands.contact,
    progress_commands.show,
    progress_commands.summary,
    progress_commands.needs_command,
    progress_commands.history_command,
    round_commands.form,
    round_commands.import_command,
    round_commands.round_group,
    round_commands.imports_group,
    review_commands.returns_group,
    round_commands.reports_group,
    round_commands.report_command,
    round_commands.demo_command,
    publication_commands.publication_group,
    publish_commands.publish_command,
    web_commands.serve_command,
    web_commands.users_group,
    mail_commands.mail_group,
):
    cli.add_command(command)
for command in (mail_commands.round_invite, mail_commands.round_remind, mail_commands.round_link):
    round_commands.round_group.add_command(command)


def main() -> None:
    """The installed ``tracker`` script.

    When the command is done, the garbage collector is told to leave what is still loaded alone
    (``gc.freeze``): the process is ending and frees it all anyway, and Python's last full
    collection at exit took as long as all of ``tracker show``'s own work (measured here: 50 ms
    each, of 0.4 s). Every command commits and closes what it opened before it returns."""
    atexit.register(gc.freeze)
    cli(prog_name="tracker")


