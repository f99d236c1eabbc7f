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
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, economy_code: str | None, password_stdin: bool):
    """Add an account; the password is asked twice, hidden (or read with --password-stdin).

    \b
    Example:
        tracker users add amina --role admin
        tracker users add kenji --role focal-point --economy JPN
        echo "$PASSWORD" | tracker users add viewer1 --role viewer --password-stdin
    """
    from tracker import users

    account = run(ctx, users.add_user, name, role, economy_code, _password(name, password_stdin))
    click.echo(f"Added {account.name} ({account.role}{', ' + economy_code.upper() if economy_code else ''}).")


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
