"""Every chart builds from the compute frames and serialises to a valid vega-lite spec."""

from __future__ import annotations

import altair as alt
import pytest

import okrlib
from okrlib import charts, impact, kpi, review


@pytest.fixture(autouse=True)
def channel_objects_only(monkeypatch) -> None:
    """Chart functions pass channel objects (``alt.X("f:Q")``), never shorthand strings or
    ``alt.value`` dicts: altair turns each of those into a channel by re-hashing its whole
    schema (about 10 ms per string, a third of a report's chart time)."""
    cache = alt.utils.core._ChannelCache
    wrap = cache._wrap_in_channel

    def strict(self, obj, encoding):
        items = obj if isinstance(obj, list | tuple) else [obj]
        assert all(isinstance(item, alt.SchemaBase) for item in items), f"{encoding}={obj!r}"
        return wrap(self, obj, encoding)

    monkeypatch.setattr(cache, "_wrap_in_channel", strict)


@pytest.fixture(scope="module")
def snap(sample) -> okrlib.QuarterSnapshot:
    return okrlib.quarter_snapshot(sample, "2026-Q3", team="Operations")


def spec(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict()  # validates against the vega-lite schema


def test_progress_charts(snap) -> None:
    bars = spec(charts.kr_progress_chart(snap.key_results))
    assert bars["title"] == "Key-result progress"
    assert bars["layer"][0]["encoding"]["color"]["scale"]["range"] == list(charts.STATUS_COLORS.values())
    assert bars["layer"][1]["mark"]["type"] == "tick"  # the expected-progress marker
    score = spec(charts.objective_scorecard(snap.objectives))
    assert any(layer["mark"]["type"] == "text" for layer in score["layer"])  # grade labels
    spec(charts.team_comparison_chart(snap.teams, snap.expected_progress))


def test_kpi_trend_chart_has_quarter_target_and_units(sample, snap) -> None:
    weekly = kpi.aggregate(sample.kpi_history, sample.kpis, "week")
    row = sample.kpis[sample.kpis["kpi_id"] == "on_time_delivery_rate"].iloc[0]
    chart = spec(
        charts.kpi_trend_chart(
            weekly[weekly.kpi_id == row["kpi_id"]], row, charts.quarter_shading([snap.quarter])
        )
    )
    assert [layer["mark"]["type"] for layer in chart["layer"]] == ["rect", "line", "rule"]
    assert chart["layer"][1]["encoding"]["y"]["title"] == "On-time delivery rate (%)"


def test_impact_and_checkin_charts(sample, snap) -> None:
    results = impact.impact(sample, "2026-Q3", team="Operations").set_index("kr_id", drop=False)
    row = results.loc["ops-26q3-delivery-kr1"]
    series = impact.impact_series(sample, "2026-Q3", row["kpi_id"], row["segment"])
    chart = spec(charts.impact_chart(series, row, "%"))
    assert chart["title"]["text"] == "ops-26q3-delivery-kr1: improved"
    kr = snap.key_results.set_index("kr_id", drop=False).loc["ops-26q3-delivery-kr1"]
    start, end = okrlib.quarter_bounds("2026-Q3")
    checkins = snap.checkins[snap.checkins.kr_id == kr["kr_id"]]
    assert spec(charts.checkin_chart(checkins, kr, start, end))["layer"][0]["mark"]["strokeDash"] == [6, 4]


def test_review_and_kpi_pair_charts(sample) -> None:
    _, bands = review.calibration(review.graded_confidence(sample))
    assert spec(charts.calibration_chart(bands))["layer"][0]["mark"]["strokeDash"] == [4, 3]
    grades, _, _ = review.grade_distribution(sample)
    assert spec(charts.grade_distribution_chart(grades))["layer"][1]["encoding"]["color"] == {
        "value": "#2166ac"
    }
    spec(charts.team_scores_chart(grades))
    history = sample.kpi_history[sample.kpi_history["segment"] == "all"]
    weekly = kpi.aggregate(history, sample.kpis, "week")
    leading, lagging = (weekly[weekly["kpi_id"] == k] for k in sample.kpis["kpi_id"].iloc[:2])
    names = ("leading", "lagging")
    spec(charts.kpi_pair_chart(leading, lagging, names))
    spec(charts.correlation_chart(kpi.lagged_correlation(leading, lagging), names))


@pytest.mark.parametrize("report_kernel", [False, True])
def test_charts_display_their_spec_and_report_kernels_only_the_spec(snap, monkeypatch, report_kernel) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    if report_kernel:
        monkeypatch.setenv("OKRLIB_REPORT", "1")
    chart = charts.kr_progress_chart(snap.key_results)
    try:
        charts.enable()
        bundle, _ = formatter.format(chart)
    finally:
        formatter.mimebundle_formatter.pop(alt.TopLevelMixin, None)
    assert bundle[charts.VEGALITE_MIMETYPES[0]] == spec(chart)
    assert ("text/html" in bundle) is not report_kernel  # JupyterLab also gets altair's own HTML
