"""Key results' current values at a date: the rule in :mod:`okrlib.analysis.progress`'s docstring.

:func:`current_values_of` reads the key results of one or several quarters, each quarter at
its own ``as_of``, in one pass over the check-ins: the grading of every ended quarter (the
calibration and grade sections of a review) costs one pass rather than one per quarter.
Only the KPI readings, which depend on the date, are taken once per quarter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..model import Workbook, isin, quarter_bounds
from ..model.history import of_kpis
from .kpi import aggregate, readings

HOLD_TYPES = ("at_least", "at_most")


def holds(kr_type: pd.Series, value: pd.Series, target: pd.Series) -> np.ndarray:
    """Whether each value holds its line: >= target for at_least, <= target for at_most."""
    return np.where(kr_type.eq("at_least"), value >= target, value <= target)


def rows_of_quarters(frame: pd.DataFrame, quarters: Sequence[pd.Period]) -> pd.DataFrame:
    """The rows of ``frame`` (key results or objectives) in ``quarters``, quarter by quarter in
    the order given, each quarter's rows in their own order; a fresh RangeIndex."""
    rows = frame[frame["quarter"].isin(quarters)]
    if len(quarters) > 1:
        order = rows["quarter"].map({quarter: i for i, quarter in enumerate(quarters)})
        rows = rows.iloc[np.argsort(order.to_numpy(), kind="stable")]
    return rows.reset_index(drop=True)


def current_values_of(workbook: Workbook, as_of: Mapping[pd.Period, pd.Timestamp]) -> pd.DataFrame:
    """:func:`okrlib.analysis.progress.current_values` of every quarter in ``as_of``, each read at its
    own date: one row per key result, the quarters in the order given and each quarter's key
    results in the workbook's order."""
    quarters = list(as_of)
    starts = {quarter: quarter_bounds(quarter)[0] for quarter in quarters}
    krs = rows_of_quarters(workbook.key_results, quarters)
    checkins = workbook.checkins
    checkins = checkins[isin(checkins["kr_id"], krs["kr_id"])]
    until, since = _within(checkins, krs, as_of, starts)
    in_quarter = checkins[until & since]
    checkins = checkins[until].sort_values(["kr_id", "date"], kind="stable")
    latest = checkins.groupby("kr_id")[["value", "date"]].last()
    latest.columns = ["checkin_value", "checkin_date"]
    confidence = checkins.dropna(subset=["confidence"]).groupby("kr_id")["confidence"].last()
    counts = in_quarter.groupby("kr_id").size()

    frame = krs.join(latest, on="kr_id")
    frame["kpi_segment"] = frame["segment"].fillna("all")
    frame = frame.merge(
        _kpi_readings(workbook, frame, as_of, starts), on=["quarter", "kpi_id", "kpi_segment"], how="left"
    )
    from_checkin = frame["checkin_value"].notna()
    from_kpi = ~from_checkin & frame["kpi_value"].notna()
    frame["current"] = frame["checkin_value"].where(from_checkin, frame["kpi_value"])
    frame["current_date"] = frame["checkin_date"].where(from_checkin, frame["kpi_date"])
    frame["current_source"] = pd.Series(
        np.select([from_checkin, from_kpi], ["checkin", "kpi"], default=""), dtype="str"
    ).replace("", pd.NA)
    frame["confidence"] = frame["kr_id"].map(confidence).astype("float64")
    frame["checkins"] = frame["kr_id"].map(counts).fillna(0).astype("int64")
    frame["satisfied_share"] = _satisfied_share(workbook, frame, in_quarter, as_of, starts)
    return frame.drop(columns=["checkin_value", "checkin_date", "kpi_value", "kpi_date", "kpi_segment"])


def _within(
    checkins: pd.DataFrame,
    krs: pd.DataFrame,
    as_of: Mapping[pd.Period, pd.Timestamp],
    starts: Mapping[pd.Period, pd.Timestamp],
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each check-in is dated up to its key result's ``as_of``, and from its quarter's
    first day on."""
    dates = checkins["date"].to_numpy()
    if len(as_of) == 1:  # one quarter: two dates for every check-in, no lookup per row
        day, start = next(iter(as_of.values())), next(iter(starts.values()))
        return dates <= day.to_datetime64(), dates >= start.to_datetime64()
    return dates <= quarter_dates(checkins, krs, as_of), dates >= quarter_dates(checkins, krs, starts)


def quarter_dates(
    checkins: pd.DataFrame, krs: pd.DataFrame, dates: Mapping[pd.Period, pd.Timestamp]
) -> np.ndarray:
    """For each check-in, the date ``dates`` gives its key result's quarter (``krs`` holds
    every check-in's key result, with its quarter): one positional lookup, not a join."""
    position = pd.Index(krs["kr_id"]).get_indexer(checkins["kr_id"])  # kr_id is unique
    return krs["quarter"].map(dates).to_numpy(dtype=checkins["date"].dtype)[position]


def _kpi_readings(
    workbook: Workbook,
    frame: pd.DataFrame,
    as_of: Mapping[pd.Period, pd.Timestamp],
    starts: Mapping[pd.Period, pd.Timestamp],
) -> pd.DataFrame:
    """The readings that key results without a check-in fall back on: quarter, kpi_id,
    kpi_segment, kpi_value and kpi_date of the KPIs those key results link, quarter by quarter
    (a reading depends on the date).  Key results with a check-in never use one."""
    wanted = frame.loc[frame["checkin_value"].isna() & frame["kpi_id"].notna(), ["quarter", "kpi_id"]]
    history, kpis = workbook.kpi_history, workbook.kpis
    parts = [
        readings(of_kpis(history, group["kpi_id"]), kpis, as_of[quarter], starts[quarter])
        .rename(columns={"segment": "kpi_segment", "value": "kpi_value", "date": "kpi_date"})
        .assign(quarter=quarter)
        for quarter, group in wanted.groupby("quarter", sort=False)  # over quarters, not rows
    ]
    if parts:
        return pd.concat(parts, ignore_index=True)
    empty = {"kpi_id": "kpi_id", "kpi_segment": "segment", "kpi_value": "value", "kpi_date": "date"}
    columns = {name: pd.Series(dtype=history[source].dtype) for name, source in empty.items()}
    return pd.DataFrame({**columns, "quarter": pd.Series(dtype=frame["quarter"].dtype)})


def _satisfied_share(
    workbook: Workbook,
    frame: pd.DataFrame,
    in_quarter: pd.DataFrame,
    as_of: Mapping[pd.Period, pd.Timestamp],
    starts: Mapping[pd.Period, pd.Timestamp],
) -> pd.Series:
    """Share of quarter-to-date check-ins (else KPI weeks) that held the line."""
    hold = frame[frame["kr_type"].isin(HOLD_TYPES)][
        ["kr_id", "quarter", "kr_type", "target", "kpi_id", "segment"]
    ]
    rows = in_quarter.merge(hold, on="kr_id")
    rows["ok"] = holds(rows["kr_type"], rows["value"], rows["target"])
    shares = [rows.groupby("kr_id")["ok"].mean()]
    by_kpi = hold[~isin(hold["kr_id"], shares[0].index) & hold["kpi_id"].notna()]
    for quarter, krs in by_kpi.groupby("quarter", sort=False):  # over quarters, not rows
        history = of_kpis(workbook.kpi_history, krs["kpi_id"])
        history = history[(history["date"] >= starts[quarter]) & (history["date"] <= as_of[quarter])]
        weeks = aggregate(history, workbook.kpis, "week")
        weeks = weeks.merge(krs.assign(segment=krs["segment"].fillna("all")), on=["kpi_id", "segment"])
        weeks["ok"] = holds(weeks["kr_type"], weeks["value"], weeks["target"])
        shares.append(weeks.groupby("kr_id")["ok"].mean())
    share = pd.concat(shares) if len(shares) > 1 else shares[0]
    return frame["kr_id"].map(share).astype("float64")
