"""Key-result and objective progress, pace status, forecast and grades.

All functions are pure: a Workbook (or frames) in, DataFrames out.  ``as_of`` defaults to
the earlier of the quarter's last day and the latest date in the data
(:func:`okrlib.default_as_of`), so the same files always give the same numbers.

Rules (the README quotes these)
-------------------------------
Current value of a key result at ``as_of``: the latest check-in dated on or before
``as_of``.  With no such check-in and a linked ``kpi_id``: the KPI's reading (the KR's
segment, else ``all``) by its aggregation rule (:func:`okrlib.analysis.kpi.readings`: ``sum`` is the
quarter-to-date sum, ``last`` the latest observation, ``mean`` the mean over the 28 days
ending ``as_of``).  Otherwise there is no current value and the status is ``no_data``.

Progress:

- ``increase`` / ``decrease``: raw = (current - start) / (target - start); progress = raw
  clipped to 0..1.  The raw value is kept (above 1: overachieved; below 0: regressed).
- ``milestone``: progress = current (the fraction done) clipped to 0..1.
- ``at_least`` / ``at_most``: progress 1 when current >= target (at_least) or
  current <= target (at_most), else 0.  ``satisfied_share`` is the share of the
  quarter-to-date check-ins (or, with none, of the KPI's weeks) that satisfied it.

Expected progress = days of the quarter elapsed up to and including ``as_of`` divided by
the quarter's days, clipped to 0..1 (2026-Q3 has 92 days; 2026-08-15 gives 46/92 = 0.5).

Status of increase, decrease and milestone key results: ``done`` when progress >= 1; else
``on_track`` when progress >= expected - 0.10; ``at_risk`` when progress >= expected - 0.25;
else ``off_track`` (both tolerances are parameters).  ``at_least`` / ``at_most``:
``on_track`` when satisfied, else ``off_track``.  Comparisons allow 1e-9 for floating-point
rounding, so 0.4 >= 0.5 - 0.1 holds as it does on paper.

Objective progress = the weight-averaged progress of its key results that have a value
(key results with ``no_data`` are left out and counted in ``krs_without_data``); status by
the same rule, ``done`` only when every key result is done, ``no_data`` when none has a
value.  Confidence (each KR's latest, the objective's mean) is shown beside status, never
mixed into it.

Forecast: with at least two check-ins in the quarter up to ``as_of``, a least-squares line
through (day, value) extended to the quarter's last day; projected progress follows the
progress rule (raw and clipped).

Once ``as_of`` is on or after the quarter's last day the quarter has ended and its state
is final: a key result is ``done`` when its progress reached 1, else ``missed`` (``no_data``
without a value); an objective is ``done`` when every key result is done, else ``missed``.
Grades: grade = progress rounded half-up to one decimal; band ``green`` >= 0.7,
``yellow`` >= 0.4, else ``red``.  A committed objective graded below 1.0 is a
``missed_commitment`` (so is each missed key result of a committed objective); an
aspirational one graded 0.7 or more is a ``success``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..loading.contract import FINAL_STATUSES, PACE_STATUSES, STATUSES
from ..model import Workbook, cached, isin, parse_quarter, quarter_bounds
from ._current import current_values_of, holds, rows_of_quarters
from ._formulas import (
    AT_RISK_TOLERANCE,
    EPSILON,
    GRADE_BANDS,
    ON_TRACK_TOLERANCE,
    expected_progress,
    final_status,
    grade,
    grade_band,
    pace_status,
    progress_of,
    resolve,
)
from ._rollup import ALL_TEAMS, alignment_tree, company_summary, team_summary
from ._trend import fit_lines

__all__ = [
    "AT_RISK_TOLERANCE",
    "GRADE_BANDS",
    "ON_TRACK_TOLERANCE",
    "FINAL_STATUSES",
    "PACE_STATUSES",
    "STATUSES",
    "final_status",
    "alignment_tree",
    "company_summary",
    "current_values",
    "expected_progress",
    "final_kr_progress",
    "final_objective_progress",
    "forecast",
    "grade",
    "grade_band",
    "holds",
    "weighted_progress",
    "kr_progress",
    "objective_progress",
    "pace_status",
    "previous_quarter_summary",
    "progress_of",
    "roll_up",
    "score",
    "team_summary",
]


def _quarter_key_results(workbook: Workbook, quarter: pd.Period) -> pd.DataFrame:
    krs = workbook.key_results
    return krs[krs["quarter"] == quarter].reset_index(drop=True)


def current_values(workbook: Workbook, quarter: pd.Period | str, as_of: object = None) -> pd.DataFrame:
    """Each key result's current value at ``as_of``, where it came from, and its check-in facts.

    Returns
    -------
    DataFrame with one row per key result of the quarter: the key-result columns plus
    current, current_date, current_source (``checkin``, ``kpi`` or missing), confidence
    (the latest given), checkins (how many in the quarter up to ``as_of``) and
    satisfied_share (at_least / at_most only).
    """
    quarter, as_of = resolve(workbook, quarter, as_of)
    return current_values_of(workbook, {quarter: as_of})


def score(
    frame: pd.DataFrame,
    expected: float,
    on_track_tolerance: float = ON_TRACK_TOLERANCE,
    at_risk_tolerance: float = AT_RISK_TOLERANCE,
    ended: bool = False,
) -> pd.DataFrame:
    """Add raw_progress, progress, expected_progress, status (and grade once ended) to a frame
    of key results that has a ``current`` column.  What-if panels call this with edited values.
    """
    raw, progress = progress_of(frame["kr_type"], frame["start"], frame["target"], frame["current"])
    out = frame.assign(raw_progress=raw, progress=progress, expected_progress=expected)
    if ended:
        out["status"] = final_status(progress)
        out["grade"] = grade(progress)
    else:
        out["status"] = pace_status(out["kr_type"], progress, expected, on_track_tolerance, at_risk_tolerance)
        out["grade"] = np.nan
    out["grade_band"] = grade_band(out["grade"])
    return out


def kr_progress(
    workbook: Workbook,
    quarter: pd.Period | str,
    as_of: object = None,
    on_track_tolerance: float = ON_TRACK_TOLERANCE,
    at_risk_tolerance: float = AT_RISK_TOLERANCE,
) -> pd.DataFrame:
    """Progress, expected progress and status of every key result of ``quarter``.

    Examples
    --------
    >>> krs = kr_progress(wb, "2026-Q3", as_of="2026-08-15")   # doctest: +SKIP
    >>> krs[["kr_id", "progress", "expected_progress", "status"]]  # doctest: +SKIP
    """
    period, day = resolve(workbook, quarter, as_of)

    def compute() -> pd.DataFrame:
        _, end = quarter_bounds(period)
        frame = current_values(workbook, period, day)
        expected = expected_progress(period, day)
        return score(frame, expected, on_track_tolerance, at_risk_tolerance, ended=day >= end)

    return cached(workbook, ("kr_progress", period, day, on_track_tolerance, at_risk_tolerance), compute)


def final_kr_progress(workbook: Workbook, quarters: Sequence[pd.Period | str]) -> pd.DataFrame:
    """:func:`kr_progress` of each of ``quarters`` on its last day (final progress, status and
    grade), in one pass rather than one per quarter.

    The rows equal ``kr_progress(workbook, q, last day of q)`` for each ``q`` in turn.

    Examples
    --------
    >>> final_kr_progress(wb, ["2026-Q1", "2026-Q2"])[["kr_id", "progress", "grade"]]  # doctest: +SKIP
    """
    periods = tuple(parse_quarter(quarter) for quarter in quarters)

    def compute() -> pd.DataFrame:
        frame = current_values_of(workbook, {period: quarter_bounds(period)[1] for period in periods})
        return score(frame, expected=1.0, ended=True)  # on the last day, all of it is expected

    return cached(workbook, ("final_kr_progress", periods), compute)


def final_objective_progress(workbook: Workbook, quarters: Sequence[pd.Period | str]) -> pd.DataFrame:
    """:func:`objective_progress` of each of ``quarters`` on its last day (final progress,
    status and grade), in one pass; the quarters in the order given."""
    periods = [parse_quarter(quarter) for quarter in quarters]
    objectives = rows_of_quarters(workbook.objectives, periods)
    return roll_up(final_kr_progress(workbook, periods), objectives, ended=True)


def previous_quarter_summary(
    workbook: Workbook, quarter: pd.Period | str, as_of: object = None
) -> pd.DataFrame:
    """Each team's final numbers of the quarter before ``quarter``, to compare a review with.

    The previous quarter is the calendar one (``2026-Q2`` for ``2026-Q3``), scored on its
    last day (:func:`final_objective_progress`), or on ``as_of`` when that is earlier: nothing
    after a review's as-of date is read.  Grades are given only when that day is the quarter's
    last.

    Parameters
    ----------
    workbook : the loaded workbook.
    quarter : the quarter under review, e.g. ``"2026-Q3"``.
    as_of : the review's as-of date (default: :func:`okrlib.default_as_of` of ``quarter``).

    Returns
    -------
    DataFrame with quarter (the previous one), team, objectives, mean_progress and mean_grade
    (the plain means over the team's objectives, as a review's headline takes them); first a
    row for the whole company (team ``All teams``), then one per team with objectives in the
    previous quarter, by name.  No rows when the previous quarter has no objectives.

    Examples
    --------
    >>> previous_quarter_summary(wb, "2026-Q3")  # doctest: +SKIP
    """
    period, day = resolve(workbook, quarter, as_of)
    previous = period - 1
    end = quarter_bounds(previous)[1]
    if day >= end:
        objectives = final_objective_progress(workbook, [previous])
    else:
        objectives = objective_progress(workbook, previous, day)
    means = {
        "objectives": ("progress", "size"),
        "mean_progress": ("progress", "mean"),
        "mean_grade": ("grade", "mean"),
    }
    company = objectives.assign(team=ALL_TEAMS).groupby("team").agg(**means)
    teams = objectives.groupby("team").agg(**means)  # a team called "All teams" stays its own row
    summary = pd.concat([company, teams]).reset_index()
    summary.insert(0, "quarter", previous)
    return summary


def weighted_progress(key_results: pd.DataFrame, column: str) -> pd.Series:
    """Weight-average ``column`` per objective over the key results that have a value."""
    values, weight = key_results[column], key_results["weight"]
    by = key_results["objective_id"]
    weighted = (values * weight).groupby(by).sum()
    counted = weight.where(values.notna()).groupby(by).sum()
    return (weighted / counted).where(counted > 0)


def roll_up(
    key_results: pd.DataFrame,
    objectives: pd.DataFrame,
    ended: bool = False,
    on_track_tolerance: float = ON_TRACK_TOLERANCE,
    at_risk_tolerance: float = AT_RISK_TOLERANCE,
) -> pd.DataFrame:
    """Objective progress, status, confidence and (``ended``: once the quarter is over) grades
    from scored key results (:func:`score`)."""
    krs = key_results.assign(
        is_done=key_results["status"].eq("done"),
        without_data=key_results["progress"].isna(),
    )
    groups = krs.groupby("objective_id")
    stats = pd.DataFrame(  # one reduction per column: cheaper than a named aggregation
        {
            "krs": groups.size(),
            "krs_done": groups["is_done"].sum(),
            "krs_without_data": groups["without_data"].sum(),
            "mean_confidence": groups["confidence"].mean(),
            "expected_progress": groups["expected_progress"].first(),
        }
    )
    stats["progress"] = weighted_progress(key_results, "progress")
    frame = objectives.reset_index(drop=True).merge(stats.reset_index(), on="objective_id", how="inner")
    expected = frame["expected_progress"]
    all_done = frame["krs_done"].eq(frame["krs"])
    if ended:
        frame["status"] = final_status(frame["progress"], all_done)
    else:
        frame["status"] = _objective_status(
            frame["progress"], all_done, expected, on_track_tolerance, at_risk_tolerance
        )
    frame["grade"] = grade(frame["progress"]) if ended else np.nan
    frame["grade_band"] = grade_band(frame["grade"])
    frame["missed_commitment"] = frame["commitment"].eq("committed") & (frame["grade"] < 1.0)
    frame["success"] = frame["commitment"].eq("aspirational") & (frame["grade"] >= 0.7)
    return frame


def _objective_status(
    progress: pd.Series, all_done: pd.Series, expected: pd.Series, on_track: float, at_risk: float
) -> pd.Series:
    status = np.select(
        [
            progress.isna(),
            all_done,
            progress >= expected - on_track - EPSILON,
            progress >= expected - at_risk - EPSILON,
        ],
        ["no_data", "done", "on_track", "at_risk"],
        default="off_track",
    )
    return pd.Series(status, index=progress.index, dtype="str")


def objective_progress(
    workbook: Workbook,
    quarter: pd.Period | str,
    as_of: object = None,
    key_results: pd.DataFrame | None = None,
    on_track_tolerance: float = ON_TRACK_TOLERANCE,
    at_risk_tolerance: float = AT_RISK_TOLERANCE,
) -> pd.DataFrame:
    """Weight-averaged progress, status, confidence and grade of every objective of ``quarter``.

    ``key_results`` may pass an already computed :func:`kr_progress` frame.
    """
    period, day = resolve(workbook, quarter, as_of)
    if key_results is None:
        key_results = kr_progress(workbook, period, day, on_track_tolerance, at_risk_tolerance)
    objectives = workbook.objectives[workbook.objectives["quarter"] == period]
    _, end = quarter_bounds(period)
    return roll_up(key_results, objectives, day >= end, on_track_tolerance, at_risk_tolerance)


def forecast(workbook: Workbook, quarter: pd.Period | str, as_of: object = None) -> pd.DataFrame:
    """Least-squares projection of each key result's check-ins to the quarter's last day.

    Key results with at least two check-ins in the quarter up to ``as_of`` get a row with
    slope_per_day, projected_value, projected_raw_progress and projected_progress.
    """
    period, day = resolve(workbook, quarter, as_of)
    start, end = quarter_bounds(period)
    krs = _quarter_key_results(workbook, period)
    checkins = workbook.checkins
    rows = checkins[
        isin(checkins["kr_id"], krs["kr_id"]) & (checkins["date"] >= start) & (checkins["date"] <= day)
    ]
    lines = fit_lines((rows["date"] - start).dt.days, rows["value"], rows["kr_id"])
    lines = lines[lines["n"] >= 2]
    horizon = float((end - start).days)
    result = (
        pd.DataFrame(
            {
                "checkins_used": lines["n"],
                "slope_per_day": lines["slope"],
                "projected_value": lines["intercept"] + lines["slope"] * horizon,
            }
        )
        .rename_axis("kr_id")
        .reset_index()
    )
    result = krs[["kr_id", "objective_id", "kr_type", "start", "target"]].merge(result, on="kr_id")
    raw, clipped = progress_of(
        result["kr_type"], result["start"], result["target"], result["projected_value"]
    )
    result["projected_raw_progress"], result["projected_progress"] = raw, clipped
    result["projected_date"] = end
    return result
