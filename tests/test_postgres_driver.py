"""PostgreSQL's driver is an extra (``pip install 'tracker[postgres]'``): a PostgreSQL URL given
where psycopg is not installed is a message saying what to install, never an ImportError."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

#: Run at start-up (Python imports ``sitecustomize`` from the path): psycopg cannot be imported,
#: exactly as when it is not installed.
HIDE_PSYCOPG = '''
import sys


class WithoutPsycopg:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0].startswith("psycopg"):  # psycopg, psycopg_binary, psycopg2
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, WithoutPsycopg())
'''


def tracker_without_psycopg(tmp_path, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "sitecustomize.py").write_text(HIDE_PSYCOPG, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("TRACKER_DB", None)
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def test_psycopg_is_really_hidden(tmp_path):
    """The start-up file takes psycopg away (else the tests below would prove nothing)."""
    (tmp_path / "sitecustomize.py").write_text(HIDE_PSYCOPG, encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", "import psycopg"], cwd=tmp_path, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)}, timeout=60)
    assert result.returncode == 1 and "No module named 'psycopg'" in result.stderr


@pytest.mark.parametrize("command", [["check"], ["init"], ["round", "list"]])
def test_a_postgresql_url_without_the_driver_says_what_to_install(tmp_path, command):
    result = tracker_without_psycopg(tmp_path, "--db", "postgresql+psycopg://editor:secret@127.0.0.1:5432/tracker",
                                     *command)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "pip install 'tracker[postgres]'" in output and "psycopg" in output
    assert "Traceback" not in output and "secret" not in output
    assert not list(tmp_path.glob("*.db")), "nothing was created"


def test_a_postgresql_url_naming_another_driver_says_which_to_use(tmp_path):
    result = tracker_without_psycopg(tmp_path, "--db", "postgresql+psycopg2://127.0.0.1:5432/tracker", "check")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "postgresql+psycopg://" in output and "pip install 'tracker[postgres]'" in output
    assert "Traceback" not in output
