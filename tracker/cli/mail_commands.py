"""Commands that send mail: the settings (`mail set`, `mail show`, `mail test`, `mail log`) and
the round's messages (`round invite`, `round remind`, `round link`)."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.common import Day, checked_year, emit_json, emit_rows, json_option, opened_store, run, source
from tracker.text import escaped


@click.group("mail")
def mail_group():
    """The mail server the tracker sends invitations and reminders through, and every message sent."""


@mail_group.command("set")
@click.option("--host", help="The SMTP server, such as smtp.example.org.")
@click.option("--port", type=click.IntRange(1, 65535), help="Its port  [default: 587 for starttls, 465 for tls]")
@click.option("--security", type=click.Choice(["starttls", "tls", "none"]),
              help="STARTTLS (port 587), TLS from the start (465), or none (a relay on this machine only).")
@click.option("--user", help="The user to sign in to the server as ('' for none).")
@click.option("--password-env", metavar="NAME", help="The environment variable holding the password.")
@click.option("--password-file", metavar="FILE", help="A file holding the password (readable by you alone).")
@click.option("--sender", help="The From address, such as spsg@example.org.")
@click.option("--reply-to", help="Where replies and forms go back to, if not the sender.")
@click.option("--web-address", metavar="URL",
              help="The tracker's address as focal points reach it (personal links start with it).")
@click.option("--templates", metavar="FOLDER", help="A folder of your own message templates (see docs/mail.md).")
@click.option("--ca-file", metavar="FILE", help="A PEM file of the authority that signed the server's certificate.")
@click.pass_context
def mail_set(ctx: click.Context, **changes):
    """Set how the tracker sends mail; the settings not given stay as they were ('' clears one).

    The password is never stored: give the environment variable or the file it is read from.

    \b
    Example:
        tracker mail set --host smtp.example.org --user spsg --password-env TRACKER_MAIL_PASSWORD \\
            --sender spsg@example.org --web-address https://tracker.example.org
    """
    from tracker.mail import settings

    _echo_settings(run(ctx, settings.change_settings, changes))


def _echo_settings(settings) -> None:
    for name, value in settings.shown().items():
        click.echo(f"{name.replace('_', '-'):<14}{escaped(value) if value is not None else '-'}")
    if not settings.ready:
        click.echo("Not ready to send: give at least --host and --sender.")


@mail_group.command("show")
@json_option
@click.pass_context
def mail_show(ctx: click.Context, as_json: bool):
    """Show the mail settings (where the password is read from, never the password).

    \b
    Example:
        tracker mail show
    """
    from tracker.mail import settings

    current = run(ctx, settings.read_settings)
    if as_json:
        emit_json(current.shown())
    else:
        _echo_settings(current)


@mail_group.command("test")
@click.argument("address")
@click.pass_context
def mail_test(ctx: click.Context, address: str):
    """Send a test message to ADDRESS and show the server's answer.

    \b
    Example:
        tracker mail test officer@example.org
    """
    from tracker import mailings

    outcome = mailings.send_test(opened_store(ctx), address)
    click.echo(f"{outcome.outcome.capitalize()}: {escaped(address)}: {escaped(outcome.reply)}")
    if outcome.outcome != "sent":
        ctx.exit(1)


@mail_group.command("log")
@click.option("--year", type=int, callback=checked_year, help="Only the messages of this round.")
@click.option("--economy", "economy_code", metavar="CODE", help="Only the messages to this economy.")
@json_option
@click.pass_context
def mail_log(ctx: click.Context, year: int | None, economy_code: str | None, as_json: bool):
    """Every message sent or refused: when, kind, to whom, subject, the server's answer.

    \b
    Example:
        tracker mail log --year 2009
        tracker mail log --economy JPN --json
    """
    from tracker.mail import log

    def line(row):
        whom = f"{row['economy'] or '-':<4} {row['year'] or ''}".strip()
        kind = row["kind"] + (f" {row['step']}" if row["step"] else "")
        answer = "accepted" if row["accepted"] else "REFUSED"
        return (f"{row['at']:%Y-%m-%d %H:%M}  {whom:<9}  {kind:<20}  {escaped(row['to'])}  "
                f"{escaped(row['subject'])}  [{answer}: {escaped(row['reply'])}]")

    emit_rows(run(ctx, log.messages, year, economy_code), as_json,
              "No message sent yet: `tracker round invite YEAR` sends the invitations.", line)


def _echo_mailing(ctx: click.Context, mailing, as_json: bool, dry_run: bool) -> None:
    """Each economy's outcome; exit code 1 when the server refused one."""
    rows = [vars(outcome) for outcome in mailing.outcomes]
    if as_json:
        emit_json({"note": mailing.note, "messages": rows})
    else:
        if mailing.note:
            click.echo(mailing.note)
        for row in rows:
            kind = row["kind"] + (f" {row['step']}" if row["step"] else "")
            where = f" -> {escaped(row['file'])}" if row["file"] else ""
            reply = f": {escaped(row['reply'])}" if row["reply"] else ""
            earlier = (f" (contact of {row['contact_year']})"
                       if row["contact_year"] and row["contact_year"] != ctx.params.get("year") else "")
            click.echo(f"{row['economy'] or '-':<6}{kind:<18}{row['outcome']:<20}{escaped(row['to'] or '-')}"
                       f"{earlier}{where}{reply}")
        counted = {}
        for row in rows:
            counted[row["outcome"]] = counted.get(row["outcome"], 0) + 1
        if rows:
            click.echo("Total: " + ", ".join(f"{n} {what}" for what, n in counted.items()) + ".")
        if dry_run:
            click.echo("Dry run: nothing was sent.")
    if any(row["outcome"] == "refused" for row in rows):
        ctx.exit(1)


dry_run_option = click.option("--dry-run", is_flag=True, help="Write each message as an .eml file; send nothing.")
out_option = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                          help="Folder for the .eml files of --dry-run  [default: reports/mail/YEAR/]")


def _out(dry_run: bool, out_dir: Path | None, year: int) -> Path | None:
    if out_dir is not None and not dry_run:
        raise click.UsageError("--out goes with --dry-run: without it the messages are sent.")
    return (out_dir or Path("reports") / "mail" / str(year)) if dry_run else None


@click.command("invite")
@click.argument("year", type=int, callback=checked_year)
@click.option("--economy", "economy_codes", multiple=True, metavar="CODE",
              help="An economy to invite (repeat for more); all active economies by default.")
@click.option("--due", type=Day(), help="The due date: opens the round with it, or changes it  "
                                        "[default: the open round's; refused if it has none]")
@dry_run_option
@out_option
@json_option
@click.pass_context
def round_invite(ctx: click.Context, year: int, economy_codes: tuple[str, ...], due, dry_run: bool,
                 out_dir: Path | None, as_json: bool):
    """E-mail each economy's contact point its form, the due date and its personal link.

    The round must be open with its due date (`tracker round open YEAR --due DATE`), or the
    due date given with --due: the reminders are timed from it. The contact point is the
    year's, else the latest known. An economy already invited is not invited again; an economy
    without an e-mail on record is listed. A recipient the server refuses is listed (exit code
    1) and the others are sent all the same.

    \b
    Example:
        tracker round invite 2009 --dry-run --out outgoing/
        tracker round invite 2009
        tracker round invite 2009 --due 2009-03-31 --economy JPN --economy PER
    """
    from tracker import mailings

    out = _out(dry_run, out_dir, year)
    mailing = mailings.invite(opened_store(ctx), year, list(economy_codes), source("round invite"), out, due)
    _echo_mailing(ctx, mailing, as_json, dry_run)


@click.command("remind")
@click.argument("year", type=int, callback=checked_year)
@click.option("--today", type=Day(), help="Act as on this date (YYYY-MM-DD)  [default: today]")
@click.option("--days-before", "days_before", type=click.IntRange(0, 365), multiple=True,
              help="Days before the due date to remind (repeat)  [default: 14 and 3]")
@click.option("--chase-every", type=click.IntRange(1, 365), default=7, show_default=True,
              help="Days between chasers after the due date.")
@dry_run_option
@out_option
@json_option
@click.pass_context
def round_remind(ctx: click.Context, year: int, today, days_before: tuple[int, ...], chase_every: int,
                 dry_run: bool, out_dir: Path | None, as_json: bool):
    """Send today's reminder or chaser to every economy that has not returned; run it daily.

    A reminder goes the given days before the due date, a chaser every few days after it; never
    the same one twice to an economy, nothing to an economy that returned, nothing once the round
    is closed.

    \b
    Example:
        tracker round remind 2009
        tracker round remind 2009 --dry-run --today 2009-03-28
    """
    from tracker import mailings

    out = _out(dry_run, out_dir, year)
    mailing = mailings.remind(opened_store(ctx), year, source("round remind"), today, out,
                              days_before or mailings.DAYS_BEFORE, chase_every)
    _echo_mailing(ctx, mailing, as_json, dry_run)


@click.command("link")
@click.argument("year", type=int, callback=checked_year)
@click.argument("code")
@click.option("--revoke", is_flag=True, help="End the economy's links for the year; issue none.")
@click.option("--expires", type=Day(), help="The last day the link works  [default: until the round closes]")
@click.pass_context
def round_link(ctx: click.Context, year: int, code: str, revoke: bool, expires):
    """Issue an economy's personal link to its online return for YEAR (ending earlier ones), or revoke it.

    The link is shown once: only a hash of it is kept.

    \b
    Example:
        tracker round link 2009 JPN
        tracker round link 2009 JPN --revoke
    """
    from tracker import personal_links
    from tracker.mail.settings import read_settings

    if revoke:
        ended = run(ctx, personal_links.revoke_links, code, year)
        click.echo(f"Revoked {ended} link{'s' if ended != 1 else ''} of {escaped(code.upper())} for {year}.")
        return
    token = run(ctx, personal_links.issue_link, code, year, source("round link"), expires)
    web_address = run(ctx, read_settings).web_address
    if web_address:
        click.echo(personal_links.address(web_address, token))
    else:
        click.echo(f"{personal_links.PATH}{token}  (after the tracker's address: set it with "
                   "`tracker mail set --web-address URL`)")
    click.echo(f"Works for {escaped(code.upper())}'s {year} return only, "
               f"{'until ' + expires.isoformat() if expires else 'until the round closes'}; earlier links ended.")
