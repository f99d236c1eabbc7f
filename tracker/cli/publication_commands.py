"""``tracker publication``: what the published report is called and who publishes it."""

from __future__ import annotations

import sys

import click

from tracker.cli.common import checked_year, emit_json, json_option, run

_SOURCES = {"set": "set in this database", "default": "default"}


def _echo_settings(rows: list[dict], as_json: bool) -> None:
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        source = _SOURCES.get(row["source"], f"from the {row['source']}")
        click.echo(f"{row['field'].capitalize()} ({source}):")
        for line in (row["value"] or "(blank)").splitlines():
            click.echo(f"  {line}")


@click.group("publication")
def publication_group():
    """What the published report is called and who publishes it: its title, subject, publisher
    and foreword, set once per database. Until set, the catalogue's proposal applies; {year} in
    any of them stands for the report's year.

    \b
    Example:
        tracker publication show --year 2008
        tracker publication set --title "Cyber-security commitments: progress report {year}"
        tracker publication reset --title
    """


@publication_group.command("show")
@click.option("--year", type=int, callback=checked_year, help="Fill in {year} with this year, as a report of it shows.")
@json_option
@click.pass_context
def publication_show(ctx: click.Context, year: int | None, as_json: bool):
    """Show the title, subject, publisher and foreword, and where each comes from.

    \b
    Example:
        tracker publication show
        tracker publication show --year 2008 --json
    """
    from tracker import publication

    rows = run(ctx, publication.publication_settings)
    if year is not None:
        rows = [row | {"value": row["value"].replace(publication.YEAR, str(year))} for row in rows]
    _echo_settings(rows, as_json)


@publication_group.command("set")
@click.option("--title", help="The report's title; {year} stands for its year.")
@click.option("--subject", help="What the report is about, in a sentence (blank for none).")
@click.option("--publisher", help="The publishing body, as the cover names it.")
@click.option("--foreword", help="A foreword opening the report (blank for none); - reads it from standard input.")
@click.pass_context
def publication_set(ctx: click.Context, title: str | None, subject: str | None, publisher: str | None,
                    foreword: str | None):
    """Set one or more of them; the others stay as they are.

    \b
    Example:
        tracker publication set --title "APEC cyber-security commitments: progress report {year}"
        tracker publication set --publisher "APEC Secretariat" --subject ""
        tracker publication set --foreword - < foreword.txt
    """
    from tracker import publication

    if foreword == "-":
        foreword = sys.stdin.read()
    values = {"title": title, "subject": subject, "publisher": publisher, "foreword": foreword}
    if all(value is None for value in values.values()):
        raise click.UsageError("Give at least one of --title, --subject, --publisher, --foreword.")
    _echo_settings(run(ctx, publication.set_publication, values), as_json=False)


@publication_group.command("reset")
@click.option("--title", is_flag=True, help="Reset the title.")
@click.option("--subject", is_flag=True, help="Reset the subject.")
@click.option("--publisher", is_flag=True, help="Reset the publisher.")
@click.option("--foreword", is_flag=True, help="Reset the foreword (to none).")
@click.pass_context
def publication_reset(ctx: click.Context, **flags: bool):
    """Forget what this database set, so the catalogue's proposal applies again: the fields
    flagged, or all of them when none is.

    \b
    Example:
        tracker publication reset --title --foreword
        tracker publication reset
    """
    from tracker import publication

    _echo_settings(run(ctx, publication.reset_publication, [name for name, on in flags.items() if on]), as_json=False)
