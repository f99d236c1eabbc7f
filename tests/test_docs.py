"""The documentation holds: its links lead somewhere, the tests it names exist, the README stays
short and the command reference says what the commands say."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import commands_reference

ROOT = Path(__file__).resolve().parent.parent
README_MOST_LINES = 150

_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_NAMED_TEST = re.compile(r"\btests/(test_\w+\.py)(?:::(test_\w+))?")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def broken_links(document: Path) -> list[str]:
    """The relative links of a Markdown file that lead to no file (web addresses and anchors aside)."""
    broken = []
    for target in _LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (document.parent / path).exists():
            broken.append(target)
    return broken


def functions_in(test_file: Path) -> set[str]:
    tree = ast.parse(test_file.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def missing_tests(text: str, tests_folder: Path) -> list[str]:
    """Each ``tests/test_x.py`` or ``tests/test_x.py::test_name`` named in ``text`` that does not exist."""
    missing = []
    for file_name, function in _NAMED_TEST.findall(text):
        test_file = tests_folder / file_name
        if not test_file.exists() or (function and function not in functions_in(test_file)):
            missing.append(f"tests/{file_name}" + (f"::{function}" if function else ""))
    return missing


def test_every_relative_link_leads_to_a_file():
    broken = {document.relative_to(ROOT).as_posix(): broken_links(document) for document in documents()}
    assert not {name: links for name, links in broken.items() if links}


def test_every_test_the_documentation_names_exists():
    missing = {document.relative_to(ROOT).as_posix(): missing_tests(document.read_text(encoding="utf-8"), ROOT / "tests")
               for document in documents()}
    assert not {name: tests for name, tests in missing.items() if tests}


def test_the_checks_find_a_broken_link_and_a_test_that_is_not_there(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("[here](README.md) [gone](nowhere.md#part) [web](https://example.org) [top](#top)\n")
    (tmp_path / "README.md").write_text("# here\n")
    assert broken_links(page) == ["nowhere.md#part"]
    named = "tests/test_docs.py::test_the_readme_is_short, tests/test_docs.py::test_nothing, tests/test_none.py"
    assert missing_tests(named, ROOT / "tests") == ["tests/test_docs.py::test_nothing", "tests/test_none.py"]


def test_the_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MOST_LINES, f"README.md has {lines} lines; move detail into docs/ (at most {README_MOST_LINES})"


def test_the_command_reference_is_up_to_date():
    written = commands_reference.REFERENCE.read_text(encoding="utf-8") if commands_reference.REFERENCE.exists() else ""
    assert written == commands_reference.reference(), (
        f"docs/commands.md is stale: regenerate it with `{commands_reference.REGENERATE}` and commit it"
    )
