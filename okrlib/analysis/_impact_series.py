"""The series an impact verdict rests on: each KPI's period, the baseline and post windows
around the quarter start, their points (see :mod:`okrlib.analysis.impact`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import Workbook, cached, isin, quarter_bounds, series_key
from ..model import history as _history
from .kpi import aggregate_by
from .progress import resolve

BASELINE_WEEKS = 26
MIN_BASELINE_WEEKS = 8
MIN_POST_WEEKS = 4
BASELINE_MONTHS = 24
MIN_BASELINE_MONTHS = 12
MIN_POST_MONTHS = 2
MONTHLY_SPACING_DAYS = 20
SEASONAL_WEEKS = 104
SEASONAL_MONTHS = 36
SEASONAL_SLACK = {"week": 4, "month": 1}
YEAR = {"week": 365.25 / 7, "month": 12.0}
SEASONAL_WALD = 9.21  # chi-squared, 2 degrees of freedom, 99%
# the step and the ramp tested together (max-t), by the period of the points: 6.5% in all
# for weekly KPIs, 5% for monthly ones (see "Effects that build up")
VERDICT_LEVEL = {"week": 0.935, "month": 0.95}
MINIMUM_POINTS = {
    "week": (MIN_BASELINE_WEEKS, MIN_POST_WEEKS),
    "month": (MIN_BASELINE_MONTHS, MIN_POST_MONTHS),
}
VERDICTS = ("improved", "worsened", "no_clear_effect", "insufficient_data")
SERIES = ["kpi_id", "segment"]
KR_COLUMNS = ("kr_id", "objective_id", "team", "key_result", "kr_type", "progress", "status")


def observation_periods(workbook: Workbook, as_of: object = None) -> pd.DataFrame:
    """Each KPI's observation period, from its history up to ``as_of`` (default: all).

    Returns kpi_id, spacing_days (the median number of days between the KPI's consecutive
    observation dates, all segments together) and period: ``month`` when that median is
    :data:`MONTHLY_SPACING_DAYS` or more, else ``week`` (daily data is modelled on weeks).
    A KPI with fewer than two observation dates is ``week``.
    """
    day = pd.Timestamp("2262-01-01") if as_of is None else pd.Timestamp(as_of).normalize()

    def compute() -> pd.DataFrame:
        dates = _history.kpi_dates(workbook.kpi_history)  # each KPI's days once, ascending
        dates = dates[dates["date"] <= day]
        gaps = dates["date"].diff().dt.days.where(dates["kpi_id"].eq(dates["kpi_id"].shift()))
        spacing = gaps.groupby(dates["kpi_id"], sort=False).median()
        out = pd.DataFrame({"kpi_id": workbook.kpis["kpi_id"].to_numpy()}).astype("str")
        out["spacing_days"] = out["kpi_id"].map(spacing).astype("float64")
        out["period"] = pd.Series(
            np.where(out["spacing_days"] >= MONTHLY_SPACING_DAYS, "month", "week"),
            index=out.index,
            dtype="str",
        )
        return out

    return cached(workbook, ("observation_periods", day), compute)


def windows(
    workbook: Workbook,
    series: pd.DataFrame,
    quarter: pd.Period | str,
    as_of: object = None,
    baseline_weeks: int = BASELINE_WEEKS,
    baseline_months: int = BASELINE_MONTHS,
) -> pd.DataFrame:
    """Each (kpi_id, segment) in ``series`` around the quarter start, on its KPI's period.

    Returns kpi_id, segment, period (``week`` or ``month``, see
    :func:`observation_periods`), point (0 = the quarter's first week or month, negative =
    baseline), point_start, value, observations and in_window (the point is in the model's
    usual window; a series with the history for a yearly cycle also keeps the two years of
    weeks or three of months before, see :func:`seasonal_points`).
    """
    period, day = resolve(workbook, quarter, as_of)
    points = _every_series_points(workbook, period, day, baseline_weeks, baseline_months)
    return points[isin(series_key(points), series_key(series))].reset_index(drop=True)


def seasonal_points(points: pd.DataFrame) -> np.ndarray:
    """Per row of a :func:`windows` frame: whether its series reaches back far enough for
    a yearly cycle to be modelled (its earliest point within the first 4 weeks of the 104
    weeks before the quarter, or within the first month of the 36 months before it)."""
    earliest = points.groupby(SERIES, sort=False)["point"].transform("min").to_numpy()
    monthly = points["period"].eq("month").to_numpy()
    reach = np.where(
        monthly, SEASONAL_MONTHS - SEASONAL_SLACK["month"], SEASONAL_WEEKS - SEASONAL_SLACK["week"]
    )
    return earliest <= -reach


def _post_months(start: pd.Timestamp, end: pd.Timestamp, day: pd.Timestamp) -> int:
    """Complete months of the quarter up to ``day``: those whose last day is on or before it."""
    last = min(day, end)
    months = (last.year - start.year) * 12 + last.month - start.month
    return max(months + (last == last + pd.offsets.MonthEnd(0)), 0)


def _every_series_points(
    workbook: Workbook, period: pd.Period, day: pd.Timestamp, baseline_weeks: int, baseline_months: int
) -> pd.DataFrame:
    """:func:`windows` of every series, taken once per workbook, quarter, date and
    baselines: a review asks for the linked series, each charted one and the guardrails.

    Each KPI's rows are cut to its own window (weekly or monthly) before they are
    aggregated, so a long history costs one filter, not a grouping of every row."""

    def compute() -> pd.DataFrame:
        start, end = quarter_bounds(period)
        post_weeks = max(((min(day, end) - start).days + 1) // 7, 0)
        post_months = _post_months(start, end, day)
        periods = observation_periods(workbook, day)
        history = workbook.kpi_history
        date = history["date"]
        codes = _history.row_codes(history)  # a 10M-row history: no isin over its texts
        month_ids = periods.loc[periods["period"].eq("month"), "kpi_id"].astype("object")
        wanted = np.zeros(len(codes.kpi_ids) + 1, dtype=bool)  # the last: a missing kpi_id
        positions = codes.kpi_ids.get_indexer(pd.Index(month_ids))
        wanted[positions[positions >= 0]] = True
        monthly = pd.Series(wanted[codes.kpi], index=history.index)
        long_weeks, long_months = max(baseline_weeks, SEASONAL_WEEKS), max(baseline_months, SEASONAL_MONTHS)
        in_weeks = (date >= start - pd.Timedelta(days=7 * long_weeks)) & (
            date < start + pd.Timedelta(days=7 * post_weeks)
        )
        in_months = (date >= start - pd.DateOffset(months=long_months)) & (
            date < start + pd.DateOffset(months=post_months)
        )
        keep = np.where(monthly, in_months, in_weeks)
        history, monthly = history[keep], monthly[keep]
        date = history["date"]
        month = (date.dt.year - start.year) * 12 + date.dt.month - start.month
        history = history.assign(point=np.where(monthly, month, (date - start).dt.days // 7))
        points = aggregate_by(history, workbook.kpis, [*SERIES, "point"]).drop(columns="last_date")
        unit = points["kpi_id"].map(periods.set_index("kpi_id")["period"]).fillna("week")
        points.insert(2, "period", unit.astype("str"))
        months_since_epoch = start.year * 12 + start.month - 1 + points["point"]
        month_start = pd.to_datetime(
            pd.DataFrame({"year": months_since_epoch // 12, "month": months_since_epoch % 12 + 1, "day": 1})
        )
        week_start = start + pd.to_timedelta(points["point"] * 7, unit="D")
        points.insert(4, "point_start", week_start.where(unit.eq("week"), month_start).astype(date.dtype))
        # a series that reaches back far enough for a yearly cycle keeps its long history
        # (to estimate the cycle from); the model itself runs on the usual window
        usual = (points["point"] >= -np.where(unit.eq("month"), baseline_months, baseline_weeks)).to_numpy()
        points["in_window"] = usual
        return points[seasonal_points(points) | usual].reset_index(drop=True)

    key = ("impact_points", period, day, baseline_weeks, baseline_months)
    return cached(workbook, key, compute)


def _did_points(points: pd.DataFrame, all_points: pd.DataFrame) -> pd.DataFrame:
    """Treated segment minus the mean of the KPI's other segments, point by point."""
    treated = points[[*SERIES, "point"]].drop_duplicates()
    others = all_points.loc[all_points["segment"].ne("all"), ["kpi_id", "segment", "point", "value"]]
    pairs = treated.merge(others.rename(columns={"segment": "other"}), on=["kpi_id", "point"])
    pairs = pairs[pairs["other"].ne(pairs["segment"])]
    control = pairs.groupby([*SERIES, "point"], sort=False)["value"].mean().rename("control")
    diff = points.join(control, on=[*SERIES, "point"], how="inner")
    diff["value"] = diff["value"] - diff.pop("control")
    return diff.dropna(subset=["value"])


def _with_periods(workbook: Workbook, keys: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """``keys`` with each KPI's period (:func:`observation_periods`)."""
    periods = observation_periods(workbook, day).set_index("kpi_id")["period"]
    return keys.assign(period=keys["kpi_id"].map(periods).fillna("week").astype("str"))
