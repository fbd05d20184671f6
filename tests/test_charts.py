"""Every chart builds from the compute frames and serialises to a valid vega-lite spec."""

from __future__ import annotations

from datetime import datetime

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils.data import to_values
from hypothesis import given, settings
from hypothesis import strategies as st

import okrlib
from okrlib import charts, impact, kpi, review
from okrlib._chart_records import MAX_ROWS, records


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
        transformer = alt.data_transformers.active
    finally:
        formatter.mimebundle_formatter.pop(alt.TopLevelMixin, None)
        alt.data_transformers.enable("default")
        alt.renderers.enable("default")
    assert transformer == ("okrlib" if report_kernel else "default")
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


@pytest.fixture
def okrlib_charts(monkeypatch):
    """charts.enable() as in a report kernel, undone afterwards."""
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    monkeypatch.setenv("OKRLIB_REPORT", "1")
    charts.enable()
    yield
    formatter.mimebundle_formatter.pop(alt.TopLevelMixin, None)
    alt.data_transformers.enable("default")
    alt.renderers.enable("default")


def test_charts_specs_are_the_same_with_okrlib_records(sample, snap, okrlib_charts) -> None:
    quarter_start, quarter_end = okrlib.quarter_bounds(snap.quarter)
    weekly = kpi.aggregate(sample.kpi_history, sample.kpis, "week")
    kpi_row = sample.kpis.iloc[0]
    results = impact.impact(sample, snap.quarter, snap.as_of)
    row = results[results["effect"].notna()].iloc[0]
    kr = snap.key_results[snap.key_results["kr_id"] == snap.checkins["kr_id"].iloc[0]].iloc[0]
    grades, _, _ = review.grade_distribution(sample)
    _, bands = review.calibration(review.graded_confidence(sample))
    built = [
        charts.objective_scorecard(snap.objectives),
        charts.kr_progress_chart(snap.key_results),
        charts.team_comparison_chart(snap.teams, snap.expected_progress),
        charts.checkin_chart(
            snap.checkins[snap.checkins["kr_id"] == kr.kr_id], kr, quarter_start, quarter_end
        ),
        charts.kpi_trend_chart(
            weekly[weekly["kpi_id"] == kpi_row["kpi_id"]], kpi_row, charts.quarter_shading([snap.quarter])
        ),
        charts.impact_chart(
            impact.impact_series(sample, snap.quarter, row.kpi_id, row.segment, snap.as_of), row, None
        ),
        charts.calibration_chart(bands),
        charts.grade_distribution_chart(grades),
        charts.team_scores_chart(grades),
    ]
    assert alt.data_transformers.active == "okrlib"  # in report kernels only
    ours = [chart.to_dict() for chart in built]
    with alt.data_transformers.enable("default"):
        assert ours == [chart.to_dict() for chart in built]
    assert sum(len(rows) for spec in ours for rows in spec["datasets"].values()) > 500


def _optional(values: st.SearchStrategy, size: int) -> st.SearchStrategy:
    return st.lists(st.one_of(st.none(), values), min_size=size, max_size=size)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_records_are_altairs_records(data) -> None:
    """Value for value what altair's own transformer gives, whichever path a frame takes."""
    size = data.draw(st.integers(0, 5))
    whole_seconds = st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    )
    moments = (
        whole_seconds
        if data.draw(st.booleans())
        else st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1))
    )
    text = st.text(max_size=4)
    frame = pd.DataFrame(
        {
            "float": pd.Series(data.draw(_optional(st.floats(), size)), dtype="float64"),
            "int": pd.Series(
                data.draw(st.lists(st.integers(-(2**62), 2**62), min_size=size, max_size=size)), dtype="int64"
            ),
            "bool": pd.Series(data.draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype="bool"),
            "str": pd.Series(data.draw(_optional(text, size)), dtype="str"),
            "object": pd.Series(data.draw(st.lists(text, min_size=size, max_size=size)), dtype=object),
            "category": pd.Series(data.draw(_optional(st.sampled_from("abc"), size)), dtype="category"),
            "date": pd.Series(data.draw(_optional(moments, size)), dtype="datetime64[us]"),
        }
    )
    columns = data.draw(st.lists(st.sampled_from(list(frame.columns)), min_size=1, max_size=4, unique=True))
    assert records(frame[columns]) == to_values(frame[columns])


def test_records_leave_other_frames_to_altair() -> None:
    nested = pd.DataFrame({"a": [np.array([1, 2])], "b": [pd.Timestamp("2026-07-01", tz="UTC")]})
    assert (
        records(nested) == to_values(nested) == {"values": [{"a": [1, 2], "b": "2026-07-01T00:00:00+00:00"}]}
    )
    assert records({"values": [{"a": 1}]}) == {"values": [{"a": 1}]}
    with pytest.raises(alt.MaxRowsError):
        records(pd.DataFrame({"a": range(MAX_ROWS + 1)}))
    assert records(max_rows=None)(pd.DataFrame({"a": range(MAX_ROWS + 1)}))["values"][-1] == {"a": MAX_ROWS}
