"""Did the OKR move its KPI?  Interrupted time series at the quarter start, with guardrails.

Every key result with a ``kpi_id`` is a hypothesis: its KPI (the KR's segment, else
``all``) should move once the quarter starts.  This module tests it.

The KPI's own period
--------------------
Each KPI is modelled on the period it is observed at (:func:`observation_periods`): the
median number of days between its consecutive observation dates (all segments, history up
to ``as_of``) of 20 or more makes it a monthly KPI, anything shorter a weekly one (daily
data is combined into weeks).  A monthly KPI put on weeks would have about 6 baseline and 3
post points, too few for any verdict.

Weekly series
-------------
Weeks are 7-day bins counted from the quarter's first day (week 0 starts on it), so the
change falls exactly on a week boundary.  Each week's value combines its observations by
the KPI's aggregation rule (``sum``, ``mean``, ``last``).  Baseline: the 26 weeks before
the quarter (``baseline_weeks``).  Post: the complete weeks from the quarter start up to
the earlier of ``as_of`` and the quarter's last day (the one or two days left after the
13th week are not analysed).  Weeks with no observation are left out.

Monthly series
--------------
Calendar months, month 0 being the quarter's first; each month's value combines its
observations by the KPI's rule.  Baseline: up to the 24 months before the quarter
(``baseline_months``; fewer when the history is shorter).  Post: the quarter's complete
months up to the earlier of ``as_of`` and the quarter's last day (a month counts once its
last day is reached), so at most 3.  At least 12 baseline and 2 post months are needed.
Measured by ``tests/test_impact.py`` on 200 series of 24 + 3 monthly points with AR(1)
noise (phi 0.5) and a trend: 6.5% false verdicts with no effect, 86% of 3-sd level shifts
found, none with the wrong sign (400 series each over phi 0, 0.5 and 0.8 and 12 to 24
baseline months: 3.5-8% false verdicts).

Model
-----
A level change at point 0 (week or month) on a linear trend, with AR(1) errors::

    value_t = a + b * t + effect * post_t + e_t,    e_t = rho * e_(t-1) + u_t

``effect`` is the mean difference between the observed post weeks and the counterfactual
``a + b * t`` (the baseline trend extended, plus the yearly cycle when one is modelled);
``effect_pct`` is it as a percent of the counterfactual's mean over the post weeks;
``end_difference`` is the last post week's observed value minus the counterfactual there.

Why this model: weekly KPI series are autocorrelated, and plain OLS with Newey-West errors
calls about a quarter of no-effect series significant.  Maximum-likelihood AR(1) fits
(statsmodels SARIMAX) underestimate rho on 39 points and still give 13-15% false verdicts
here.  So the fit is feasible GLS (statsmodels ``GLSAR``, Cochrane-Orcutt) at a
bias-corrected rho, and the interval and p-value come from a parametric bootstrap of
the t statistic (399 series simulated with no effect, at the rho and sigma the data give,
through the same estimator), which corrects the remaining small-sample optimism.  The step
alone (``okrlib.analysis._its.fit``, 95%), measured by ``tests/test_impact.py`` on 200 seeds of
26 + 13 weekly points with AR(1) noise (phi 0.5) and a trend: 5% false verdicts with no
effect; 90% of level shifts of 3 noise standard deviations (the AR(1) series' own standard
deviation) found with the right sign (76% when the shift is 3 innovation standard
deviations, 3 / 1.15 of those).  The verdict tests a step and a ramp together (below).

Seasonality
-----------
A yearly cycle is looked for only in a series that reaches back far enough: two years of
weeks (its earliest point within the first 4 of the 104 weeks before the quarter) or three
years of months (within the first month of the 36).  The cycle is one sine and one cosine
of the year (:data:`YEAR` points), fitted with a linear trend and AR(1) errors (GLS at the
corrected rho, as the model) to the points before the quarter; it counts when the two
coefficients' squared t statistics sum to :data:`SEASONAL_WALD` (a 1% chi-squared test
with 2 degrees of freedom) or more.  Then, for a weekly KPI, that cycle is taken out of
the values and the usual 26 + 13 week model runs on what is left (a two-year baseline for
the trend itself would carry the KPI's own earlier shifts into the counterfactual); for a
monthly KPI the cycle is fitted in the model itself, on all 36 + 3 months (taking out a
cycle estimated from 36 months left 10-11% false verdicts; fitted jointly, the bootstrap
accounts for it).  ``seasonal`` says whether a cycle was modelled; ``short_history`` says
the history was too short to look, and the report notes that the KPI may be seasonal (a
strong yearly cycle can then read as an effect, see data/README.md).  Measured by
``tests/test_impact.py`` on 200 series each with a cycle of 2 noise standard deviations
(random phase), AR(1) noise and a trend: weekly 4% false verdicts, 87% of 3-sd shifts
found; monthly 5% and 84.5%; none with the wrong sign.  Without a cycle the weekly model's
results are as before (4% of cycle-free series are flagged at the 1% level and adjusted).

Effects that build up
---------------------
A step is not the only shape: an effect growing steadily over the quarter is read by the
step model as a fraction of itself (its trend bends to follow the build-up: on simulated
weekly ramps whose mean over the quarter is 3 noise sds, the step's estimate averages 16%
of it and finds 2%).  So every series is also fitted with the step replaced by a
straight-line ramp from nothing at the quarter start (:func:`okrlib.analysis._its.design_matrix`),
scaled so its coefficient is the effect's mean over the post points (a ramp whose mean is
3 sds ends at 13 / 7 of that after 13 weeks).  ``ramp_effect``, ``ramp_low``,
``ramp_high``, ``ramp_pct`` and ``ramp_p_value`` sit beside the step's.

The decision rule (:func:`change`): the step and the ramp are tested together, max-t.
Series simulated with no effect, at the rho and sigma of the model holding both a step and
a ramp, go through both fits; the :data:`VERDICT_LEVEL` quantile of the larger |t| is the
critical value of both intervals (:func:`okrlib.analysis._its.fit_step_and_ramp`), 93.5% for a
weekly KPI and 95% for a monthly one.  A change is
found when either interval excludes zero; when both do, the one with the smaller p-value
gives the ``shape`` (``step`` or ``ramp``) and the sign.  ``p_value`` and
``ramp_p_value`` are each shape's share of simulated maxima at or beyond its own |t| (so
the smaller of the two is the rule's p-value).  ``verdict`` (and
``did_verdict``, the guardrails) follow that sign; ``ramp_verdict`` is the ramp's interval
alone.  The levels are set by measurement, each period's bootstrap having its own error
(at 95%, about 4.4% false verdicts on weekly and up to 6.6% on monthly KPIs): on 1,000
simulated series per case, at 95% the weekly steps and ramps were found 77-78% of the time
(under the 80% asked), at 93.5% 83-85% with 6.3-6.7% false verdicts; monthly KPIs at
93.5% got 9.1% false verdicts, at 95% 4.1-6.6% with 83-89% found
(``docs/impact-simulations.md``).

Why ramps were missed before (65% found): the bootstrap simulated from the fitted
no-effect model, so a real ramp, fitted without its ramp, passed for autocorrelation (rho
near the 0.95 cap) and widened its own interval (critical value 3.45 against 2.45 with no
effect).  A post-mean test (level and slope change, the effect their mean gap) is no
better: one test, but 77% of 3-sd steps or ramps at its exact 5% critical value, against
84% and 82% for the max-t pair.  Measured by ``tests/test_impact.py`` on 200 seeded series
per case (trend, AR(1) noise with phi 0.5, two years of weeks or three of months of
history, with and without a yearly cycle of 2 sds): false verdicts 4.5-7.5%, 3-sd steps
and ramps found 82.5-87.5%, none the wrong way (on 1,000 series per case: 4.1-6.7%,
82.8-88.6%, 1 monthly ramp in 1,000 the wrong way; ``docs/impact-simulations.md``).  A
ramp that reaches 3 sds only at the quarter's end (mean 1.6 sds over 13 weeks) is found
41-42% of the time.

Verdict (direction-aware): ``improved`` when the decision rule finds a change (the step's
or the ramp's interval wholly on one side of zero, :func:`change`) on the KPI's good side,
``worsened`` when on the bad side, ``no_clear_effect`` otherwise,
``insufficient_data`` with fewer than 8 baseline or 4 post weeks (12 and 2 months for a
monthly KPI; ``reason`` says which).
Each verdict carries what it rests on: ``period`` (the unit of the points), the
``baseline_points`` and ``post_points`` used, ``seasonal`` (whether a yearly cycle was
modelled) and ``shape`` (``step`` or ``ramp``: which shape the verdict found; missing
without one).

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

from ..model import Workbook, cached, isin, quarter_bounds, series_key
from ..model import history as _history
from . import _its
from .kpi import aggregate_by
from .progress import kr_progress, resolve

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


def impact(
    workbook: Workbook,
    quarter: pd.Period | str,
    as_of: object = None,
    baseline_weeks: int = BASELINE_WEEKS,
    team: str | None = None,
    baseline_months: int = BASELINE_MONTHS,
) -> pd.DataFrame:
    """The impact verdict of every key result of ``quarter`` that links a KPI.

    Returns
    -------
    One row per linked key result: kr_id, objective_id, team, key_result, kpi_id, segment
    (the series tested), direction, period (``week`` or ``month``: the points the model
    ran on), baseline_points, post_points, seasonal (whether a yearly cycle was modelled),
    effect, effect_low, effect_high, effect_pct, p_value, end_difference, verdict (by the
    decision rule, :func:`change`), shape (``step`` or ``ramp``: what the verdict found),
    reason, shared_by, the build-up's ramp_effect, ramp_low, ramp_high, ramp_pct,
    ramp_p_value and ramp_verdict (see the module docstring), the difference-in-differences columns
    did_effect, did_low, did_high, did_p_value, did_verdict, and the KR's progress and
    status beside them.  ``team`` keeps one team's
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
    points = _every_series_points(workbook, period, day, baseline_weeks, baseline_months)
    points = points[isin(points["kpi_id"], krs["kpi_id"])]
    keys = _with_periods(workbook, krs[SERIES], day)
    segmented = keys[keys["segment"].ne("all")]
    treated = points[isin(series_key(points), series_key(segmented))]
    did = _fits(_did_points(treated, points), segmented)
    main = _fits(points, keys)
    out = krs[["kr_id", "objective_id", "team", "key_result", "kr_type", *SERIES, "progress", "status"]]
    out = out.merge(main, on=SERIES, how="left")
    out.insert(7, "direction", out["kpi_id"].map(direction))
    fitted = out["effect"].notna()
    out["verdict"] = rule_verdict(out, out["direction"], fitted)
    out["shape"] = change(out)["shape"]
    out["shared_by"] = krs["shared_by"]
    did_fitted = did["effect"].notna()
    did["did_verdict"] = rule_verdict(did, did["kpi_id"].map(direction), did_fitted).where(did_fitted)
    did = did.rename(
        columns={
            "effect": "did_effect",
            "effect_low": "did_low",
            "effect_high": "did_high",
            "p_value": "did_p_value",
        }
    )[[*SERIES, "did_effect", "did_low", "did_high", "did_p_value", "did_verdict"]]
    out = out.merge(did, on=SERIES, how="left")
    out["ramp_verdict"] = verdict(out["ramp_low"], out["ramp_high"], out["direction"], fitted).where(fitted)
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
    baseline_months: int = BASELINE_MONTHS,
) -> pd.DataFrame:
    """Actual, fitted and counterfactual values of one KPI series, for the impact chart.

    Returns period (``week`` or ``month``), point, point_start, phase (``baseline`` or
    ``post``), value, fitted, counterfactual (the baseline trend extended; missing when
    the series is too short) and effect_shape (the effect at each point per unit of its
    mean: 1 after the start for a step, growing from the start for a ramp, 0 before).  They
    are the ramp model's when the decision rule found a ramp (:func:`change`), else the
    step model's.
    """
    period, day = resolve(workbook, quarter, as_of)
    series = _with_periods(workbook, pd.DataFrame({"kpi_id": [kpi_id], "segment": [segment]}), day)
    points = windows(workbook, series, period, day, baseline_weeks, baseline_months)
    unit = series["period"].iloc[0]
    fit = _fit_frame(points, unit)
    if "in_window" in points and not (fit.get("seasonal") and unit == "month"):
        points = points[points["in_window"]]  # a monthly cycle is fitted on the long window
    out = points[["point", "point_start", "value"]].reset_index(drop=True)
    out.insert(0, "period", pd.Series(unit, index=out.index, dtype="str"))
    out.insert(3, "phase", np.where(out["point"] < 0, "baseline", "post"))
    point = out["point"].to_numpy()
    if "effect" in fit:
        year = YEAR[unit] if fit["seasonal"] else None
        ramp = change(pd.DataFrame([fit]))["shape"].iloc[0] == "ramp"
        names = ("intercept", "slope", "season_sin", "season_cos")
        line = {name: fit.get(f"ramp_{name}" if ramp else name, 0.0) for name in names}
        shape = _its.design_matrix(point, ramp=ramp)[:, -1]
        trend = pd.Series(_baseline_line(point, line, year)[:, 0], index=out.index)
        out["counterfactual"] = trend
        out["fitted"] = trend + fit["ramp_effect" if ramp else "effect"] * shape
        out["effect_shape"] = shape
    else:
        out["counterfactual"] = out["fitted"] = np.nan
        out["effect_shape"] = (point >= 0).astype("float64")
    return out


def guardrails(
    workbook: Workbook,
    quarter: pd.Period | str,
    as_of: object = None,
    baseline_weeks: int = BASELINE_WEEKS,
    baseline_months: int = BASELINE_MONTHS,
) -> pd.DataFrame:
    """Every KPI tested at the quarter start; the returned rows are those that worsened.

    Returns kpi_id, segment, name, direction, the points the fit rests on (period,
    baseline_points, post_points, seasonal, short_history), effect, effect_low, effect_high,
    effect_pct, p_value, end_difference, rho, ramp_effect, verdict, shape (``step`` or
    ``ramp``, see :func:`change`) and linked (whether a key result of the quarter links it).
    """
    period, day = resolve(workbook, quarter, as_of)
    series = _history.series(workbook.kpi_history)
    has_all = series.loc[series["segment"].eq("all"), "kpi_id"]
    series = series[series["segment"].eq("all") | ~isin(series["kpi_id"], has_all)]
    points = windows(workbook, series, period, day, baseline_weeks, baseline_months)
    fits = _fits(points, _with_periods(workbook, series, day))
    kpis = workbook.kpis.set_index("kpi_id")
    fits.insert(2, "name", fits["kpi_id"].map(kpis["name"]))
    fits.insert(3, "direction", fits["kpi_id"].map(kpis["direction"]))
    fits["verdict"] = rule_verdict(fits, fits["direction"], fits["effect"].notna())
    fits["shape"] = change(fits)["shape"]
    krs = workbook.key_results
    linked = krs.loc[krs["quarter"] == period, "kpi_id"].dropna()
    fits["linked"] = isin(fits["kpi_id"], linked)
    worsened = fits[fits["verdict"].eq("worsened")]
    internal = [
        "intercept",
        "slope",
        "season_sin",
        "season_cos",
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
    return worsened.drop(columns=internal).reset_index(drop=True)
