"""Did the OKR move its KPI?  Interrupted time series at the quarter start, with guardrails.

Every key result with a ``kpi_id`` is a hypothesis: its KPI (the KR's segment, else
``all``) should move once the quarter starts.  This module tests it.

Weekly series
-------------
Weeks are 7-day bins counted from the quarter's first day (week 0 starts on it), so the
change falls exactly on a week boundary.  Each week's value combines its observations by
the KPI's aggregation rule (``sum``, ``mean``, ``last``).  Baseline: the 26 weeks before
the quarter (``baseline_weeks``).  Post: the complete weeks from the quarter start up to
the earlier of ``as_of`` and the quarter's last day (the one or two days left after the
13th week are not analysed).  Weeks with no observation are left out.

Model
-----
A level change at week 0 on a linear trend, with AR(1) errors::

    value_t = a + b * t + effect * post_t + e_t,    e_t = rho * e_(t-1) + u_t

``effect`` is the mean difference between the observed post weeks and the counterfactual
``a + b * t`` (the baseline trend extended); ``effect_pct`` is it as a percent of the
counterfactual's mean over the post weeks; ``end_difference`` is the last post week's
observed value minus the counterfactual there.

Why this model: weekly KPI series are autocorrelated, and plain OLS with Newey-West errors
calls about a quarter of no-effect series significant.  Maximum-likelihood AR(1) fits
(statsmodels SARIMAX) underestimate rho on 39 points and still give 13-15% false verdicts
here.  So the fit is feasible GLS (statsmodels ``GLSAR``, Cochrane-Orcutt) at a
bias-corrected rho, and the 95% interval and p-value come from a parametric bootstrap of
the t statistic (399 series simulated from the fitted no-effect model with the same
estimator), which corrects the remaining small-sample optimism.  Measured by
``tests/test_impact.py`` on 200 seeds of 26 + 13 weekly points with AR(1) noise (phi 0.5)
and a trend: 5% false verdicts with no effect; 90% of level shifts of 3 noise standard
deviations (the AR(1) series' own standard deviation) found with the right sign (76% when
the shift is 3 innovation standard deviations, 3 / 1.15 of those).  Seasonality is not
modelled: a KPI with a strong yearly cycle can read as an effect (see data/README.md).

Verdict (direction-aware): ``improved`` when the interval lies wholly on the KPI's good
side of zero, ``worsened`` when wholly on the bad side, ``no_clear_effect`` otherwise,
``insufficient_data`` with fewer than 8 baseline or 4 post weeks (``reason`` says which).
Each verdict carries what it rests on: ``period`` (the unit of the points), the
``baseline_points`` and ``post_points`` used, and ``seasonal`` (whether a yearly cycle was
modelled).

Difference-in-differences: when the KR names a segment and the KPI has other segments
(``all`` aside), the same model is fitted to the KR segment's weekly value minus the mean
of the other segments' (the control), and reported beside the main estimate as ``did_*``.

Shared attribution: several key results of a quarter may link the same KPI and segment.
They get the same estimate (one series, one test), and nothing in the data can split the
effect between them; ``shared_by`` says how many key results share it, and counts of
verdicts take each estimate once (:func:`estimates`).

Guardrails: every KPI's ``all`` series (each segment when a KPI has no ``all`` series)
tested the same way at the quarter start; those that ``worsened`` are listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _its
from ._frames import isin, series_key
from .kpi import aggregate_by
from .progress import kr_progress, resolve
from .workbook import Workbook, cached, quarter_bounds

BASELINE_WEEKS = 26
MIN_BASELINE_WEEKS = 8
MIN_POST_WEEKS = 4
VERDICTS = ("improved", "worsened", "no_clear_effect", "insufficient_data")
SERIES = ["kpi_id", "segment"]
KR_COLUMNS = ("kr_id", "objective_id", "team", "key_result", "kr_type", "progress", "status")


def weekly_windows(
    workbook: Workbook,
    series: pd.DataFrame,
    quarter: pd.Period | str,
    as_of: object = None,
    baseline_weeks: int = BASELINE_WEEKS,
) -> pd.DataFrame:
    """Weekly values of each (kpi_id, segment) in ``series`` around the quarter start.

    Returns kpi_id, segment, week (0 = the quarter's first week, negative = baseline),
    week_start, value and observations.
    """
    period, day = resolve(workbook, quarter, as_of)
    weeks = _every_series_weeks(workbook, period, day, baseline_weeks)
    return weeks[isin(series_key(weeks), series_key(series))].reset_index(drop=True)


def _every_series_weeks(
    workbook: Workbook, period: pd.Period, day: pd.Timestamp, baseline_weeks: int
) -> pd.DataFrame:
    """:func:`weekly_windows` of every series, taken once per workbook, quarter, date and
    baseline: a review asks for the linked series, each charted one and the guardrails."""

    def compute() -> pd.DataFrame:
        start, end = quarter_bounds(period)
        post_weeks = max(((min(day, end) - start).days + 1) // 7, 0)
        first = start - pd.Timedelta(days=7 * baseline_weeks)
        last = start + pd.Timedelta(days=7 * post_weeks - 1)
        history = workbook.kpi_history
        history = history[(history["date"] >= first) & (history["date"] <= last)]
        history = history.assign(week=(history["date"] - start).dt.days // 7)
        weeks = aggregate_by(history, workbook.kpis, [*SERIES, "week"]).drop(columns="last_date")
        weeks.insert(3, "week_start", start + pd.to_timedelta(weeks["week"] * 7, unit="D"))
        return weeks

    return cached(workbook, ("weekly_windows", period, day, baseline_weeks), compute)


def _fit_frame(weeks: pd.DataFrame) -> dict[str, object]:
    """Fit one weekly series (or say why not): one row of :func:`_fits` as a dict."""
    keys = weeks[SERIES].iloc[:1] if len(weeks) else pd.DataFrame({"kpi_id": [""], "segment": [""]})
    row = _fits(weeks, keys).iloc[0]
    return {name: value for name, value in row.items() if name not in SERIES and not pd.isna(value)}


def verdict(low: pd.Series, high: pd.Series, direction: pd.Series, fitted: pd.Series) -> pd.Series:
    """Direction-aware verdict from a 95% interval (see the module docstring)."""
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
    "effect",
    "effect_low",
    "effect_high",
    "effect_pct",
    "p_value",
    "end_difference",
    "rho",
    "intercept",
    "slope",
    "reason",
]


def _fits(weeks: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Fit every series in ``keys`` (one fit per distinct series, in the order of ``keys``).

    Series observed at the same weeks are fitted together (:func:`okrlib._its.fit_many`),
    so the loop runs over the few distinct week patterns, not over the series.
    """
    distinct = keys[SERIES].drop_duplicates().reset_index(drop=True)
    key = series_key(distinct)
    weeks = weeks[isin(series_key(weeks), key)]
    column = pd.Index(key).get_indexer(series_key(weeks))
    after = weeks["week"].to_numpy() >= 0
    post = np.bincount(column, weights=after, minlength=len(distinct)).astype("int64")
    baseline = np.bincount(column, minlength=len(distinct)).astype("int64") - post
    out = distinct.assign(period="week", baseline_points=baseline, post_points=post, seasonal=False)
    short_baseline, short_post = baseline < MIN_BASELINE_WEEKS, post < MIN_POST_WEEKS
    baseline_text = pd.Series(baseline, dtype="str") + f" baseline weeks ({MIN_BASELINE_WEEKS} needed)"
    post_text = pd.Series(post, dtype="str") + f" post weeks ({MIN_POST_WEEKS} needed)"
    both = baseline_text + " and " + post_text
    out["reason"] = both.where(short_baseline & short_post, baseline_text.where(short_baseline, post_text))
    out["reason"] = out["reason"].where(short_baseline | short_post)
    numbers = pd.DataFrame(np.nan, index=out.index, columns=FIT_COLUMNS[6:-1])
    fitted = out["reason"].isna().to_numpy()
    if fitted.any():
        chosen = np.isin(column, np.flatnonzero(fitted))
        numbers.iloc[:] = _fit_patterns(
            weeks["week"].to_numpy()[chosen], weeks["value"].to_numpy()[chosen], column[chosen], len(distinct)
        )
    out = pd.concat([out, numbers], axis=1)[FIT_COLUMNS]
    return out.astype({"kpi_id": "str", "segment": "str", "period": "str", "reason": "str"})


def _fit_patterns(week: np.ndarray, value: np.ndarray, column: np.ndarray, count: int) -> np.ndarray:
    """The fitted numbers (``FIT_COLUMNS`` effect to slope) of series ``0 .. count - 1``
    given as long arrays (week, value, series number); NaN rows for series not given."""
    weeks = np.unique(week)
    wide = np.full((len(weeks), count), np.nan)
    wide[np.searchsorted(weeks, week), column] = value
    present = ~np.isnan(wide)
    given = present.any(axis=0)
    patterns, which = np.unique(present[:, given].T, axis=0, return_inverse=True)
    result = np.full((count, 9), np.nan)
    for number, pattern in enumerate(patterns):  # over distinct week patterns, not series
        cols = np.flatnonzero(given)[which.ravel() == number]
        t, y = weeks[pattern], wide[pattern][:, cols]
        fit = _its.fit_many(t, y)
        post = t >= 0
        counterfactual = fit["intercept"] + fit["slope"] * t[post].astype("float64")[:, None]
        level = counterfactual.mean(axis=0)
        last = fit["intercept"] + fit["slope"] * t[post][-1]
        result[cols] = np.column_stack(
            [
                fit["effect"],
                fit["low"],
                fit["high"],
                np.where(level != 0, 100 * fit["effect"] / np.where(level != 0, level, 1.0), np.nan),
                fit["p_value"],
                y[post][-1] - last,
                fit["rho"],
                fit["intercept"],
                fit["slope"],
            ]
        )
    return result


def _did_weeks(weeks: pd.DataFrame, all_weeks: pd.DataFrame) -> pd.DataFrame:
    """Treated segment minus the mean of the KPI's other segments, week by week."""
    treated = weeks[[*SERIES, "week"]].drop_duplicates()
    others = all_weeks.loc[all_weeks["segment"].ne("all"), ["kpi_id", "segment", "week", "value"]]
    pairs = treated.merge(others.rename(columns={"segment": "other"}), on=["kpi_id", "week"])
    pairs = pairs[pairs["other"].ne(pairs["segment"])]
    control = pairs.groupby([*SERIES, "week"], sort=False)["value"].mean().rename("control")
    diff = weeks.join(control, on=[*SERIES, "week"], how="inner")
    diff["value"] = diff["value"] - diff.pop("control")
    return diff.dropna(subset=["value"])


def impact(
    workbook: Workbook,
    quarter: pd.Period | str,
    as_of: object = None,
    baseline_weeks: int = BASELINE_WEEKS,
    team: str | None = None,
) -> pd.DataFrame:
    """The impact verdict of every key result of ``quarter`` that links a KPI.

    Returns
    -------
    One row per linked key result: kr_id, objective_id, team, key_result, kpi_id, segment
    (the series tested), direction, period (``week`` or ``month``: the points the model
    ran on), baseline_points, post_points, seasonal (whether a yearly cycle was modelled),
    effect, effect_low, effect_high, effect_pct, p_value, end_difference, verdict, reason,
    shared_by, the
    difference-in-differences columns did_effect, did_low, did_high, did_p_value,
    did_verdict, and the KR's progress and status beside them.  ``team`` keeps one team's
    key results.

    ``shared_by`` is the number of the quarter's key results (of any team) that link the
    same KPI and segment: they all get the same estimate, one test of one series, so a
    count of verdicts should count it once (see :func:`estimates`), not once per KR.

    Examples
    --------
    >>> impact(wb, "2026-Q3")[["kr_id", "effect", "verdict", "progress"]]  # doctest: +SKIP
    """
    period, day = resolve(workbook, quarter, as_of)
    krs = kr_progress(workbook, period, day)
    krs = krs[krs["kpi_id"].notna()].assign(segment=lambda frame: frame["segment"].fillna("all"))
    # counted over the whole quarter: a key result of another team shares the estimate too
    shared_by = krs.groupby(SERIES, sort=False)["kr_id"].transform("size").astype("int64")
    krs = krs.assign(shared_by=shared_by)
    if team is not None:
        krs = krs[krs["team"].eq(team)]
    krs = krs.reset_index(drop=True)
    direction = workbook.kpis.set_index("kpi_id")["direction"]
    kpi_series = workbook.kpi_history[SERIES].drop_duplicates()
    series = kpi_series[isin(kpi_series["kpi_id"], krs["kpi_id"])]
    weeks = weekly_windows(workbook, series, period, day, baseline_weeks)
    treated = weeks.merge(krs.loc[krs["segment"].ne("all"), SERIES].drop_duplicates(), on=SERIES)
    did = _fits(_did_weeks(treated, weeks), krs.loc[krs["segment"].ne("all"), SERIES])
    main = _fits(weeks, krs)
    out = krs[["kr_id", "objective_id", "team", "key_result", "kr_type", *SERIES, "progress", "status"]]
    out = out.merge(main, on=SERIES, how="left")
    out.insert(7, "direction", out["kpi_id"].map(direction))
    fitted = out["effect"].notna()
    out["verdict"] = verdict(out["effect_low"], out["effect_high"], out["direction"], fitted)
    out["shared_by"] = krs["shared_by"]
    did = did.rename(
        columns={
            "effect": "did_effect",
            "effect_low": "did_low",
            "effect_high": "did_high",
            "p_value": "did_p_value",
        }
    )[[*SERIES, "did_effect", "did_low", "did_high", "did_p_value"]]
    out = out.merge(did, on=SERIES, how="left")
    did_fitted = out["did_effect"].notna()
    out["did_verdict"] = verdict(out["did_low"], out["did_high"], out["direction"], did_fitted).where(
        did_fitted
    )
    return out


def estimates(results: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct estimate of an :func:`impact` frame: key results that share a
    KPI and segment (``shared_by`` > 1) are one estimate, whatever their number.

    Returns kpi_id, segment, direction, the estimate's columns (effect to reason, verdict,
    did_*), shared_by and kr_ids (the key results shown here that share it, a list).
    """
    kr_ids = results.groupby(SERIES, sort=False)["kr_id"].agg(list).rename("kr_ids")
    first = results.drop_duplicates(SERIES).drop(columns=list(KR_COLUMNS), errors="ignore")
    return first.join(kr_ids, on=SERIES).reset_index(drop=True)


def verdict_counts(results: pd.DataFrame) -> pd.Series:
    """How many distinct estimates of an :func:`impact` frame got each verdict (a shared
    estimate counts once), indexed by :data:`VERDICTS`."""
    return estimates(results)["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)


def impact_series(
    workbook: Workbook,
    quarter: pd.Period | str,
    kpi_id: str,
    segment: str = "all",
    as_of: object = None,
    baseline_weeks: int = BASELINE_WEEKS,
) -> pd.DataFrame:
    """Weekly actual, fitted and counterfactual values of one KPI series, for the impact chart.

    Returns week, week_start, phase (``baseline`` or ``post``), value, fitted and
    counterfactual (the baseline trend extended; missing when the series is too short).
    """
    series = pd.DataFrame({"kpi_id": [kpi_id], "segment": [segment]})
    weeks = weekly_windows(workbook, series, quarter, as_of, baseline_weeks)
    fit = _fit_frame(weeks)
    out = weeks[["week", "week_start", "value"]].reset_index(drop=True)
    out.insert(2, "phase", np.where(out["week"] < 0, "baseline", "post"))
    if "effect" in fit:
        trend = fit["intercept"] + fit["slope"] * out["week"]
        out["counterfactual"] = trend
        out["fitted"] = trend + fit["effect"] * (out["week"] >= 0)
    else:
        out["counterfactual"] = out["fitted"] = np.nan
    return out


def guardrails(
    workbook: Workbook,
    quarter: pd.Period | str,
    as_of: object = None,
    baseline_weeks: int = BASELINE_WEEKS,
) -> pd.DataFrame:
    """Every KPI tested at the quarter start; the returned rows are those that worsened.

    Returns kpi_id, segment, name, direction, effect, effect_low, effect_high, effect_pct,
    p_value and linked (whether a key result of the quarter links it).
    """
    period, day = resolve(workbook, quarter, as_of)
    series = workbook.kpi_history[SERIES].drop_duplicates()
    has_all = series.loc[series["segment"].eq("all"), "kpi_id"]
    series = series[series["segment"].eq("all") | ~isin(series["kpi_id"], has_all)]
    weeks = weekly_windows(workbook, series, period, day, baseline_weeks)
    fits = _fits(weeks, series)
    kpis = workbook.kpis.set_index("kpi_id")
    fits.insert(2, "name", fits["kpi_id"].map(kpis["name"]))
    fits.insert(3, "direction", fits["kpi_id"].map(kpis["direction"]))
    fits["verdict"] = verdict(
        fits["effect_low"], fits["effect_high"], fits["direction"], fits["effect"].notna()
    )
    krs = workbook.key_results
    linked = krs.loc[krs["quarter"] == period, "kpi_id"].dropna()
    fits["linked"] = isin(fits["kpi_id"], linked)
    worsened = fits[fits["verdict"].eq("worsened")]
    return worsened.drop(columns=["intercept", "slope", "reason"]).reset_index(drop=True)
