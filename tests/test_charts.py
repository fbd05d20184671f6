"""Every chart builds from the compute frames and serialises to a valid vega-lite spec."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

import okrlib
from okrlib.analysis import impact, kpi, review
from okrlib.presentation import charts


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


def test_progress_charts(snap, sample) -> None:
    running = okrlib.quarter_snapshot(sample, "2026-Q4", "2026-11-20", team="Operations")
    bars = spec(charts.kr_progress_chart(running.key_results))
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
    assert chart["title"]["text"] == f"{results.loc['ops-26q3-delivery-kr1', 'key_result']}: its KPI improved"
    kr = snap.key_results.set_index("kr_id", drop=False).loc["ops-26q3-delivery-kr1"]
    start, end = okrlib.quarter_bounds("2026-Q3")
    checkins = snap.checkins[snap.checkins.kr_id == kr["kr_id"]]
    assert spec(charts.checkin_chart(checkins, kr, start, end))["layer"][0]["mark"]["strokeDash"] == [6, 4]


def test_review_and_kpi_pair_charts(sample) -> None:
    _, bands = review.calibration(review.graded_confidence(sample))
    assert spec(charts.calibration_chart(bands))["layer"][0]["mark"]["strokeDash"] == [4, 3]
    grades, _, _ = review.grade_distribution(sample)
    assert spec(charts.grade_distribution_chart(grades))["layer"][1]["encoding"]["color"]["field"] == "team"
    spec(charts.team_scores_chart(grades))
    history = sample.kpi_history[sample.kpi_history["segment"] == "all"]
    weekly = kpi.aggregate(history, sample.kpis, "week")
    leading, lagging = (weekly[weekly["kpi_id"] == k] for k in sample.kpis["kpi_id"].iloc[:2])
    names = ("leading", "lagging")
    spec(charts.kpi_pair_chart(leading, lagging, names))
    spec(charts.correlation_chart(kpi.lagged_correlation(leading, lagging), names))


def _layers(chart: dict) -> list[dict]:
    """Every unit spec of a (nested) layer chart."""
    return [
        unit
        for layer in chart.get("layer", [chart])
        for unit in (_layers(layer) if "layer" in layer else [layer])
    ]


def _y_titles(chart: dict) -> set:
    return {
        layer["encoding"]["y"].get("title") for layer in _layers(chart) if "y" in layer.get("encoding", {})
    }


def test_checkin_charts_title_their_axis_in_words(sample) -> None:
    """A milestone's check-ins are the fraction done; a key result without a unit is titled ``value``."""
    start, end = okrlib.quarter_bounds("2025-Q4")
    krs = sample.key_results.set_index("kr_id", drop=False)
    milestone = krs.loc["sales-25q4-pipeline-kr3"]
    assert milestone["kr_type"] == "milestone" and pd.isna(milestone["unit"])
    checkins = sample.checkins[sample.checkins["kr_id"] == milestone["kr_id"]]
    chart = spec(charts.checkin_chart(checkins, milestone, start, end))
    assert _y_titles(chart) - {None} == {"done (%)"}
    assert chart["layer"][-1]["encoding"]["y"]["axis"]["format"] == "%"
    no_unit = krs[(krs["kr_type"] != "milestone")].iloc[0].copy()
    no_unit["unit"] = float("nan")
    checkins = sample.checkins[sample.checkins["kr_id"] == no_unit["kr_id"]]
    assert _y_titles(spec(charts.checkin_chart(checkins, no_unit, start, end))) - {None} == {"value"}


def test_kpi_thresholds_never_share_a_colour_with_a_segment(sample) -> None:
    weekly = kpi.aggregate(sample.kpi_history, sample.kpis, "week")
    row = sample.kpis.set_index("kpi_id", drop=False).loc["website_conversion_rate"]
    series = weekly[weekly["kpi_id"] == row["kpi_id"]]
    assert series["segment"].nunique() == 4
    chart = spec(charts.kpi_trend_chart(series, row))
    line = next(layer for layer in _layers(chart) if layer["mark"]["type"] == "line")
    segment_colors = line["encoding"]["color"]["scale"]["range"]
    assert len(segment_colors) >= series["segment"].nunique()  # no colour used twice
    thresholds = [layer for layer in _layers(chart) if layer["mark"]["type"] == "rule"]
    assert len(thresholds) == 1
    threshold_colors = {layer["mark"]["color"] for layer in thresholds}
    assert threshold_colors and not threshold_colors & set(segment_colors)
    assert all("color" not in layer["encoding"] for layer in thresholds)
    dashes = thresholds[0]["encoding"]["strokeDash"]  # told apart by their dashes, named in a legend
    assert dashes["title"] == "Line" and dashes["scale"]["domain"] == ["target", "warn", "critical"]
    assert len({tuple(d) for d in dashes["scale"]["range"]}) == 3


def test_a_team_has_one_colour_in_every_chart(sample) -> None:
    teams = sample.teams()
    assert "Company" in teams
    snapshot = okrlib.quarter_snapshot(sample, "2026-Q3", team="Sales")
    grades, _, _ = review.grade_distribution(sample)
    _, bands = review.calibration(review.graded_confidence(sample))
    built = {
        "comparison": charts.team_comparison_chart(snapshot.teams, snapshot.expected_progress, teams),
        "calibration": charts.calibration_chart(review.for_team(bands, "Sales"), teams),
        "grades": charts.grade_distribution_chart(review.for_team(grades, "Sales"), teams),
        "scores": charts.team_scores_chart(grades, teams),
    }
    expected = charts.team_colors(teams)
    assert list(expected) == sorted(teams) and len(set(expected.values())) == len(teams)
    for name, chart in built.items():
        scales = [
            layer["encoding"]["color"]["scale"]
            for layer in _layers(spec(chart))
            if layer.get("encoding", {}).get("color", {}).get("field") == "team"
        ]
        assert scales, name
        for scale in scales:
            assert dict(zip(scale["domain"], scale["range"], strict=True)) == expected, name
    # without the workbook's teams, the sorted teams shown
    alone = spec(charts.team_scores_chart(grades[grades["team"].isin(["Sales", "Company"])]))
    assert alone["encoding"]["color"]["scale"]["domain"] == ["Company", "Sales"]


def test_legends_and_tooltips_say_statuses_in_words(snap) -> None:
    for chart in (charts.kr_progress_chart(snap.key_results), charts.objective_scorecard(snap.objectives)):
        chart = spec(chart)
        color = chart["layer"][0]["encoding"]["color"]
        assert color["scale"]["domain"] == ["done", "on track", "at risk", "off track", "missed", "no data"]
        statuses = {row["status"] for rows in chart["datasets"].values() for row in rows}
        assert statuses and statuses <= set(color["scale"]["domain"])


@pytest.mark.parametrize("report_kernel", [False, True])
def test_charts_display_their_spec_and_report_kernels_only_the_spec(snap, report_kernel) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    chart = charts.kr_progress_chart(snap.key_results)
    try:
        charts.enable(report=report_kernel)
        bundle, _ = formatter.format(chart)
        transformer = alt.data_transformers.active
    finally:
        formatter.mimebundle_formatter.pop(alt.TopLevelMixin, None)
        alt.data_transformers.enable("default")
        alt.renderers.enable("default")
    assert transformer == "default"  # altair's own records, in JupyterLab and in report kernels
    assert bundle[charts.VEGALITE_MIMETYPES[0]] == spec(chart)
    # JupyterLab gets altair's chart widget, drawn with vega from vl-convert (altair's HTML
    # loaded vega from a CDN); report kernels the spec alone
    assert ("application/vnd.jupyter.widget-view+json" in bundle) is not report_kernel
    assert "text/html" not in bundle


def test_the_chart_widget_carries_vega_itself() -> None:
    widget = charts.chart_widget(alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_bar().encode(x=alt.X("x:Q")))
    try:
        assert widget.embed_options == {"renderer": "svg"}
        assert "cdn.jsdelivr" not in widget._esm and "esm.sh" not in widget._esm
        assert len(widget._esm) > 500_000  # vega, vega-lite and vega-embed, bundled
    finally:
        widget.close()


def test_an_ended_quarters_charts_show_nothing_expected(sample) -> None:
    ended = okrlib.quarter_snapshot(sample, "2026-Q3", "2026-09-30")
    running = okrlib.quarter_snapshot(sample, "2026-Q4", "2026-11-20")

    def marks(chart) -> list[str]:
        layers = chart.to_dict()["layer"]
        return [
            layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in layers
        ]

    assert "tick" not in marks(charts.kr_progress_chart(ended.key_results))
    assert "tick" not in marks(charts.objective_scorecard(ended.objectives))
    assert "rule" not in marks(charts.team_comparison_chart(ended.teams, None))
    assert "tick" in marks(charts.kr_progress_chart(running.key_results))
    assert "tick" in marks(charts.objective_scorecard(running.objectives))
    assert "rule" in marks(charts.team_comparison_chart(running.teams, running.expected_progress))


def test_chart_labels_lead_with_names_and_keep_repeated_names_apart() -> None:
    frame = pd.DataFrame(
        {"kr_id": ["a-1", "a-2", "a-3"], "key_result": ["Grow MRR", "Cut churn", "Grow MRR"]}
    )
    from okrlib.presentation._chart_style import _label

    assert _label(frame, "kr_id", "key_result").tolist() == ["Grow MRR (a-1)", "Cut churn", "Grow MRR (a-3)"]
