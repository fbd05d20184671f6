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

Why ramps were missed before, and the simulations behind every figure here:
``docs/impact-simulations.md``.

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

from ..model import Workbook, isin, series_key
from ..model import history as _history
from . import _its
from ._impact_fits import (
    FIT_COLUMNS,
    _baseline_line,
    _fit_frame,
    _fits,
    change,
    rule_verdict,
    verdict,
)
from ._impact_series import (
    BASELINE_MONTHS,
    BASELINE_WEEKS,
    KR_COLUMNS,
    MIN_BASELINE_MONTHS,
    MIN_BASELINE_WEEKS,
    MIN_POST_MONTHS,
    MIN_POST_WEEKS,
    MINIMUM_POINTS,
    MONTHLY_SPACING_DAYS,
    SEASONAL_MONTHS,
    SEASONAL_SLACK,
    SEASONAL_WALD,
    SEASONAL_WEEKS,
    SERIES,
    VERDICT_LEVEL,
    VERDICTS,
    YEAR,
    _did_points,
    _every_series_points,
    _with_periods,
    observation_periods,
    seasonal_points,
    windows,
)
from .progress import kr_progress, resolve

__all__ = [
    "BASELINE_MONTHS",
    "BASELINE_WEEKS",
    "FIT_COLUMNS",
    "KR_COLUMNS",
    "MINIMUM_POINTS",
    "MIN_BASELINE_MONTHS",
    "MIN_BASELINE_WEEKS",
    "MIN_POST_MONTHS",
    "MIN_POST_WEEKS",
    "MONTHLY_SPACING_DAYS",
    "SEASONAL_MONTHS",
    "SEASONAL_SLACK",
    "SEASONAL_WALD",
    "SEASONAL_WEEKS",
    "SERIES",
    "VERDICTS",
    "VERDICT_LEVEL",
    "YEAR",
    "change",
    "estimates",
    "guardrails",
    "impact",
    "impact_series",
    "observation_periods",
    "rule_verdict",
    "seasonal_points",
    "verdict",
    "verdict_counts",
    "windows",
]


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
