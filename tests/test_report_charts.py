"""The report's charts read back: each draws the cells of the Chart data sheet it says it draws,
on one scale, leaves out what has no figure, and never joins two years measured on different bases."""

import pytest

from test_report import recorded, report, rows_of  # noqa: F401 (fixtures)


def title_of(chart) -> str:
    return "".join(run.t for paragraph in chart.title.tx.rich.p for run in paragraph.r or [])


@pytest.fixture(autouse=True)
def one_backend(target):
    """Skipped before the report is built: the figures the charts draw are tested on both backends."""
    if "://" in target:
        pytest.skip("one backend is enough for the charts' layout")


def test_rates_chart_bars_in_rate_order_against_the_region(report):
    (chart,) = report["Rates chart"]._charts
    title = title_of(chart)
    assert "against the region-wide rate" in title and "18 with no return are not shown" in title
    (bars,) = chart.series
    assert (bars.cat.strRef or bars.cat.numRef).f == "'Chart data'!$A$2:$A$4"
    assert bars.val.numRef.f == "'Chart data'!$B$2:$B$4"
    data = rows_of(report["Chart data"])
    assert data[0][:3] == ["Economy", "Implementation rate", "Region-wide rate"]
    rates = [row[1] for row in data[1:4]]
    assert rates == sorted(rates, reverse=True) and data[4][1] is None
    economies = {r[1]: r[10] for r in rows_of(report["Economies"], 2) if r[0] and r[1]}
    assert [economies[row[0]] for row in data[1:4]] == [pytest.approx(rate, abs=5e-4) for rate in rates]
    region = next(r for r in rows_of(report["Economies"], 2) if r[0] is None and r[1])[10]
    assert [row[2] for row in data[1:4]] == [pytest.approx(region, abs=5e-4)] * 3, "one reference value across"


def test_statuses_chart_short_labels_and_a_legend_only_for_what_occurs(report):
    (chart,) = report["Statuses chart"]._charts
    data = rows_of(report["Chart data"])
    names = [s.tx.strRef.f for s in chart.series]
    columns = [data[0][4 + 1 + n] for n in range(len(names))]
    assert names == [f"'Chart data'!${chr(ord('F') + n)}$1" for n in range(len(names))]
    occurring = {key for r in data[1:] for key, count in zip(data[0][5:12], r[5:12]) if key and count}
    assert set(columns) == occurring, "a series (and a legend entry) only for the statuses that occur"
    labels = [row[4] for row in data[1:] if row[4]]
    assert "LC02-1 Cybercrime laws by October 2003" in labels and all(len(label) < 60 for label in labels)


def test_trend_chart_draws_each_basis_apart(report):
    (chart,) = report["Trend chart"]._charts
    title = title_of(chart)
    assert "not joined where the basis changed (" in title and "2008" in title
    data = rows_of(report["Chart data"])
    header = data[0]
    years = [row[13] for row in data[1:] if row[13]]
    assert years == ["2005", "2006", "2007", "2008"]
    segments = [name for name in header[14:] if name and name.startswith("Region-wide")]
    assert segments[-1] == "Region-wide 2008", "the report's year starts a line of its own: its basis changed"
    for column, name in enumerate(segments, start=14):
        values = [row[column] for row in data[1:1 + len(years)]]
        first, last = name.removeprefix("Region-wide ").split("–") if "–" in name else (name[-4:],) * 2
        drawn = [y for y, v in zip(years, values) if v is not None]
        assert set(drawn) <= set(map(str, range(int(first), int(last) + 1))), "no line crosses a break"
    like = header.index("Like for like")
    assert [row[like] is not None for row in data[1:5]] == [False, False, True, True]
    assert len(chart.series) == len(segments) + 1
    deleted = {entry.idx for entry in chart.legend.legendEntry if entry.delete}
    assert deleted == set(range(1, len(segments))), "one legend entry for the region-wide rate, however many stretches"
    assert chart.series[0].tx.v.startswith("Region-wide rate, not joined where the basis changed")
    region = next(r for r in rows_of(report["Economies"], 2) if r[0] is None and r[1])
    change = "0.0 pp" if region[11] == 0 else f"{region[11]:+.1f} pp"
    assert chart.series[-1].tx.v == f"Like for like 2007–2008: {change}, from the unrounded rates", (
        "the change the sheets state, beside the two rounded points that need not differ by exactly as much")
