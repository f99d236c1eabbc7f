"""Commands of the browser view: serving it, and the accounts that may sign in."""

from __future__ import annotations

import errno
import socket
import sys

import click

from tracker.cli.common import emit_rows, json_option, run
from tracker.errors import Refused
from tracker.text import escaped
from tracker.roles import ROLES


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--root-path", default="", metavar="PREFIX",
              help="Path prefix a reverse proxy serves the tracker under, such as /tracker.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True, metavar="IPS",
              help="Proxies whose X-Forwarded-For/-Proto headers are trusted (comma-separated, or *).")
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure (served behind HTTPS).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes answering requests; any of them answers any request.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, root_path: str, forwarded_allow_ips: str,
                  secure_cookies: bool, workers: int):
    """Serve the browser view: the round at a glance, the matrix, every checklist and its history.

    On a loopback address with no accounts yet, prints a one-time address that signs you in as
    administrator; on any other address, an account must exist first (`tracker users add`).

    \b
    Example:
        tracker serve
        tracker --db reports/demo/demo.db serve --port 8081
        tracker serve --host 0.0.0.0 --root-path /tracker --secure-cookies
        tracker --db postgresql+psycopg://tracker@db/tracker serve --host 0.0.0.0 --workers 4
    """
    from tracker.web.serve import serve

    _refuse_unless_free(host, port)
    serve(ctx.find_root().obj, host, port, root_path.rstrip("/"), forwarded_allow_ips, secure_cookies, click.echo,
          workers)


def _refuse_unless_free(host: str, port: int) -> None:
    """Refuse, before any address is printed, a port another program holds or a host not of this
    machine: the server would otherwise fail after printing a one-time address that works nowhere."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror:
        raise Refused(f"--host {escaped(host)} is not an address of this machine: give one such as 127.0.0.1.") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise Refused(f"Port {port} on {escaped(host)} is in use (another `tracker serve`?): "
                          f"try another, such as --port {port + 1 if port < 65535 else 8081}.") from None
        raise Refused(f"Cannot listen on {escaped(host)} port {port}: {exc.strerror or exc}; "
                      "give another --host or --port.") from None


ADDRESS_OPTION = click.option(
    "--address", default="http://127.0.0.1:8080", show_default=True, metavar="URL",
    help="The address the browser view is served at (as people reach it), for the one-time link.")


@click.group("users")
def users_group():
    """The accounts that may sign in to the browser view, and their roles."""


def _password(name: str, from_stdin: bool) -> str:
    if not from_stdin:
        return click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    try:
        line = sys.stdin.buffer.readline() if hasattr(sys.stdin, "buffer") else sys.stdin.readline().encode()
    except (OSError, ValueError, AttributeError):
        line = b""
    if not line.strip(b"\r\n"):
        raise Refused("No password on standard input: pipe one in, such as "
                      f"echo \"$PASSWORD\" | tracker users add {name} ... --password-stdin.")
    try:
        return line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise Refused("The password on standard input is not UTF-8 text: set the terminal or the script to "
                      "UTF-8 and give it again.") from None


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="admin (also rounds and accounts), editor (changes every economy), viewer (reads), "
                   "focal-point (its own economy only).")
@click.option("--economy", "economy_code", metavar="CODE", help="The economy of a focal point.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--link", is_flag=True, help="Choose no password: print a one-time link with which the person sets their own.")
@ADDRESS_OPTION
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, economy_code: str | None, password_stdin: bool, link: bool,
              address: str):
    """Add an account; the password is asked twice, hidden (or read with --password-stdin), or
    with --link the person sets it through a one-time link.

    \b
    Example:
        tracker users add amina --role admin
        tracker users add kenji --role focal-point --economy JPN --link --address https://tracker.example.org
        echo "$PASSWORD" | tracker users add viewer1 --role viewer --password-stdin
    """
    from tracker import users
    from tracker.models import utcnow

    if link:
        users.check_base_address(address)
        added, token = run(ctx, users.add_user_with_link, name, role, economy_code, "tracker users add", utcnow())
        click.echo(f"Added {added} ({role}{', ' + economy_code.upper() if economy_code else ''}).")
        _print_link(added, address, token)
        return
    account = run(ctx, users.add_user, name, role, economy_code, _password(name, password_stdin))
    click.echo(f"Added {account.name} ({account.role}{', ' + economy_code.upper() if economy_code else ''}).")


def _print_link(name: str, address: str, token: str) -> None:
    from tracker import users

    click.echo(f"Hand {name} this link, which works once, for {users.LINK_HOURS} hours, to set their password:\n"
               f"    {users.password_link(address, token)}")


@users_group.command("list")
@json_option
@click.pass_context
def users_list(ctx: click.Context, as_json: bool):
    """List the accounts: name, role, economy, since when.

    \b
    Example:
        tracker users list --json
    """
    from tracker import users

    emit_rows(run(ctx, users.list_users), as_json, "No accounts yet: `tracker users add NAME --role admin`.",
              lambda row: f"{row['name']:<24}{row['role']:<12}{row['economy'] or '':<8}since {row['created_at']:%Y-%m-%d}")


@users_group.command("remove")
@click.argument("name")
@click.pass_context
def users_remove(ctx: click.Context, name: str):
    """Remove an account; its sessions end at once.

    \b
    Example:
        tracker users remove kenji
    """
    from tracker import users

    click.echo(f"Removed {run(ctx, users.remove_user, name)}.")


@users_group.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def users_password(ctx: click.Context, name: str, password_stdin: bool):
    """Set a new password; sessions signed in with the old one end.

    \b
    Example:
        tracker users password kenji
    """
    from tracker import users

    click.echo(f"Password of {run(ctx, users.set_password, name, _password(name, password_stdin))} changed.")


@users_group.command("change")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The new role (the same one to change the economy only).")
@click.option("--economy", "economy_code", metavar="CODE", help="The economy of a focal point.")
@click.pass_context
def users_change(ctx: click.Context, name: str, role: str, economy_code: str | None):
    """Change an account's role, or a focal point's economy; the last administrator stays one.

    \b
    Example:
        tracker users change kenji --role focal-point --economy KOR
        tracker users change amina --role editor
    """
    from tracker import users

    changed = run(ctx, users.change_user, name, role, economy_code)
    click.echo(f"{changed} is now {role}{', ' + economy_code.upper() if economy_code else ''}.")


@users_group.command("reset")
@click.argument("name")
@ADDRESS_OPTION
@click.pass_context
def users_reset(ctx: click.Context, name: str, address: str):
    """Print a one-time link with which the person sets a new password (nobody else chooses it);
    the current password works until the new one is set, and earlier links stop working.

    \b
    Example:
        tracker users reset kenji --address https://tracker.example.org/ctap
    """
    from tracker import users
    from tracker.models import utcnow

    users.check_base_address(address)
    _print_link(name, address, run(ctx, users.issue_password_link, name, "tracker users reset", utcnow()))
