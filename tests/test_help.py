"""Every command explains itself, with an example."""

import click
import pytest
from click.testing import CliRunner

from tracker.cli import cli


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
