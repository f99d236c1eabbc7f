"""``tracker returns``: review an economy's return (accept it, or ask for changes with a note)."""

from __future__ import annotations

import click

from tracker.cli.common import opened_store, source, visible_text, year_option
from tracker.text import escaped

_NOTE = click.option("--note", callback=visible_text, help="A note for the whole return, kept with the review.")
_ITEM = click.option("--item", "items", nargs=2, multiple=True, metavar="REF NOTE",
                     help="A note on one item of the return, shown beside it (repeat for more items).")


@click.group("returns")
def returns_group():
    """Review each return: accept it, or ask its economy for changes."""


def _review(ctx: click.Context, state: str, code: str, year: int, note: str | None, items, mail: bool = False):
    from tracker import mailings

    command = "accept" if state == "accepted" else "request-changes"
    reviewed = mailings.review_return(opened_store(ctx), code, year, state, note, dict(items),
                                      source(f"returns {command}"), mail)
    review = reviewed.review
    click.echo(f"The {year} return of {code.upper()} is now {review['label']}"
               f"{': ' + escaped(review['note']) if review['note'] else ''}.")
    for noted in review["items"]:
        click.echo(f"  {noted['ref']}: {escaped(noted['note'])}")
    if reviewed.mail is not None:
        click.echo(escaped(mailings.told(reviewed.mail)))


@returns_group.command("accept")
@click.argument("economy", metavar="ECONOMY")
@year_option
@_NOTE
@_ITEM
@click.pass_context
def returns_accept(ctx: click.Context, economy: str, year: int, note: str | None, items):
    """Accept an economy's return for a year (kept with who and when in the history).

    \b
    Example:
        tracker returns accept JPN --year 2009
        tracker returns accept JPN --year 2009 --note "Thank you; complete."
    """
    _review(ctx, "accepted", economy, year, note, items)


@returns_group.command("request-changes")
@click.argument("economy", metavar="ECONOMY")
@year_option
@_NOTE
@_ITEM
@click.option("--no-mail", is_flag=True, help="Record the request without e-mailing the economy's contact point.")
@click.pass_context
def returns_request_changes(ctx: click.Context, economy: str, year: int, note: str | None, items, no_mail: bool):
    """Ask an economy to change its return for a year, saying what with a note.

    The focal point sees the notes on its online return, beside the items concerned; its next
    submission or import makes the return "received" again. The notes and a fresh personal link
    are e-mailed to the economy's contact point (see docs/mail.md) unless --no-mail is given;
    the request is recorded even when the message cannot be sent, and the command says why.

    \b
    Example:
        tracker returns request-changes PER --year 2009 --note "Please give the evidence."
        tracker returns request-changes PER --year 2009 --item LC02-1 "Name the law adopted."
        tracker returns request-changes PER --year 2009 --note "Evidence?" --no-mail
    """
    _review(ctx, "changes_requested", economy, year, note, items, not no_mail)
