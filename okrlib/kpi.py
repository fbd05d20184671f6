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

from typing import Literal

import numpy as np
import pandas as pd

Period = Literal["week", "month", "quarter"]
FREQUENCIES = {"week": "W-SUN", "month": "M", "quarter": "Q"}
MEAN_WINDOW_DAYS = 28


def _with_aggregation(history: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    rules = kpis.set_index("kpi_id")["aggregation"]
    return history.assign(aggregation=history["kpi_id"].map(rules))


def aggregate(history: pd.DataFrame, kpis: pd.DataFrame, period: Period = "week") -> pd.DataFrame:
    """Aggregate every KPI series to ``period`` by the KPI's own rule.

    Parameters
    ----------
    history : ``Workbook.kpi_history`` (or any subset of it).
    kpis : ``Workbook.kpis``.
    period : ``"week"``, ``"month"`` or ``"quarter"``.

    Returns
    -------
    DataFrame with kpi_id, segment, period (a ``pd.Period``), period_start, value and
    observations, sorted by kpi_id, segment and period.

    Examples
    --------
    >>> weekly = aggregate(wb.kpi_history, wb.kpis, "week")   # doctest: +SKIP
    """
    frame = _with_aggregation(history, kpis).sort_values("date", kind="stable")
    frame = frame.assign(period=frame["date"].dt.to_period(FREQUENCIES[period]))
    grouped = frame.groupby(["kpi_id", "segment", "period"], sort=True, observed=True)
    stats = grouped.agg(
        sum=("value", "sum"),
        mean=("value", "mean"),
        last=("value", "last"),
        observations=("value", "size"),
        aggregation=("aggregation", "first"),
    ).reset_index()
    stats["value"] = _pick_rule(stats)
    stats["period_start"] = stats["period"].dt.start_time.astype("datetime64[us]")
    return stats[["kpi_id", "segment", "period", "period_start", "value", "observations"]]


def _pick_rule(stats: pd.DataFrame) -> np.ndarray:
    rule = stats["aggregation"]
    return np.select(
        [rule.eq("sum"), rule.eq("mean"), rule.eq("last")],
        [stats["sum"], stats["mean"], stats["last"]],
        default=np.nan,
    )


def readings(
    history: pd.DataFrame, kpis: pd.DataFrame, as_of: pd.Timestamp, quarter_start: pd.Timestamp
) -> pd.DataFrame:
    """Every KPI series' reading at ``as_of`` by its aggregation rule (see module docstring).

    Returns
    -------
    DataFrame with kpi_id, segment, value and date (the latest observation used).
    """
    as_of = pd.Timestamp(as_of)
    frame = _with_aggregation(history[history["date"] <= as_of], kpis)
    rule, date = frame["aggregation"], frame["date"]
    in_window = (
        rule.eq("last")
        | (rule.eq("sum") & (date >= quarter_start))
        | (rule.eq("mean") & (date > as_of - pd.Timedelta(days=MEAN_WINDOW_DAYS)))
    )
    frame = frame[in_window]
    frame = frame.sort_values("date", kind="stable")
    stats = frame.groupby(["kpi_id", "segment"], sort=True).agg(
        sum=("value", "sum"),
        mean=("value", "mean"),
        last=("value", "last"),
        date=("date", "last"),
        aggregation=("aggregation", "first"),
    )
    stats = stats.reset_index()
    stats["value"] = _pick_rule(stats)
    return stats[["kpi_id", "segment", "value", "date"]]
