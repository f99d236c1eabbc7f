"""The import graph keeps the rules written in setup.cfg's import-linter contracts: the adapters
above the library, the library above the database, the workbook formats free of database code,
no circles. ``lint-imports`` checks the code as it is; a copy of the package with one import
added that breaks a rule shows that each contract can fail."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tracker

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(folder: Path, *, python_path: Path | None = None) -> subprocess.CompletedProcess:
    """``lint-imports`` on setup.cfg's contracts, run in ``folder``, importing ``tracker`` from
    ``python_path`` when given (else the one installed)."""
    env = dict(os.environ)
    if python_path is not None:
        env["PYTHONPATH"] = str(python_path)
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "setup.cfg")], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_code_keeps_every_import_contract(tmp_path):
    result = lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and "BROKEN" not in result.stdout


def contract_name(contract: str) -> str:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config[f"importlinter:contract:{contract}"]["name"]


@pytest.mark.parametrize(("module", "added", "contract"), [
    ("workbook/layout.py", "import sqlalchemy", "workbook-without-database"),
    ("workbook/reader.py", "from tracker import models", "workbook-without-database"),
    ("workbook/reader.py", "from tracker.workbook import rows", "workbook-parts"),
    ("progress.py", "from tracker import rounds", "no-circles"),
    ("models.py", "from tracker.web import app", "layers"),
])
def test_a_broken_rule_is_caught(tmp_path, module, added, contract):
    """The package copied with one import that breaks a rule (the old circle through rounds,
    database code reached from the reader, a model importing the web view): that contract fails."""
    copy = tmp_path / "tracker"
    shutil.copytree(Path(tracker.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                                        "templates"))
    changed = copy / module
    changed.write_text(changed.read_text(encoding="utf-8") + f"\n{added}\n", encoding="utf-8")
    result = lint_imports(tmp_path, python_path=tmp_path)
    output = " ".join(result.stdout.split())
    assert result.returncode != 0, output
    assert f"{contract_name(contract)} BROKEN" in output, output
