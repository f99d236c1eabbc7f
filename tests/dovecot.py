"""A private Dovecot IMAP server for the tests: started as a normal background process in a temporary
folder, with its own configuration, a passwd-file user, a Maildir, and TLS on a throw-away
certificate, listening on a free port of 127.0.0.1.

Dovecot will not run its login processes as root; when the tests run as root (a container, CI),
every process of this server and the mail user are ``nobody``, and the folders it writes are made
theirs.
"""

from __future__ import annotations

import imaplib
import os
import grp
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

DOVECOT = "/usr/sbin/dovecot"
USER = "officer"
PASSWORD = "correct horse battery staple"


@dataclass
class ImapServer:
    port: int
    certificate: Path
    log: Path

    def url(self, folder: str) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.port}/{folder}"

    @contextmanager
    def client(self) -> Iterator[imaplib.IMAP4_SSL]:
        context = ssl.create_default_context(cafile=str(self.certificate))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=context, timeout=30)
        client.login(USER, PASSWORD)
        try:
            yield client
        finally:
            client.logout()

    def new_folder(self) -> str:
        name = f"Returns-{uuid.uuid4().hex[:8]}"
        with self.client() as client:
            assert client.create(name)[0] == "OK"
        return name

    def deliver(self, folder: str, message: bytes) -> None:
        with self.client() as client:
            kind, data = client.append(folder, None, None, message)
            assert kind == "OK", data

    def flags(self, folder: str) -> list[str]:
        """Each message's flags and keywords, in order."""
        with self.client() as client:
            client.select(folder, readonly=True)
            kind, data = client.fetch("1:*", "(FLAGS)")
            return [line.decode() for line in data if line]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_as() -> tuple[str, str, int, int]:
    """The user and group every process of the server runs as, and the mail user's ids."""
    if os.geteuid() != 0:
        user = pwd.getpwuid(os.geteuid())
        return user.pw_name, grp.getgrgid(os.getegid()).gr_name, user.pw_uid, os.getegid()
    nobody = pwd.getpwnam("nobody")
    return "nobody", grp.getgrgid(nobody.pw_gid).gr_name, nobody.pw_uid, nobody.pw_gid


def _configuration(folder: Path, port: int) -> str:
    user, group, _, _ = _run_as()
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
instance_name = tracker-test-{port}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
log_path = {folder}/dovecot.log
ssl = required
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
auth_mechanisms = plain
# A wrong password is answered at once, not after the two seconds that slow a guesser down.
auth_failure_delay = 0
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
  }}
}}
service anvil {{
  chroot =
  # No growing penalty for the address of a wrong password either (the tests all come from 127.0.0.1).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot stopped: {log.read_text() if log.exists() else process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dovecot did not listen on port {port}")


@contextmanager
def dovecot() -> Iterator[ImapServer]:
    """A Dovecot serving IMAP over TLS on 127.0.0.1, stopped and its folder removed at the end. The
    folder is a new one in the system's temporary folder, not pytest's: pytest's are private to the
    user, and the server's processes run as ``nobody`` when the tests run as root."""
    folder = Path(tempfile.mkdtemp(prefix="tracker-dovecot-"))
    folder.chmod(0o755)
    try:
        with _started(folder) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _started(folder: Path) -> Iterator[ImapServer]:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    _, _, uid, gid = _run_as()
    mail = folder / "mail"
    mail.mkdir()
    os.chown(mail, uid, gid)
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{mail}/{USER}::\n")
    port = _free_port()
    (folder / "dovecot.conf").write_text(_configuration(folder, port))
    log = folder / "dovecot.log"
    process = subprocess.Popen([DOVECOT, "-c", str(folder / "dovecot.conf"), "-F"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port, process, log)
        yield ImapServer(port, folder / "cert.pem", log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def available() -> bool:
    return Path(DOVECOT).exists() and shutil.which("openssl") is not None
