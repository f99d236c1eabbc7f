"""One rounding: a percentage is shown half away from zero, as Excel shows it, by
``percentages.percent_text`` everywhere; the demo's `summary` shows every figure as LibreOffice prints the
report's cells; JSON keeps the exact value."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.percentages import percent_text as shown
from tracker.percentages import points_text


@pytest.mark.parametrize(("value", "expected"), [
    (0.5625, "56.3%"), (0.0625, "6.3%"), (-0.5625, "-56.3%"), (1 / 3, "33.3%"), (2 / 3, "66.7%"),
    (1.0, "100.0%"), (0.0, "0.0%"), (0.00049, "0.0%"), (None, "n/a"),
])
def test_a_percentage_is_rounded_half_away_from_zero(value, expected):
    assert shown(value) == expected


@pytest.mark.parametrize(("change", "expected"), [
    (0.127, "+12.7 pp"), (-0.0625 / 100, "-0.1 pp"), (0.0, "0.0 pp"), (-0.0004, "0.0 pp"), (0.0004, "0.0 pp"),
])
def test_a_change_is_signed_except_no_change_as_the_report_prints_it(change, expected):
    assert points_text(change) == expected


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_copy):
    folder = tmp_path_factory.mktemp("demo")
    demo_copy(folder)
    return folder


def tracker_output(demo, *args) -> str:
    result = CliRunner().invoke(cli, ["--db", str(demo / "demo.db"), *args])
    assert result.exit_code == 0, result.output
    return result.output


def printed_sheets(demo, tmp_path) -> dict[str, list[list[str]]]:
    """Every sheet of the demo's report as LibreOffice prints its cells (formatted text)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                    "--outdir", str(tmp_path / "csv"), str(demo / "progress-2008.xlsx")],
                   check=True, capture_output=True, timeout=600)
    return {path.stem.removeprefix("progress-2008-"): list(csv.reader(path.open(encoding="utf-8")))
            for path in (tmp_path / "csv").glob("*.csv")}


def test_summary_shows_every_figure_as_the_report_prints_it(demo, tmp_path):
    economies = printed_sheets(demo, tmp_path)["Economies"]
    header = economies[0]
    coverage, rate, change = (header.index(title) for title in ("Coverage", "Implementation rate", "Change since 2007"))
    printed = {row[0]: (row[coverage], row[rate], row[change]) for row in economies[1:]
               if row and re.fullmatch(r"[A-Z]{3}", row[0])}
    printed_region = next((row[coverage], row[rate], row[change]) for row in economies if row and len(row) > 1
                          and row[1].startswith("Region-wide"))
    lines = tracker_output(demo, "summary", "--year", "2008").splitlines()
    summary = {}
    for line in lines:
        match = re.match(r"([A-Z]{3})\s.*?\s\d+\s+(?:(\S+%|n/a)\s+)?(\S+%|no return)\s+(\S+ pp|-)$", line)
        if match:
            summary[match[1]] = (match[2] or "", match[3], match[4])
    assert len(summary) == 21 and summary.keys() == printed.keys()
    for code, shown_figures in summary.items():
        if shown_figures[1] == "no return":  # neither a coverage nor a rate, in the text as in print
            assert printed[code] == ("", "", "") and shown_figures[0] == "", code
        else:
            # no change to show (no return the year before): "-" in the text table, a blank cell in print
            assert shown_figures == printed[code][:2] + (printed[code][2] or "-",), code
    region = re.match(r"\s+Region-wide .* (\S+%)\s+(\S+%)\s+(\S+ pp)$", next(l for l in lines if "Region-wide" in l))
    assert region.groups() == printed_region


def test_json_keeps_the_exact_rate(demo):
    rows = json.loads(tracker_output(demo, "summary", "--year", "2008", "--json"))
    chile = next(row for row in rows if row["code"] == "CHL")
    assert chile["implementation_rate"] == pytest.approx(56.25 / 100)
    assert shown(chile["implementation_rate"]) == "56.3%"
