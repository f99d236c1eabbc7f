"""The README's commands run as written, in order, on a fresh clone: what a newcomer types works.

Slow (it installs the tracker twice with pip), so it runs only with TRACKER_TEST_README=1, as
.ci/run sets it. It clones the repository's committed HEAD into a temporary folder and runs each
command of the README's ``sh`` blocks there with bash, one after the other, as a reader would.
The block that runs the test suite runs pytest with ``--collect-only``: the whole suite is what
this very run is doing already, and running it again inside it would double CI's time; what the
README promises (the test extra installs and pytest finds every test) is still proved.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMAND_SECONDS = 1200

slow = pytest.mark.skipif(os.environ.get("TRACKER_TEST_README") != "1",
                          reason="slow (pip installs a fresh clone): set TRACKER_TEST_README=1 to run it")

_SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def shell_commands(markdown: str) -> list[str]:
    """The commands of the ``sh`` blocks, in order: one per line (a trailing backslash continues it)."""
    commands = []
    for block in _SHELL_BLOCK.findall(markdown):
        pending = ""
        for line in block.splitlines():
            pending += line
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            if pending.strip() and not pending.lstrip().startswith("#"):
                commands.append(pending.strip())
            pending = ""
    return commands


def a_newcomers_environment() -> dict[str, str]:
    """This environment without what a newcomer would not have set (this run's virtualenv, database
    and test switches); pytest in the README's test block only collects (see above)."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in {"VIRTUAL_ENV", "PYTHONPATH", "TRACKER_DB", "TRACKER_TEST_README",
                                   "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST"}}
    bin_folder = str(Path(os.environ.get("VIRTUAL_ENV", "/nonexistent")) / "bin")
    environment["PATH"] = os.pathsep.join(p for p in environment.get("PATH", "").split(os.pathsep) if p != bin_folder)
    environment["PYTEST_ADDOPTS"] = "--collect-only -q"
    return environment


def fresh_clone(folder: Path) -> Path:
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    clone = folder / "tracker"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", "--detach", head], check=True)
    return clone


def test_shell_commands_are_read_in_order_with_continuations_and_without_comments():
    markdown = "```sh\n# set up\na --x \\\n  --y\nb  # why\n```\ntext\n```text\nnot run\n```\n```sh\nc\n```\n"
    assert shell_commands(markdown) == ["a --x    --y", "b  # why", "c"]


@slow
def test_every_readme_command_runs_as_written_on_a_fresh_clone(tmp_path):
    clone = fresh_clone(tmp_path)
    readme = (clone / "README.md").read_text(encoding="utf-8")
    if readme != (ROOT / "README.md").read_text(encoding="utf-8"):
        pytest.fail("README.md differs from the committed one; this test runs what a fresh clone holds: commit it first")
    commands = shell_commands(readme)
    assert commands, "README.md has no sh blocks"
    environment = a_newcomers_environment()
    for number, command in enumerate(commands, start=1):
        done = subprocess.run(["bash", "-c", command], cwd=clone, env=environment, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=COMMAND_SECONDS)
        if done.returncode != 0:
            pytest.fail(f"README command {number} of {len(commands)} failed (exit code {done.returncode}):\n"
                        f"  {command}\n{done.stdout[-4000:]}", pytrace=False)
