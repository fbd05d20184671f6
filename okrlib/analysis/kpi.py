"""KPI period aggregation, readings at a date, and KPI health.

Rules
-----
Aggregation: a KPI's observations combine over a period by its own ``aggregation``:
``sum`` adds them, ``mean`` averages them, ``last`` takes the value on the latest date in
the period.  Weeks run Monday to Sunday (``W-SUN`` periods), months and quarters are
calendar ones.  Every (kpi_id, segment) series is aggregated on its own, ``all`` included.

Reading at a date ``as_of`` (the value a key result reads from its KPI when it has no
check-in): ``sum`` is the quarter-to-date sum, ``last`` the latest observation on or
before ``as_of``, ``mean`` the mean of the observations in the 28 days ending ``as_of``
(``as_of`` - 27 days to ``as_of``, both included).  No observation in that window: no
reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from ..model.history import of_kpis, row_codes

Period = Literal["week", "month", "quarter"]
FREQUENCIES = {"week": "W-SUN", "month": "M", "quarter": "Q"}
MEAN_WINDOW_DAYS = 28


def _with_aggregation(history: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    rules = kpis.set_index("kpi_id")["aggregation"]
    return history.assign(aggregation=history["kpi_id"].map(rules))


def aggregate(
    history: pd.DataFrame, kpis: pd.DataFrame, period: Period = "week", complete_by: object = None
) -> pd.DataFrame:
    """Aggregate every KPI series to ``period`` by the KPI's own rule.

    Parameters
    ----------
    history : ``Workbook.kpi_history`` (or any subset of it).
    kpis : ``Workbook.kpis``.
    period : ``"week"``, ``"month"`` or ``"quarter"``.
    complete_by : a date: only periods that end on or before it are kept, from observations
        up to it (a period the date cuts in two is left out, never shown as partial).

    Returns
    -------
    DataFrame with kpi_id, segment, period (a ``pd.Period``), period_start, value and
    observations, sorted by kpi_id, segment and period.

    Examples
    --------
    >>> weekly = aggregate(wb.kpi_history, wb.kpis, "week")   # doctest: +SKIP
    """
    if complete_by is not None:
        complete_by = pd.Timestamp(complete_by).normalize()
        history = history[history["date"] <= complete_by]
    frame = history.assign(period=history["date"].dt.to_period(FREQUENCIES[period]))
    stats = aggregate_by(frame, kpis, ["kpi_id", "segment", "period"])
    if complete_by is not None:
        stats = stats[stats["period"].dt.end_time.dt.normalize() <= complete_by].reset_index(drop=True)
    stats["period_start"] = stats["period"].dt.start_time.astype("datetime64[us]")
    return stats[["kpi_id", "segment", "period", "period_start", "value", "observations"]]


def aggregate_by(frame: pd.DataFrame, kpis: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Combine observations grouped by ``keys`` by each KPI's aggregation rule.

    ``frame`` holds kpi_history rows plus whatever extra key columns ``keys`` name;
    returns one row per group with the keys, value, observations and last_date (the latest
    observation's date).
    """
    if "aggregation" not in frame:
        frame = _with_aggregation(frame, kpis)
    frame = frame.sort_values("date", kind="stable")
    # one reduction per column, and the rule picked on plain arrays: pandas' named
    # aggregation, or a frame of every candidate, costs two to three times as much here
    groups = frame.groupby(keys, sort=True, observed=True)
    values = groups["value"]
    rule = groups["aggregation"].first().to_numpy()
    value = np.select(
        [rule == "sum", rule == "mean", rule == "last"],
        [values.sum().to_numpy(), values.mean().to_numpy(), values.last().to_numpy()],
        default=np.nan,
    )
    stats = values.size().rename("observations").reset_index()
    stats.insert(len(keys), "value", value)
    stats["last_date"] = groups["date"].last().to_numpy()
    return stats


def readings(
    history: pd.DataFrame, kpis: pd.DataFrame, as_of: pd.Timestamp, quarter_start: pd.Timestamp
) -> pd.DataFrame:
    """Every KPI series' reading at ``as_of`` by its aggregation rule (see module docstring).

    Returns
    -------
    DataFrame with kpi_id, segment, value and date (the latest observation used).
    """
    as_of = pd.Timestamp(as_of)
    before = (history["date"] <= as_of).to_numpy()
    frame = history[before]
    # each row's rule through its KPI's code (no pass over the ids' texts per rule)
    codes = row_codes(history)
    kpi, segment = codes.kpi[before], codes.segment[before]
    rule = kpis.set_index("kpi_id")["aggregation"].reindex(codes.kpi_ids).to_numpy(dtype=object)
    last, date = (rule == "last")[kpi], frame["date"].to_numpy()
    in_window = (
        last
        | ((rule == "sum")[kpi] & (date >= pd.Timestamp(quarter_start).to_datetime64()))
        | ((rule == "mean")[kpi] & (date > (as_of - pd.Timedelta(days=MEAN_WINDOW_DAYS)).to_datetime64()))
    )
    if last.any():  # of a ``last`` series only its latest row counts: a long history shrinks to one row
        series = kpi.astype(np.int64) * (len(codes.segments) + 1) + segment
        latest = pd.Series(date).groupby(series).transform("max").to_numpy()
        in_window &= ~last | (date == latest)
    stats = aggregate_by(frame[in_window], kpis, ["kpi_id", "segment"])
    return stats.rename(columns={"last_date": "date"})[["kpi_id", "segment", "value", "date"]]


HEALTH_STATUSES = ("on_target", "off_target", "warning", "critical", "no_target")
YEAR = {"week": 52, "month": 12, "quarter": 4}


def health_status(
    value: pd.Series, direction: pd.Series, target: pd.Series, warn: pd.Series, critical: pd.Series
) -> pd.Series:
    """Direction-aware health of values against a KPI's target and thresholds.

    Targets and thresholds apply to a KPI's ``all`` series and, for ``mean`` KPIs, to each
    segment; a segment of a ``sum`` or ``last`` KPI is a part of the whole and has none.
    "Beyond" means on the bad side: below for higher_is_better, above for lower_is_better.
    ``critical`` when the value is at or beyond critical_threshold; ``warning`` when at or
    beyond warn_threshold; ``off_target`` when beyond the target; ``on_target`` when at the
    target or on its good side; ``no_target`` when the KPI has no target (and the value is
    not at a threshold) or there is no value.
    """
    sign = np.where(direction.eq("higher_is_better"), 1.0, -1.0)
    good = value * sign
    beyond_critical = critical.notna() & (good <= critical * sign)
    beyond_warn = warn.notna() & (good <= warn * sign)
    beyond_target = target.notna() & (good < target * sign)
    status = np.select(
        [value.isna(), beyond_critical, beyond_warn, target.isna(), beyond_target],
        ["no_target", "critical", "warning", "no_target", "off_target"],
        default="on_target",
    )
    return pd.Series(status, index=value.index, dtype="str")


def health(
    history: pd.DataFrame,
    kpis: pd.DataFrame,
    as_of: object,
    period: Period = "week",
    kpi_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Each KPI series' latest complete period against its target, and how it changed.

    Parameters
    ----------
    history, kpis : ``Workbook.kpi_history`` and ``Workbook.kpis``.
    as_of : the day of the reading; a period is complete when it ends on or before it.
    period : ``"week"`` (Monday to Sunday), ``"month"`` or ``"quarter"``.
    kpi_ids : only these KPIs (default all): their rows are taken before aggregating, so a
        review of a few KPIs does not aggregate a long history of every KPI.

    Returns
    -------
    One row per (kpi_id, segment): name, unit, direction, period, value, status (see
    :func:`health_status`), on_target, target, previous (the latest earlier period with
    observations) and change_vs_previous (also _pct), year_ago (the same period a year
    earlier) and change_vs_year_ago (also _pct), rolling_mean_4 (the mean of the last four
    periods with observations, this one included).
    """
    if kpi_ids is not None:
        history = of_kpis(history, kpi_ids)
    periods = aggregate(history, kpis, period, complete_by=as_of)
    group = periods.groupby(["kpi_id", "segment"], sort=False)
    periods = periods.assign(
        previous=group["value"].shift(1),
        rolling_mean_4=group["value"].rolling(4, min_periods=1).mean().droplevel([0, 1]),
    )
    latest = periods.groupby(["kpi_id", "segment"], sort=True).tail(1)
    year_ago = periods[["kpi_id", "segment", "period", "value"]].rename(columns={"value": "year_ago"})
    year_ago["period"] = year_ago["period"] + YEAR[period]
    latest = latest.merge(year_ago, on=["kpi_id", "segment", "period"], how="left")
    info = ["name", "unit", "direction", "aggregation", "target", "warn_threshold", "critical_threshold"]
    latest = latest.join(kpis.set_index("kpi_id")[info], on="kpi_id")  # keeps their dtypes, empty or not
    # A segment of a sum or last KPI is a part of the whole: the KPI's targets do not apply to it.
    part = latest["segment"].ne("all") & latest["aggregation"].isin(["sum", "last"])
    for column in ("target", "warn_threshold", "critical_threshold"):
        latest[column] = latest[column].where(~part)
    latest["status"] = health_status(
        latest["value"],
        latest["direction"],
        latest["target"],
        latest["warn_threshold"],
        latest["critical_threshold"],
    )
    sign = np.where(latest["direction"].eq("higher_is_better"), 1.0, -1.0)
    latest["on_target"] = (latest["value"] * sign >= latest["target"] * sign).where(latest["target"].notna())
    for other in ("previous", "year_ago"):
        latest[f"change_vs_{other}"] = latest["value"] - latest[other]
        latest[f"change_vs_{other}_pct"] = 100 * latest[f"change_vs_{other}"] / latest[other].abs()
    columns = [
        "kpi_id",
        "segment",
        "name",
        "unit",
        "direction",
        "period",
        "value",
        "status",
        "on_target",
        "target",
        "warn_threshold",
        "critical_threshold",
        "previous",
        "change_vs_previous",
        "change_vs_previous_pct",
        "year_ago",
        "change_vs_year_ago",
        "change_vs_year_ago_pct",
        "rolling_mean_4",
    ]
    return latest[columns].reset_index(drop=True)


CHART_PERIODS: tuple[Period, ...] = ("week", "month", "quarter")
MAX_CHART_POINTS = 400  # a few hundred points a series: what a chart's width can show
MAX_CHART_ROWS = 5000  # altair's default limit on a chart's rows (all series of one KPI)


def chart_periods(
    history: pd.DataFrame,
    kpis: pd.DataFrame,
    complete_by: object,
    kpi_ids: Iterable[str],
    max_points: int = MAX_CHART_POINTS,
    max_rows: int = MAX_CHART_ROWS,
) -> tuple[pd.DataFrame, Period]:
    """The complete periods of some KPIs at the finest period a chart can show.

    Rule: the KPIs' observations up to ``complete_by`` are aggregated by each KPI's own
    rule (:func:`aggregate`) to weeks, else months, else quarters: the finest of the three
    at which every (kpi_id, segment) series has at most ``max_points`` complete periods and
    every KPI (all its series together, as one chart draws them) at most ``max_rows``.
    When even quarters are too many, each KPI keeps its latest quarters, at most
    ``max_points`` a series and ``max_rows`` in all (the oldest are left out).  One period
    is chosen for all the KPIs, so their charts read alike.  Only the rows of ``kpi_ids``
    are aggregated.

    Parameters
    ----------
    history, kpis : ``Workbook.kpi_history`` and ``Workbook.kpis``.
    complete_by : a date: only periods that end on or before it (see :func:`aggregate`).
    kpi_ids : the KPIs to chart.
    max_points : the most periods a series may have.
    max_rows : the most rows one KPI's chart may have.

    Returns
    -------
    (periods, period): an :func:`aggregate` frame of the KPIs and the period chosen
    (``"week"``, ``"month"`` or ``"quarter"``).

    Examples
    --------
    Three years of daily data (about 157 weeks) stay weekly; ten years (about 522 weeks,
    120 months) become monthly:

    >>> periods, period = chart_periods(wb.kpi_history, wb.kpis, "2026-09-30", ["mrr"])  # doctest: +SKIP
    >>> period  # doctest: +SKIP
    'week'
    """
    history = of_kpis(history, kpi_ids)
    for period in CHART_PERIODS:
        periods = aggregate(history, kpis, period, complete_by=complete_by)
        per_series = periods.groupby(["kpi_id", "segment"], sort=False).size()
        per_kpi = periods.groupby("kpi_id", sort=False).size()
        if (
            per_series.to_numpy().max(initial=0) <= max_points
            and per_kpi.to_numpy().max(initial=0) <= max_rows
        ):
            return periods, period
    # even quarters are too many: each KPI keeps its latest ones
    series_count = periods.groupby("kpi_id", sort=False)["segment"].transform("nunique")
    keep = np.minimum(max_points, max_rows // series_count)
    from_end = periods.groupby(["kpi_id", "segment"], sort=False).cumcount(ascending=False)
    return periods[from_end < keep].reset_index(drop=True), period


def lagged_correlation(leading: pd.DataFrame, lagging: pd.DataFrame, max_lag: int = 8) -> pd.DataFrame:
    """Pearson correlation of a leading series with a lagging one ``lag`` periods later.

    Parameters
    ----------
    leading, lagging : :func:`aggregate` frames of one series each (period, value).
    max_lag : the largest lag, in periods.

    Returns
    -------
    lag (0 .. max_lag), correlation and pairs (how many periods both series have).
    At lag k the leading value of period p is paired with the lagging value of p + k.
    """
    a = leading.set_index("period")["value"]
    b = lagging.set_index("period")["value"]
    rows = []
    for lag in range(max_lag + 1):  # over lags, not rows
        shifted = pd.Series(b.to_numpy(), index=b.index - lag)
        both = pd.concat([a, shifted], axis=1, join="inner").dropna()
        correlation = both.iloc[:, 0].corr(both.iloc[:, 1]) if len(both) >= 3 else float("nan")
        rows.append((lag, correlation, len(both)))
    return pd.DataFrame(rows, columns=["lag", "correlation", "pairs"])
