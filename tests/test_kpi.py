"""KPI aggregation, readings and health, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from okrlib.analysis import kpi


def frame(rows: list[tuple[str, str, float]], segment: str = "all") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime([r[0] for r in rows]).astype("datetime64[us]"),
            "kpi_id": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "segment": segment,
        }
    )


KPIS = pd.DataFrame(
    {
        "kpi_id": ["a", "b", "c"],
        "aggregation": ["sum", "mean", "last"],
        "direction": ["higher_is_better", "lower_is_better", "higher_is_better"],
        "name": ["A", "B", "C"],
        "unit": ["", "", ""],
        "target": [10.0, 2.0, None],
        "warn_threshold": [8.0, 3.0, None],
        "critical_threshold": [6.0, 4.0, None],
    }
)
HISTORY = frame(
    [
        ("2026-07-06", "a", 1),
        ("2026-07-08", "a", 2),
        ("2026-07-13", "a", 5),  # weeks of Jul 6 and Jul 13
        ("2026-07-06", "b", 2),
        ("2026-07-12", "b", 4),  # Sunday 12th is still week 1
        ("2026-07-06", "c", 1),
        ("2026-07-10", "c", 3),
        ("2026-07-07", "c", 9),  # unsorted: last by date is 3
    ]
)


def test_weekly_aggregation_by_each_rule() -> None:
    weeks = kpi.aggregate(HISTORY, KPIS, "week")
    values = {(r.kpi_id, str(r.period_start.date())): r.value for r in weeks.itertuples()}
    assert values == {
        ("a", "2026-07-06"): 3,
        ("a", "2026-07-13"): 5,
        ("b", "2026-07-06"): 3,
        ("c", "2026-07-06"): 3,
    }
    assert weeks.set_index("kpi_id").loc["b", "observations"] == 2


def test_monthly_and_quarterly_aggregation() -> None:
    months = kpi.aggregate(HISTORY, KPIS, "month").set_index("kpi_id")["value"]
    assert months.to_dict() == {"a": 8, "b": 3, "c": 3}
    quarters = kpi.aggregate(HISTORY, KPIS, "quarter")
    assert str(quarters["period"].iloc[0]) == "2026Q3"


def test_segments_aggregate_separately() -> None:
    both = pd.concat([HISTORY, frame([("2026-07-06", "a", 100)], segment="emea")])
    weeks = kpi.aggregate(both, KPIS, "week")
    assert weeks[(weeks.kpi_id == "a") & (weeks.segment == "emea")]["value"].tolist() == [100]
    assert weeks[(weeks.kpi_id == "a") & (weeks.segment == "all")]["value"].tolist() == [3, 5]


def test_readings_at_a_date() -> None:
    now = kpi.readings(HISTORY, KPIS, pd.Timestamp("2026-07-09"), pd.Timestamp("2026-07-07")).set_index(
        "kpi_id"
    )
    assert now.loc["a", "value"] == 2  # sum from the quarter start given (07-07) to as_of
    assert now.loc["b", "value"] == 2  # mean of the 28 days ending 07-09: only 07-06
    assert now.loc["c", "value"] == 9  # latest on or before 07-09 is 07-07's 9


@pytest.mark.parametrize(
    ("value", "direction", "target", "warn", "critical", "status"),
    [
        (95, "higher_is_better", 95, 90, 85, "on_target"),  # at the target
        (90, "higher_is_better", 95, 90, 85, "warning"),  # at the warn line
        (85, "higher_is_better", 95, 90, 85, "critical"),  # at the critical line
        (92, "higher_is_better", 95, 90, 85, "off_target"),  # short of target, above warn
        (99, "higher_is_better", 100, None, None, "off_target"),  # only a target: short of it
        (100, "higher_is_better", 100, None, None, "on_target"),
        (5, "higher_is_better", None, None, None, "no_target"),
        (5, "higher_is_better", None, 10, 4, "warning"),  # no target, at or below warn
        (11, "higher_is_better", None, 10, 4, "no_target"),  # no target, above warn
        (2.0, "lower_is_better", 2, 3, 4, "on_target"),
        (2.38, "lower_is_better", 2, 2.6, 3.2, "off_target"),  # churn: above its 2% target
        (3.0, "lower_is_better", 2, 3, 4, "warning"),
        (4.1, "lower_is_better", 2, 3, 4, "critical"),
        (float("nan"), "lower_is_better", 2, 3, 4, "no_target"),
    ],
)
def test_health_bands(value, direction, target, warn, critical, status) -> None:
    s = lambda v: pd.Series([v], dtype="float64")  # noqa: E731
    result = kpi.health_status(s(value), pd.Series([direction]), s(target), s(warn), s(critical))
    assert result.iloc[0] == status


def test_health_uses_the_latest_complete_week_and_compares() -> None:
    mondays = pd.date_range("2025-06-02", periods=60, freq="W-MON")
    history = pd.DataFrame(
        {
            "date": mondays.astype("datetime64[us]"),
            "kpi_id": "a",
            "value": range(1, 61),
            "segment": "all",
        }
    )
    as_of = mondays[-1] + pd.Timedelta(days=2)  # Wednesday: the last week is not complete
    row = kpi.health(history, KPIS, as_of).iloc[0]
    assert row["value"] == 59 and row["previous"] == 58 and row["change_vs_previous"] == 1
    assert row["year_ago"] == 59 - 52 and row["change_vs_year_ago"] == 52
    assert row["change_vs_year_ago_pct"] == pytest.approx(100 * 52 / 7)
    assert row["rolling_mean_4"] == pytest.approx((56 + 57 + 58 + 59) / 4)
    assert row["status"] == "on_target" and bool(row["on_target"])  # 59 >= target 10


def test_health_before_any_complete_period_is_empty_not_an_error(sample) -> None:
    # an as_of before the KPI history (a report of an early quarter) has no period to read
    result = kpi.health(sample.kpi_history, sample.kpis, "2000-01-01")
    assert result.empty and "status" in result and result["target"].dtype == "float64"


def test_segment_of_a_sum_kpi_has_no_target() -> None:
    history = frame([("2026-07-06", "a", 1), ("2026-07-06", "b", 9)], segment="emea")
    result = kpi.health(history, KPIS, "2026-07-31").set_index("kpi_id")
    assert result.loc["a", "status"] == "no_target"  # a part of a sum KPI
    assert result.loc["b", "status"] == "critical"  # a rate: 9 is beyond critical 4


def daily(start: str, days: int, kpi_ids: tuple[str, ...] = ("a", "b"), segments: int = 1) -> pd.DataFrame:
    """Every KPI of ``kpi_ids`` observed at 1.0 each day, as ``all`` and ``segments - 1`` more."""
    dates = pd.date_range(start, periods=days, freq="D").astype("datetime64[us]")
    names = ["all", *[f"s{i}" for i in range(1, segments)]]
    return pd.concat(
        [
            pd.DataFrame({"date": dates, "kpi_id": kpi_id, "value": 1.0, "segment": segment})
            for kpi_id in kpi_ids  # over a handful of series, not rows
            for segment in names
        ],
        ignore_index=True,
    )


def test_chart_periods_stay_weekly_on_1000_days() -> None:
    # Monday 2024-01-01 + 1000 days ends Saturday 2026-09-26: 142 complete weeks (<= 400),
    # the 143rd (Monday to Saturday) is cut by the date and left out
    history = daily("2024-01-01", 1000)
    periods, period = kpi.chart_periods(history, KPIS, "2026-09-26", ["a", "b"])
    assert period == "week"
    assert periods.groupby("kpi_id").size().to_dict() == {"a": 142, "b": 142}
    assert periods["period_start"].max() == pd.Timestamp("2026-09-14")
    assert set(periods.loc[periods["kpi_id"] == "a", "value"]) == {7.0}  # sum of seven days
    assert set(periods.loc[periods["kpi_id"] == "b", "value"]) == {1.0}  # mean


def test_chart_periods_of_ten_years_are_monthly() -> None:
    # 2016-01-01 to 2025-12-31: 3,653 days, 522 weeks (> 400), 120 months (<= 400)
    history = daily("2016-01-01", 3653)
    periods, period = kpi.chart_periods(history, KPIS, "2025-12-31", ["a", "b"])
    assert period == "month"
    assert periods.groupby("kpi_id").size().to_dict() == {"a": 120, "b": 120}
    first = periods[periods["kpi_id"] == "a"].iloc[0]
    assert str(first["period"]) == "2016-01" and first["value"] == 31  # January's sum
    assert periods.loc[periods["kpi_id"] == "a", "value"].iloc[1] == 29  # February 2016, a leap year


def test_chart_periods_take_only_the_kpis_asked_for() -> None:
    history = daily("2024-01-01", 100, kpi_ids=("a", "b", "c"))
    periods, _ = kpi.chart_periods(history, KPIS, "2024-04-09", ["b"])
    assert set(periods["kpi_id"]) == {"b"}


def test_chart_periods_keep_one_kpis_chart_under_altairs_row_limit() -> None:
    # 40 series of 142 weeks are 5,680 rows (> 5,000): months, 32 complete (Jan 2024 to Aug 2026)
    history = daily("2024-01-01", 1000, kpi_ids=("b",), segments=40)
    periods, period = kpi.chart_periods(history, KPIS, "2026-09-26", ["b"])
    assert period == "month" and len(periods) == 40 * 32


def test_chart_periods_keep_the_latest_quarters_when_even_quarters_are_too_many() -> None:
    # 10 complete quarters (2024Q1 to 2026Q2) against 5 points: the latest 5
    history = daily("2024-01-01", 1000, kpi_ids=("a",))
    periods, period = kpi.chart_periods(history, KPIS, "2026-09-26", ["a"], max_points=5)
    assert period == "quarter"
    assert periods["period"].astype(str).tolist() == ["2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]


def test_health_of_some_kpis_equals_health_of_all_filtered(sample) -> None:
    every = kpi.health(sample.kpi_history, sample.kpis, "2026-08-15")
    ids = ["mrr", "churn_rate"]
    some = kpi.health(sample.kpi_history, sample.kpis, "2026-08-15", kpi_ids=ids)
    expected = every[every["kpi_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
