"""Every command explains itself, with an example."""

import re

import click
import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.report.book import FIXED_SHEETS


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


COMMANDS = list(all_commands(cli))


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, command):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert command.help and len(command.help.split()) >= 4
    if not isinstance(command, click.Group):
        assert "Example:" in result.output, f"tracker {' '.join(path)} --help shows no example"


def test_top_level_help_lists_every_command():
    output = CliRunner().invoke(cli, ["--help"]).output
    for path, _ in COMMANDS:
        if len(path) == 1:
            assert path[0] in output


def test_report_help_names_every_sheet_of_the_report_in_order():
    """The help lists the sheets by hand: a sheet added, renamed or moved must show there."""
    output = " ".join(CliRunner().invoke(cli, ["report", "--help"]).output.split())
    found = {name: re.search(rf"\b{re.escape(name)}\b", output) for name in FIXED_SHEETS}
    assert [name for name, match in found.items() if not match] == []
    places = [found[name].start() for name in FIXED_SHEETS]
    assert places == sorted(places), "the help lists the sheets in another order than the workbook's"
