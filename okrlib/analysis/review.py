"""Across-quarter analytics: forecast odds, confidence calibration, grade distributions.

Rules (the README quotes these)
-------------------------------
Forecast odds, for each increase, decrease or milestone key result with at least three
check-ins in the quarter up to ``as_of``: a least-squares line through (day, value) of the
check-ins, read at the quarter's last day.  Its 80% prediction interval is the line's value
plus or minus t(0.90, n - 2) * s * sqrt(1 + 1/n + (x_end - mean x)^2 / Sxx), where s is the
residual standard deviation and Sxx the spread of the check-in days; the probability of
reaching the target is the Student-t probability (n - 2 degrees of freedom) that the value
at the quarter's end lies on the target's side (at or above it for increase and milestone,
whose target is 1; at or below for decrease).  The model takes the check-ins as a straight
trend plus independent noise.

Confidence calibration, over the quarters that have ended: each key result's confidence at
the mid-quarter check-in (the latest check-in with a confidence on or before the quarter's
midpoint, its first day plus half its days rounded down) against whether it ended done
(progress >= 1 at the quarter's last day).  Per team and overall: the Brier score (the mean
of (confidence - done)^2), and the hit rate in the confidence bands 0-0.2, 0.2-0.4, 0.4-0.6,
0.6-0.8 and 0.8-1.0 (each band includes its lower edge; 1.0 falls in the last).  A team with
fewer than 10 graded key results gets no score.

Grade distributions, over the quarters that have ended: aspirational objectives' grades
against the 0.6-0.7 sweet spot.  A team is ``too_safe`` when its mean aspirational grade is
0.9 or more in most (more than half) of its ended quarters, ``too_far`` when it is 0.3 or
less in most of them.  Committed objectives graded below 1.0 are listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import Workbook, isin, quarter_bounds
from ._current import quarter_dates
from ._rollup import ALL_TEAMS
from ._trend import fit_lines
from .progress import final_kr_progress, final_objective_progress, kr_progress, resolve

LINKED_COLUMNS = [
    "quarter",
    "team",
    "objective_id",
    "kr_id",
    "key_result",
    "kpi_id",
    "segment",
    "status",
    "progress",
]
ODDS_TYPES = ("increase", "decrease", "milestone")
MIN_ODDS_CHECKINS = 3
INTERVAL = 0.80
BANDS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
BAND_LABELS = ["0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0"]
MIN_GRADED = 10
SWEET_SPOT = (0.6, 0.7)


def linked_key_results(workbook: Workbook) -> pd.DataFrame:
    """Every key result that links a KPI, with its progress and status in its own quarter.

    Each quarter is read at its default ``as_of`` (its last day, or the latest date in the
    data for the running quarter).
    """
    frames = [kr_progress(workbook, quarter) for quarter in workbook.quarters]
    frames = [frame[frame["kpi_id"].notna()] for frame in frames]
    if not frames:
        return pd.DataFrame(columns=LINKED_COLUMNS)
    linked = pd.concat(frames, ignore_index=True)
    linked["segment"] = linked["segment"].fillna("all")
    return linked[LINKED_COLUMNS]


def trend_odds(
    days: pd.Series,
    values: pd.Series,
    keys: pd.Series,
    horizon: pd.Series | float,
    interval: float = INTERVAL,
) -> pd.DataFrame:
    """Fit a line per key and predict at ``horizon`` with a prediction interval (see module docstring).

    Returns one row per key with checkins_used, projected_value, low, high and se (the
    prediction's standard error), indexed by key.
    """
    lines = fit_lines(days, values, keys)
    n, mean_x, sxx = lines["n"], lines["mean_x"], lines["sxx"]
    intercept, slope, sse = lines["intercept"], lines["slope"], lines["sse"]
    s = np.sqrt(sse / (n - 2))
    horizon = horizon if isinstance(horizon, pd.Series) else pd.Series(horizon, index=n.index)
    x_end = horizon.reindex(n.index)
    se = s * np.sqrt(1 + 1 / n + (x_end - mean_x) ** 2 / sxx)
    from scipy.special import stdtrit  # here: 0.13 s of imports that only the odds need

    t = pd.Series(stdtrit((n - 2).to_numpy(dtype=float), 0.5 + interval / 2), index=n.index)
    projected = intercept + slope * x_end
    return pd.DataFrame(
        {
            "checkins_used": n,
            "projected_value": projected,
            "low": projected - t * se,
            "high": projected + t * se,
            "se": se,
        }
    )


def reach_probability(
    projected: pd.Series, se: pd.Series, df: pd.Series, target: pd.Series, higher: pd.Series
) -> pd.Series:
    """Student-t probability that the end value lies on the target's side (see module docstring)."""
    from scipy.special import stdtr  # here: 0.13 s of imports that only the odds need

    z = (target - projected) / se
    above = 1 - stdtr(np.asarray(df, dtype=float), np.asarray(z, dtype=float))
    exact = np.where(projected >= target, 1.0, 0.0)  # no noise left: the line decides
    above = np.where(se > 0, above, exact)
    below = np.where(se > 0, 1 - above, np.where(projected <= target, 1.0, 0.0))
    return pd.Series(np.where(higher, above, below), index=projected.index)


def for_team(frame: pd.DataFrame, team: str | None) -> pd.DataFrame:
    """Rows of ``team`` (and the ``All teams`` rows); every row when ``team`` is None."""
    return frame if team is None else frame[frame["team"].isin([team, ALL_TEAMS])]


def forecast_odds(workbook: Workbook, quarter: pd.Period | str, as_of: object = None) -> pd.DataFrame:
    """Projected end value, its 80% prediction interval and the probability of reaching the target.

    One row per increase, decrease or milestone key result with at least three check-ins in
    the quarter up to ``as_of``: kr_id, objective_id, team, kr_type, target, checkins_used,
    projected_value, low, high, probability.
    """
    period, day = resolve(workbook, quarter, as_of)
    start, end = quarter_bounds(period)
    krs = workbook.key_results
    krs = krs[(krs["quarter"] == period) & krs["kr_type"].isin(ODDS_TYPES)]
    checkins = workbook.checkins
    rows = checkins[
        isin(checkins["kr_id"], krs["kr_id"]) & (checkins["date"] >= start) & (checkins["date"] <= day)
    ]
    counts = rows.groupby("kr_id").size()
    rows = rows[rows["kr_id"].map(counts) >= MIN_ODDS_CHECKINS]
    days = (rows["date"] - start).dt.days
    odds = trend_odds(days, rows["value"], rows["kr_id"], float((end - start).days))
    out = krs[["kr_id", "objective_id", "team", "kr_type", "target"]].merge(
        odds.rename_axis("kr_id").reset_index(), on="kr_id"
    )
    goal = out["target"].where(out["kr_type"] != "milestone", 1.0)
    out["probability"] = reach_probability(
        out["projected_value"], out["se"], out["checkins_used"] - 2, goal, out["kr_type"] != "decrease"
    )
    return out.drop(columns="se")


def ended_quarters(workbook: Workbook) -> list[pd.Period]:
    """Quarters whose last day is on or before the latest date in the data (a cut workbook:
    its as-of date)."""
    latest = workbook.known_until
    return [q for q in workbook.quarters if quarter_bounds(q)[1] <= latest]


def _midpoint(quarter: pd.Period) -> pd.Timestamp:
    start, end = quarter_bounds(quarter)
    return start + pd.Timedelta(days=((end - start).days + 1) // 2)


def graded_confidence(workbook: Workbook) -> pd.DataFrame:
    """Each key result of an ended quarter: its mid-quarter confidence and whether it ended done."""
    columns = ["kr_id", "quarter", "team", "progress", "confidence", "done"]
    quarters = ended_quarters(workbook)
    if not quarters:
        return pd.DataFrame(columns=columns)
    final = final_kr_progress(workbook, quarters)
    midpoints = {quarter: _midpoint(quarter) for quarter in quarters}
    checkins = workbook.checkins.dropna(subset=["confidence"])
    checkins = checkins[isin(checkins["kr_id"], final["kr_id"])]
    mid = checkins[checkins["date"].to_numpy() <= quarter_dates(checkins, final, midpoints)]
    confidence = mid.sort_values(["kr_id", "date"]).groupby("kr_id")["confidence"].last()
    frame = final.assign(
        confidence=final["kr_id"].map(confidence), done=(final["progress"] >= 1).astype(float)
    )
    return frame[columns].dropna(subset=["confidence"]).reset_index(drop=True)


def calibration(graded: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Brier score and hit rates per confidence band, per team and overall (``All teams``).

    Returns ``(scores, bands)``: scores has team, graded, brier (missing below 10 graded),
    top_krs and top_hit_rate (the key results in the 0.8-1.0 band and the share done);
    bands has team, band, krs, mean_confidence and hit_rate.
    """
    overall = graded.assign(team=ALL_TEAMS)
    both = pd.concat([graded, overall], ignore_index=True)
    both["band"] = pd.cut(both["confidence"], BANDS, labels=BAND_LABELS, right=False, include_lowest=True)
    both.loc[both["confidence"] >= 1.0, "band"] = BAND_LABELS[-1]
    both["error"] = (both["confidence"] - both["done"]) ** 2
    # a reduction per column: pandas' named aggregation costs about twice as much here
    by_team = both.groupby("team", sort=False)
    scores = pd.DataFrame({"graded": by_team.size(), "brier": by_team["error"].mean()})
    by_band = both.groupby(["team", "band"], sort=False, observed=True)
    bands = pd.DataFrame(
        {
            "krs": by_band.size(),
            "mean_confidence": by_band["confidence"].mean(),
            "hit_rate": by_band["done"].mean(),
        }
    ).reset_index()
    top = bands[bands["band"] == BAND_LABELS[-1]].set_index("team")
    scores["brier"] = scores["brier"].where(scores["graded"] >= MIN_GRADED)
    scores["top_krs"] = top["krs"].reindex(scores.index).fillna(0).astype("int64")
    scores["top_hit_rate"] = top["hit_rate"].reindex(scores.index)
    return scores.reset_index(), bands


def grade_distribution(workbook: Workbook) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Graded objectives of ended quarters, per-team flags, and missed commitments.

    Returns ``(grades, teams, missed)``: grades has quarter, team, objective_id, objective,
    commitment and grade; teams has team, quarters, mean_aspirational_grade, in_sweet_spot
    (share of aspirational grades in 0.6-0.7), safe_quarters, far_quarters and flag
    (``too_safe``, ``too_far`` or missing); missed lists committed objectives graded below 1.0.
    """
    quarters = ended_quarters(workbook)
    columns = ["quarter", "team", "objective_id", "objective", "commitment", "grade"]
    grades = (
        final_objective_progress(workbook, quarters)[columns] if quarters else pd.DataFrame(columns=columns)
    )
    aspirational = grades[grades["commitment"] == "aspirational"]
    per_quarter = aspirational.groupby(["team", "quarter"])["grade"].mean().reset_index()
    by_team = per_quarter.groupby("team")["grade"]
    teams = pd.DataFrame(
        {
            "quarters": by_team.size(),
            "mean_aspirational_grade": by_team.mean(),
            "safe_quarters": per_quarter["grade"].ge(0.9).groupby(per_quarter["team"]).sum(),
            "far_quarters": per_quarter["grade"].le(0.3).groupby(per_quarter["team"]).sum(),
        }
    )
    low, high = SWEET_SPOT
    teams["in_sweet_spot"] = aspirational["grade"].between(low, high).groupby(aspirational["team"]).mean()
    teams["flag"] = np.select(
        [teams["safe_quarters"] > teams["quarters"] / 2, teams["far_quarters"] > teams["quarters"] / 2],
        ["too_safe", "too_far"],
        default="",
    )
    teams["flag"] = teams["flag"].replace("", pd.NA)
    missed = grades[(grades["commitment"] == "committed") & (grades["grade"] < 1.0)].reset_index(drop=True)
    return grades, teams.reset_index(), missed
