"""The fits behind an impact verdict: every series' step and ramp, seasonal terms, the decision
rule (see :mod:`okrlib.analysis.impact`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import isin, series_key
from . import _its
from ._impact_series import (
    MIN_BASELINE_MONTHS,
    MIN_BASELINE_WEEKS,
    MIN_POST_MONTHS,
    MIN_POST_WEEKS,
    SEASONAL_MONTHS,
    SEASONAL_SLACK,
    SEASONAL_WALD,
    SEASONAL_WEEKS,
    SERIES,
    VERDICT_LEVEL,
    YEAR,
)


def _fit_frame(points: pd.DataFrame, period: str = "week") -> dict[str, object]:
    """Fit one series (or say why not): one row of :func:`_fits` as a dict."""
    keys = points[SERIES].iloc[:1] if len(points) else pd.DataFrame({"kpi_id": [""], "segment": [""]})
    row = _fits(points, keys.assign(period=period)).iloc[0]
    return {name: value for name, value in row.items() if name not in SERIES and not pd.isna(value)}


def change(fits: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """The decision rule: which shape's interval excludes zero, and the sign it gives.

    ``fits`` holds ``{prefix}effect``, ``{prefix}low`` and ``{prefix}high`` (``effect_low``
    and ``effect_high`` without a prefix), the ramp's ``{prefix}ramp_*`` and both p-values.
    Returns shape (``step``, ``ramp``, or missing: no change found) and sign (+1, -1, 0).
    When both intervals exclude zero the one with the smaller p-value (the larger |t|)
    speaks; the two intervals share one critical value (level :data:`VERDICT_LEVEL`).
    """
    low, high = ("effect_low", "effect_high") if not prefix else (f"{prefix}low", f"{prefix}high")
    step = (fits[low] > 0) | (fits[high] < 0)
    ramp = (fits[f"{prefix}ramp_low"] > 0) | (fits[f"{prefix}ramp_high"] < 0)
    ramp_first = ramp & (~step | (fits[f"{prefix}ramp_p_value"] < fits[f"{prefix}p_value"]))
    shape = np.select([ramp_first, step], ["ramp", "step"], default="")
    effect = np.where(ramp_first, fits[f"{prefix}ramp_effect"], fits[f"{prefix}effect"])
    sign = np.where(step | ramp, np.sign(effect), 0).astype("int64")
    return pd.DataFrame(
        {"shape": pd.Series(shape, index=fits.index, dtype="str").replace("", pd.NA), "sign": sign},
        index=fits.index,
    )


def rule_verdict(fits: pd.DataFrame, direction: pd.Series, fitted: pd.Series, prefix: str = "") -> pd.Series:
    """Direction-aware verdict of :func:`change` (step or ramp; see the module docstring)."""
    sign = change(fits, prefix)["sign"]
    return verdict(sign, sign, direction, fitted)


def verdict(low: pd.Series, high: pd.Series, direction: pd.Series, fitted: pd.Series) -> pd.Series:
    """Direction-aware verdict from one interval (see the module docstring)."""
    higher = direction.eq("higher_is_better")
    above, below = low > 0, high < 0
    result = np.select(
        [~fitted, above & higher, below & ~higher, above | below],
        ["insufficient_data", "improved", "improved", "worsened"],
        default="no_clear_effect",
    )
    return pd.Series(result, index=low.index, dtype="str")


FIT_COLUMNS = [
    *SERIES,
    "period",
    "baseline_points",
    "post_points",
    "seasonal",
    "short_history",
    "effect",
    "effect_low",
    "effect_high",
    "effect_pct",
    "p_value",
    "end_difference",
    "rho",
    "intercept",
    "slope",
    "season_sin",
    "season_cos",
    "ramp_effect",
    "ramp_low",
    "ramp_high",
    "ramp_pct",
    "ramp_p_value",
    "ramp_intercept",
    "ramp_slope",
    "ramp_season_sin",
    "ramp_season_cos",
    "reason",
]


def _fits(points: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Fit every series in ``keys`` (one fit per distinct series, in the order of ``keys``).

    ``points`` holds kpi_id, segment, point and value (a :func:`windows` frame); ``keys``
    kpi_id, segment and period (``week`` when it has none), which sets the minimum numbers
    of points.  Series observed at the same points are fitted together
    (:func:`okrlib.analysis._its.fit_many`), so the loop runs over the few distinct patterns of
    points, not over the series.
    """
    if "period" not in keys:
        keys = keys.assign(period="week")
    distinct = keys[[*SERIES, "period"]].drop_duplicates(SERIES).reset_index(drop=True)
    key = series_key(distinct)
    points = points[isin(series_key(points), key)]
    column = pd.Index(key).get_indexer(series_key(points))
    after = points["point"].to_numpy() >= 0
    post = np.bincount(column, weights=after, minlength=len(distinct)).astype("int64")
    baseline = np.bincount(column, minlength=len(distinct)).astype("int64") - post
    unit = distinct["period"].astype("str")
    monthly = unit.eq("month").to_numpy()
    point, value = points["point"].to_numpy(), points["value"].to_numpy().astype("float64")
    earliest = np.full(len(distinct), np.iinfo("int64").max)
    np.minimum.at(earliest, column, point)
    reach = np.where(
        monthly, SEASONAL_MONTHS - SEASONAL_SLACK["month"], SEASONAL_WEEKS - SEASONAL_SLACK["week"]
    )
    year = np.where(monthly, YEAR["month"], YEAR["week"])
    cycles = _yearly_cycles(point, value, column, np.where(earliest <= -reach, year, 0.0))
    seasonal = cycles[:, 2] > 0
    # weekly: the cycle found in the two years before is taken out, the model runs on the
    # usual window; monthly: the cycle is fitted in the model itself, on all 36 + 3 months
    joint = seasonal & monthly
    angle = 2 * np.pi * point / year[column]
    taken_out = seasonal & ~monthly
    value = value - np.where(
        taken_out[column], cycles[column, 0] * np.sin(angle) + cycles[column, 1] * np.cos(angle), 0.0
    )
    if "in_window" in points:
        window = points["in_window"].to_numpy() | joint[column]
        point, value, column, after = point[window], value[window], column[window], after[window]
        post = np.bincount(column, weights=after, minlength=len(distinct)).astype("int64")
        baseline = np.bincount(column, minlength=len(distinct)).astype("int64") - post
    out = distinct.assign(period=unit, baseline_points=baseline, post_points=post, seasonal=seasonal)
    out["short_history"] = earliest > -reach  # too short to look for a yearly cycle
    need_baseline = np.where(monthly, MIN_BASELINE_MONTHS, MIN_BASELINE_WEEKS)
    need_post = np.where(monthly, MIN_POST_MONTHS, MIN_POST_WEEKS)
    short_baseline, short_post = baseline < need_baseline, post < need_post
    needed = " (" + pd.Series(need_baseline, dtype="str") + " needed)"
    baseline_text = pd.Series(baseline, dtype="str") + " baseline " + unit + "s" + needed
    needed = " (" + pd.Series(need_post, dtype="str") + " needed)"
    post_text = pd.Series(post, dtype="str") + " post " + unit + "s" + needed
    both = baseline_text + " and " + post_text
    out["reason"] = both.where(short_baseline & short_post, baseline_text.where(short_baseline, post_text))
    out["reason"] = out["reason"].where(short_baseline | short_post)
    numbers = pd.DataFrame(
        np.nan,
        index=out.index,
        columns=[*FIT_COLUMNS[FIT_COLUMNS.index("effect") : -1], "level", "ramp_level"],
    )
    fitted = out["reason"].isna().to_numpy()
    if fitted.any():
        chosen = np.isin(column, np.flatnonzero(fitted))
        level = np.where(monthly, VERDICT_LEVEL["month"], VERDICT_LEVEL["week"])
        numbers.iloc[:] = _fit_patterns(
            point[chosen], value[chosen], column[chosen], np.where(joint, year, 0.0), level
        )
        numbers.loc[taken_out, ["season_sin", "season_cos"]] = cycles[taken_out, :2]
        numbers.loc[taken_out, ["ramp_season_sin", "ramp_season_cos"]] = cycles[taken_out, :2]
        # percents against the counterfactual with its cycle put back (the fit saw it taken out)
        after = point >= 0
        cycle = cycles[column, 0] * np.sin(2 * np.pi * point / year[column]) + cycles[column, 1] * np.cos(
            2 * np.pi * point / year[column]
        )
        count = np.bincount(column, weights=after, minlength=len(distinct))
        mean_cycle = np.bincount(column, weights=cycle * after, minlength=len(distinct)) / np.maximum(
            count, 1
        )
        for name, level in (("effect", "level"), ("ramp_effect", "ramp_level")):
            line = numbers[level] + np.where(taken_out, mean_cycle, 0.0)
            pct = 100 * numbers[name] / line.where(line != 0)
            numbers[name.replace("effect", "pct") if name != "effect" else "effect_pct"] = pct
    out = pd.concat([out, numbers], axis=1)[FIT_COLUMNS]
    return out.astype({"kpi_id": "str", "segment": "str", "period": "str", "reason": "str"})


def _fit_patterns(
    point: np.ndarray, value: np.ndarray, column: np.ndarray, year: np.ndarray, level: np.ndarray
) -> np.ndarray:
    """The fitted numbers (``FIT_COLUMNS`` effect to ramp_season_cos, then the step's and the
    ramp's counterfactual means over the post points) of series ``0 .. len(year) - 1``
    given as long arrays (point, value, series number); NaN rows for series not given.
    ``year`` is a series' points per year when its yearly cycle is fitted in the model,
    else 0 (season columns 0); ``level`` its intervals' level (:data:`VERDICT_LEVEL`)."""
    count = len(year)
    points = np.unique(point)
    wide = np.full((len(points), count), np.nan)
    wide[np.searchsorted(points, point), column] = value
    present = ~np.isnan(wide)
    given = present.any(axis=0)
    groups = np.vstack([present[:, given], year[given], level[given]]).T
    patterns, which = np.unique(groups, axis=0, return_inverse=True)
    result = np.full((count, 22), np.nan)
    for number, pattern in enumerate(patterns):  # over distinct patterns of points, not series
        cols = np.flatnonzero(given)[which.ravel() == number]
        rows, cycle = pattern[:-2].astype(bool), float(pattern[-2]) or None
        t, y = points[rows], wide[rows][:, cols]
        fit, ramp = _its.fit_step_and_ramp(t, y, year=cycle, level=float(pattern[-1]))
        post = t >= 0
        counterfactual = _baseline_line(t[post], fit, cycle)
        result[cols] = np.column_stack(
            [
                fit["effect"],
                fit["low"],
                fit["high"],
                np.full(len(cols), np.nan),  # effect_pct: from the levels, by _fits
                fit["p_value"],
                y[post][-1] - counterfactual[-1],
                fit["rho"],
                fit["intercept"],
                fit["slope"],
                fit["season_sin"],
                fit["season_cos"],
                ramp["effect"],
                ramp["low"],
                ramp["high"],
                np.full(len(cols), np.nan),  # ramp_pct
                ramp["p_value"],
                ramp["intercept"],
                ramp["slope"],
                ramp["season_sin"],
                ramp["season_cos"],
                counterfactual.mean(axis=0),
                _baseline_line(t[post], ramp, cycle).mean(axis=0),
            ]
        )
    return result


def _yearly_cycles(point: np.ndarray, value: np.ndarray, column: np.ndarray, year: np.ndarray) -> np.ndarray:
    """The yearly cycle of each series with ``year`` > 0 (points per year), from its points
    before the quarter: trend plus one sine and one cosine, AR(1) GLS as in the model.

    Returns series x 3: the sine and cosine coefficients and 1.0 where the cycle is clear
    (:data:`SEASONAL_WALD` or more on the two coefficients' squared t statistics summed,
    a 1% test), else zeros.
    """
    out = np.zeros((len(year), 3))
    keep = (year[column] > 0) & (point < 0)
    if not keep.any():
        return out
    point, value, column = point[keep], value[keep], column[keep]
    points = np.unique(point)
    wide = np.full((len(points), len(year)), np.nan)
    wide[np.searchsorted(points, point), column] = value
    present = ~np.isnan(wide)
    given = present.any(axis=0)
    groups = np.vstack([present[:, given], year[given]]).T
    patterns, which = np.unique(groups, axis=0, return_inverse=True)
    for number, pattern in enumerate(patterns):  # over distinct patterns of points, not series
        cols = np.flatnonzero(given)[which.ravel() == number]
        rows = pattern[:-1].astype(bool)
        design = _its.design_matrix(points[rows], float(pattern[-1]))[:, :-1]
        params, errors, _, _ = _its.fit_batch(design, wide[rows][:, cols])
        with np.errstate(divide="ignore", invalid="ignore"):
            wald = (params[:, 2] / errors[:, 2]) ** 2 + (params[:, 3] / errors[:, 3]) ** 2
        clear = np.nan_to_num(wald) >= SEASONAL_WALD
        out[cols] = np.column_stack([params[:, 2], params[:, 3], clear]) * clear[:, None]
    return out


def _baseline_line(t: np.ndarray, fit: dict, year: float | None) -> np.ndarray:
    """The fitted no-effect line (trend, and the yearly cycle when modelled) at points ``t``
    (len(t) x series); ``fit`` holds arrays (or scalars) intercept, slope, season_sin and
    season_cos."""
    t = np.asarray(t).astype("float64")[:, None]
    line = np.asarray(fit["intercept"]) + np.asarray(fit["slope"]) * t
    if year:
        angle = 2 * np.pi * t / year
        line = (
            line
            + np.asarray(fit["season_sin"]) * np.sin(angle)
            + np.asarray(fit["season_cos"]) * np.cos(angle)
        )
    return line
