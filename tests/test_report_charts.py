"""The report's charts read back: each draws the cells it says it draws, on one scale, and leaves
out what has no figure."""

import pytest

from test_report import recorded, report, rows_of  # noqa: F401 (fixtures)


def title_of(chart) -> str:
    return "".join(run.t for paragraph in chart.title.tx.rich.p for run in paragraph.r or [])


@pytest.fixture(autouse=True)
def one_backend(target):
    """Skipped before the report is built: the figures the charts draw are tested on both backends."""
    if "://" in target:
        pytest.skip("one backend is enough for the charts' layout")


def test_trend_small_multiples_one_panel_per_economy_on_one_scale(report):
    trend = rows_of(report["Trend"])
    assert trend[0][2:] == ["2005", "2006", "2007", "2008"] and trend[22][1] == "Region-wide"
    ws = report["Trend chart"]
    key_rows = int(ws.print_title_rows.split(":")[1].lstrip("$"))
    assert ws.freeze_panes == f"A{key_rows + 1}" and "same scale in every panel" in ws["A1"].value + ws["A2"].value
    assert len(ws._charts) == 21
    widths = set()
    for index, chart in enumerate(ws._charts):
        code, name = trend[1 + index][:2]
        no_return = "" if trend[1 + index][5] is not None else "no return for 2008"
        assert title_of(chart).replace("\n", "") == f"{name} ({code}){no_return}", "a missing last year is said"
        region, own = chart.series
        assert region.tx.v == "Region-wide" and region.val.numRef.f == "Trend!$C$23:$F$23", "the same in every panel"
        assert own.tx.strRef.f == f"Trend!$A${index + 2}" and own.val.numRef.f == f"Trend!$C${index + 2}:$F${index + 2}"
        assert {region.cat.numRef.f, own.cat.numRef.f} == {"Trend!$C$1:$F$1"}
        assert (chart.y_axis.scaling.min, chart.y_axis.scaling.max) == (0, 1), "one scale for all"
        assert region.spPr.ln.solidFill.srgbClr == "000000" and region.spPr.ln.w > own.spPr.ln.w, "region-wide stands out"
        assert not region.smooth and not own.smooth
        place = chart.anchor._from
        assert (place.row, place.col) == (key_rows + index // 3, index % 3), "a grid, three across"
        widths.add(chart.anchor.to.col - place.col)
    assert widths == {0}, "each panel inside its cell, so a page break never cuts one"
    assert ws.row_dimensions[key_rows + 1].height == ws.row_dimensions[key_rows + 7].height > 100
    assert ws.page_setup.orientation == "portrait" and ws.print_area == "'Trend chart'!$A$1:$C$10"


def test_rates_chart_leaves_out_the_economies_with_no_return(report):
    (chart,) = report["Rates chart"]._charts
    title = title_of(chart)
    assert "the 3 economies that returned" in title and "18 with no return are not shown" in title
    (series,) = chart.series
    assert series.cat.numRef.f == "Economies!$B$2:$B$4" and series.val.numRef.f == "Economies!$K$2:$K$4"
    economies = rows_of(report["Economies"], 2)
    assert all(isinstance(row[10], float) for row in economies[:3]) and economies[3][10] == "No return"
    assert pytest.approx(sorted((row[10] for row in economies[:3]), reverse=True)) == [row[10] for row in economies[:3]]


def test_many_years_give_wider_panels_with_every_year_labelled(tracker, tmp_path):
    from openpyxl import load_workbook

    for year in range(2002, 2015):
        tracker("record", "CHL", "LC02-1", "--year", str(year), "--status", "planned")
    tracker("report", "--year", "2015", "--out", str(tmp_path / "report.xlsx"))
    ws = load_workbook(tmp_path / "report.xlsx")["Trend chart"]
    assert [chart.anchor._from.col for chart in ws._charts[:3]] == [0, 1, 0], "14 years: two panels across"
    assert {chart.x_axis.txPr.bodyPr.rot for chart in ws._charts} == {-5400000}, "year labels upright"
    assert {chart.x_axis.tickLblSkip for chart in ws._charts} == {1}, "every year labelled"
