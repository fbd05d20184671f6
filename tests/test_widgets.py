"""The widget panels, driven programmatically: set a value, check what was recomputed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from okrlib.analysis import kpi, whatif
from okrlib.presentation import charts, widgets

KR = "sales-26q3-pipeline-kr2"  # weight 1 of 4 in sales-26q3-pipeline


@pytest.fixture
def meeting(sample) -> widgets.ReviewMeeting:
    panel = widgets.ReviewMeeting(sample, "2026-Q3", "Sales")
    assert panel.objective.value == "sales-26q3-pipeline" and KR in panel.sliders  # nothing vacuous
    return panel


def chart_data(chart) -> pd.DataFrame:
    """The frame behind a chart (altair hoists shared data to the layer chart)."""
    return chart.data if isinstance(chart.data, pd.DataFrame) else chart.layer[0].data


def objective_row(panel, objective_id: str = "sales-26q3-pipeline") -> pd.Series:
    return panel.objectives.set_index("objective_id").loc[objective_id]


def test_what_if_to_target_marks_done_and_raises_objective_by_weighted_amount(meeting) -> None:
    before_kr = meeting.key_results.set_index("kr_id").loc[KR]
    before = objective_row(meeting)["progress"]
    meeting.sliders[KR].value = before_kr["target"]
    after_kr = meeting.key_results.set_index("kr_id").loc[KR]
    assert after_kr["status"] == "done" and after_kr["progress"] == 1.0
    # weights 2, 1, 1: the objective rises by 1 * (1 - old progress) / 4
    assert objective_row(meeting)["progress"] == pytest.approx(before + (1 - before_kr["progress"]) / 4)
    bars = chart_data(meeting.progress_chart).set_index("label")
    assert bars.filter(like="Build a pipeline", axis=0)["progress"].iloc[0] == pytest.approx(
        objective_row(meeting)["progress"]
    )
    detail = chart_data(meeting.detail_chart).set_index("kr_id")
    assert detail.loc[KR, "status"] == "done"
    assert "The data files are unchanged" in meeting.what_if_view.value


def test_target_override_changes_progress(meeting) -> None:
    row = meeting.key_results.set_index("kr_id").loc[KR]
    meeting.targets[KR].value = row["current"]  # the target is now where we stand
    assert meeting.key_results.set_index("kr_id").loc[KR, "progress"] == 1.0
    assert meeting.target_overrides == {KR: row["current"]}


def test_reset_restores_the_loaded_state(meeting, sample) -> None:
    loaded = meeting.objectives.copy()
    meeting.sliders[KR].value = meeting.sliders[KR].max
    meeting.targets[KR].value = 1.0
    meeting.reset.click()
    pd.testing.assert_frame_equal(meeting.objectives, loaded)
    assert meeting.current_overrides == {} and meeting.target_overrides == {}
    assert meeting.sliders[KR].value == pytest.approx(
        meeting.snapshot.key_results.set_index("kr_id").loc[KR, "current"]
    )


def test_picking_team_quarter_and_objective_recomputes(meeting) -> None:
    meeting.team.value = "Marketing"
    assert set(meeting.objectives["team"]) == {"Marketing"}
    assert meeting.objective.value.startswith("mkt-26q3")
    meeting.objective.value = "mkt-26q3-brand"
    assert set(meeting.sliders) == {"mkt-26q3-brand-kr1", "mkt-26q3-brand-kr2"}
    assert set(chart_data(meeting.detail_chart)["kr_id"]) == set(meeting.sliders)
    meeting.quarter.value = pd.Period("2026Q4", freq="Q")
    assert str(meeting.snapshot.quarter) == "2026Q4" and meeting.team.value == "Marketing"
    meeting.team.value = widgets.COMPANY
    assert meeting.team_name is None and meeting.objectives["team"].nunique() == 6


def test_team_dropdown_shows_its_value(sample) -> None:
    # a dropdown whose value is None shows nothing: the company's entry has a value of its own
    company = widgets.ReviewMeeting(sample, "2026-Q3")
    assert company.team.index == 0 and company.team.label == widgets.COMPANY
    assert company.team_name is None and company.objectives["team"].nunique() == 6
    sales = widgets.ReviewMeeting(sample, "2026-Q3", "Sales")
    assert sales.team.label == "Sales" and sales.team_name == "Sales"


def test_dropdowns_are_as_wide_as_their_longest_name(sample, meeting) -> None:
    explorer = widgets.KpiExplorer(sample)
    for dropdown in (explorer.kpi, explorer.leading, explorer.lagging, meeting.objective, meeting.team):
        assert dropdown.layout.width == "max-content", dropdown.description
    assert "Support first-response time (support_response_time)" in dict(explorer.kpi.options)


def test_sliders_carry_the_key_results_names_and_readable_values(meeting) -> None:
    krs = meeting.key_results[meeting.key_results["objective_id"] == meeting.objective.value]
    assert len(meeting.sliders) == len(krs) == 3
    for kr in krs.itertuples():
        slider = meeting.sliders[kr.kr_id]
        assert slider.description == kr.key_result and not slider.readout
        assert "e+" not in meeting.readouts[kr.kr_id].value
    assert meeting.readouts[KR].value == f"<b>${meeting.sliders[KR].value:,.0f}</b>"  # not 8.451e+5
    meeting.sliders[KR].value = 894000.0
    assert meeting.readouts[KR].value == "<b>$894,000</b>"
    assert widgets._amount(92.5, "%", "at_least") == "92.5%"
    assert widgets._amount(12, "deals", "increase") == "12 deals"
    assert widgets._amount(0.5, None, "milestone") == "50% done"


def test_forecast_grade_follows_a_what_if(sample) -> None:
    # the case: lifting the pipeline's EMEA MRR takes the objective from 49.3% to 66.2%
    panel = widgets.ReviewMeeting(sample, "2026-Q4", "Sales")
    objective, kr = "sales-26q4-pipeline", "sales-26q4-pipeline-kr2"
    panel.objective.value = objective
    assert objective_row(panel, objective)["progress"] == pytest.approx(0.493, abs=5e-4)
    assert objective_row(panel, objective)["forecast_grade"] == pytest.approx(0.8)
    assert "forecast grade <b>0.8</b>" in panel.what_if_view.value
    row = panel.key_results.set_index("kr_id").loc[kr]
    # weight 1 of 4: the key result's progress rises by 4 * (66.2% - 49.3%)
    lifted = row["progress"] + 4 * (0.662 - objective_row(panel, objective)["progress"])
    panel.sliders[kr].value = row["start"] + lifted * (row["target"] - row["start"])
    assert objective_row(panel, objective)["progress"] == pytest.approx(0.662)
    # its trend (862,677 projected at 845,106 now) moves with the edit, past the target
    assert objective_row(panel, objective)["forecast_grade"] == pytest.approx(1.0)
    assert "forecast grade <b>1.0</b>" in panel.what_if_view.value
    assert ">1.0<" in panel.objectives_view.value


def test_sliders_are_debounced(meeting) -> None:
    # applied on release: the pipeline's three sliders, and the two built for another objective
    assert [slider.continuous_update for slider in meeting.sliders.values()] == [False] * 3
    meeting.objective.value = "sales-26q3-expansion"
    assert [slider.continuous_update for slider in meeting.sliders.values()] == [False] * 2


def test_what_if_function_by_hand(sample) -> None:
    from okrlib import quarter_snapshot

    snap = quarter_snapshot(sample, "2026-Q3", team="Sales")
    result = whatif.what_if(snap, current={KR: 894000.0})
    objective = result.objectives.set_index("objective_id").loc["sales-26q3-pipeline"]
    assert objective["progress"] == pytest.approx((2 * 1 + 1 * 1 + 1 * 0.5) / 4)
    assert objective["grade"] == pytest.approx(0.9)  # 0.875 half-up
    untouched = whatif.what_if(snap)
    pd.testing.assert_series_equal(untouched.objectives["progress"], snap.objectives["progress"])
    krs = untouched.key_results.set_index("kr_id")
    forecast = snap.forecast.set_index("kr_id")
    assert krs.loc[KR, "forecast_progress"] == pytest.approx(forecast.loc[KR, "projected_progress"])
    # the edit (826,100 to 894,000) moves the projection by as much
    row = snap.key_results.set_index("kr_id").loc[KR]
    moved = forecast.loc[KR, "projected_value"] + 894000.0 - row["current"]
    expected = np.clip((moved - row["start"]) / (row["target"] - row["start"]), 0, 1)
    edited = result.key_results.set_index("kr_id")
    assert edited.loc[KR, "forecast_progress"] == pytest.approx(expected)
    others = krs.index != KR
    pd.testing.assert_series_equal(
        edited.loc[others, "forecast_progress"], krs.loc[others, "forecast_progress"]
    )


def test_explorer_updates_trend_segments_and_linked_krs(sample) -> None:
    explorer = widgets.KpiExplorer(sample, "mrr")
    assert set(explorer.series["segment"]) == {"all"}
    assert set(explorer.linked["kpi_id"]) == {"mrr"} and len(explorer.linked) == 10
    shaded = explorer.trend_chart.layer[0].data
    assert list(shaded["label"]) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    explorer.segments.value = ("emea", "apac")
    assert set(explorer.series["segment"]) == {"emea", "apac"}
    explorer.period.value = "month"
    assert explorer.series["period"].iloc[0].freqstr == "M"
    explorer.start.value = pd.Timestamp("2026-01-01").date()
    assert explorer.series["period_start"].min() == pd.Timestamp("2026-01-01")
    explorer.kpi.value = "nps"
    assert explorer.segments.value == ("all",) and set(explorer.linked["kpi_id"]) == {"nps"}
    explorer.trend_chart.to_dict()  # serialisable for the front end


def test_explorer_compares_leading_and_lagging(sample) -> None:
    explorer = widgets.KpiExplorer(sample)
    explorer.leading.value, explorer.lagging.value = "support_response_time", "churn_rate"
    assert list(explorer.correlations["lag"]) == list(range(9))
    weekly = kpi.aggregate(sample.kpi_history[sample.kpi_history.segment == "all"], sample.kpis, "week")
    a = weekly[weekly.kpi_id == "support_response_time"].set_index("period")["value"]
    b = weekly[weekly.kpi_id == "churn_rate"].set_index("period")["value"]
    expected = a.corr(pd.Series(b.to_numpy(), index=b.index - 3))
    assert explorer.correlations.loc[3, "correlation"] == pytest.approx(expected)
    explorer.pair_chart.to_dict()
    explorer.correlation_chart.to_dict()


def test_lagged_correlation_finds_a_known_lag() -> None:
    periods = pd.period_range("2025-01-06", periods=60, freq="W")
    rng = np.random.default_rng(1)
    driver = rng.normal(size=60)
    leading = pd.DataFrame({"period": periods, "value": driver})
    lagging = pd.DataFrame({"period": periods, "value": np.roll(driver, 3)})  # trails by 3 weeks
    result = kpi.lagged_correlation(leading, lagging, max_lag=8)
    assert result.loc[result["correlation"].idxmax(), "lag"] == 3
    assert result.loc[3, "correlation"] == pytest.approx(1.0)
    assert result.loc[3, "pairs"] == 57


def test_chart_colours_are_one_scheme() -> None:
    assert set(charts.STATUS_COLORS) == {"done", "on_track", "at_risk", "off_track", "missed", "no_data"}
    assert (
        charts.STATUS_COLORS["off_track"]
        == charts.VERDICT_COLORS["worsened"]
        == charts.HEALTH_COLORS["critical"]
    )


def test_panels_reuse_their_chart_widgets(sample, monkeypatch) -> None:
    import altair as alt
    import IPython
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setattr(IPython, "get_ipython", InteractiveShell.instance)  # panels show only in IPython
    explorer = widgets.KpiExplorer(sample)
    shown = list(explorer.compare_view.chart_widgets)
    assert len(shown) == 2 and all(isinstance(w, alt.JupyterChart) for w in shown)
    explorer.period.value = "month"
    # the same widgets with the new charts: the front end gets no second vega bundle
    assert explorer.compare_view.chart_widgets == shown
    assert shown[0].chart is explorer.pair_chart and shown[1].chart is explorer.correlation_chart
    meeting = widgets.ReviewMeeting(sample, "2026-Q3", "Sales")
    before = list(meeting.detail_view.chart_widgets)
    meeting.objective.value = "sales-26q3-expansion"
    after = meeting.detail_view.chart_widgets
    kept = len(after)
    assert len(before) == 4 and kept == 3  # progress and check-ins of 3 key results, then of 2
    assert after[:kept] == before[:kept] and after[0].chart is meeting.detail_chart
    assert all(w.comm is None for w in before[kept:])  # the ones no longer needed are closed
    for widget in (*shown, *after, *meeting.progress_view.chart_widgets, *explorer.trend_view.chart_widgets):
        widget.close()
