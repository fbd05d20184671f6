"""Interrupted time series at a known date: level change with AR(1) errors.

The model (documented in :mod:`okrlib.analysis.impact`)::

    y_t = a + b * t + effect * post_t + e_t,    e_t = rho * e_{t-1} + u_t

fitted by feasible GLS (Cochrane-Orcutt) at a bias-corrected ``rho`` and calibrated by a
parametric bootstrap of the t statistic: series simulated with no effect, their AR(1)
noise at the rho and sigma of the model with the effect in it (a real effect left out of
that fit passes for autocorrelation and widens its own interval).
``fit_step_and_ramp`` tests a step and a ramp together (max-t over one bootstrap).  ``fit_batch``
is statsmodels' ``GLSAR(rho=...).fit()`` written in numpy for many series at once (the
bootstrap fits 399 series per KR); tests check that it equals statsmodels' fit.  Not
importing statsmodels here keeps about 0.9 s of imports out of every report kernel.

``fit_many`` fits many series observed at the same weeks in one pass: each gets what
``fit`` gives it alone (its bootstrap uses the same seeded standard normal draws, scaled by
its own sigma), to the last few bits.  The products go through ``einsum``, not BLAS:
multithreaded BLAS on such small matrices spins for seconds when the other cores are busy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BOOTSTRAP_DRAWS = 399
SEED = 20261124
MAX_RHO = 0.95


def corrected_rho(residuals: np.ndarray, regressors: int) -> np.ndarray:
    """Lag-1 autocorrelation of OLS residuals, corrected for its small-sample bias.

    Short series with a fitted trend underestimate rho; the correction adds
    (1 + 3 rho) / n (Kendall's bias of the AR(1) estimate) and k / n for the k fitted
    regressors, then clips to 0..0.95.  ``residuals`` is n x B (one column per series).
    """
    n = residuals.shape[0]
    total = (residuals * residuals).sum(axis=0)
    lagged = (residuals[1:] * residuals[:-1]).sum(axis=0)
    rho = np.divide(lagged, total, out=np.zeros_like(total), where=total > 0)
    return np.clip(rho + (1 + 3 * rho) / n + regressors / n, 0.0, MAX_RHO)


def fit_batch(design: np.ndarray, values: np.ndarray, rho: np.ndarray | None = None):
    """Cochrane-Orcutt GLS of every column of ``values`` (n x B) on ``design`` (n x k).

    Returns ``(params B x k, standard errors B x k, rho B, sigma B)``.
    """
    n, k = design.shape
    if rho is None:
        # the pseudo-inverse of the small shared design, applied without BLAS: multithreaded
        # BLAS on these tiny products loses seconds to spinning threads on a busy machine
        ols = np.einsum("kt,tb->kb", np.linalg.pinv(design), values)
        rho = corrected_rho(values - np.einsum("tk,kb->tb", design, ols), k)
    y = values[1:] - rho * values[:-1]
    x = design[1:, :, None] - rho[None, None, :] * design[:-1, :, None]
    gram = np.einsum("tib,tjb->bij", x, x)
    params = np.linalg.solve(gram, np.einsum("tib,tb->bi", x, y)[..., None])[..., 0]
    resid = y - np.einsum("tib,bi->tb", x, params)
    sigma2 = (resid * resid).sum(axis=0) / (n - 1 - k)
    se = np.sqrt(sigma2[:, None] * np.einsum("bii->bi", np.linalg.inv(gram)))
    return params, se, rho, np.sqrt(sigma2)


@dataclass(frozen=True)
class ItsFit:
    """One interrupted-time-series fit (effect in the series' units)."""

    effect: float
    low: float
    high: float
    p_value: float
    intercept: float
    slope: float
    rho: float
    critical_value: float


FIELDS = ("effect", "low", "high", "p_value", "intercept", "slope", "rho", "critical_value")
CHUNK_COLUMNS = 16_000  # simulated series per bootstrap batch: about 15 MB per work array


def fit(weeks: np.ndarray, values: np.ndarray, draws: int = BOOTSTRAP_DRAWS, seed: int = SEED) -> ItsFit:
    """Fit the level-change model with the change at week 0 and a bootstrap-t 95% interval.

    ``weeks`` are whole weeks relative to the change (negative: baseline); weeks without
    an observation are simply absent.
    """
    fits = fit_many(weeks, np.asarray(values)[:, None], draws, seed)
    return ItsFit(*(float(fits[name][0]) for name in FIELDS))


def design_matrix(points: np.ndarray, year: float | None = None, ramp: bool = False) -> np.ndarray:
    """Intercept, trend, (with ``year`` points per year: the yearly cycle's sine and cosine),
    and the effect, as columns; the effect is always the last column.

    The effect's column is the level change at point 0 (a step), or with ``ramp`` an
    effect growing in a straight line from nothing before point 0, scaled so that its
    coefficient is the effect's mean over the post points.
    """
    t = np.asarray(points).astype("float64")
    columns = [np.ones_like(t), t]
    if year is not None:
        columns += [np.sin(2 * np.pi * t / year), np.cos(2 * np.pi * t / year)]
    after = (t >= 0).astype("float64")
    if ramp:
        after = after * (t + 1) / (t[t >= 0] + 1).mean()
    return np.column_stack([*columns, after])


def fit_many(
    weeks: np.ndarray,
    values: np.ndarray,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = SEED,
    year: float | None = None,
    ramp: bool = False,
) -> dict[str, np.ndarray]:
    """:func:`fit` of every column of ``values`` (n x S), all observed at the same ``weeks``.

    Each series gets exactly what :func:`fit` alone gives it: its own bootstrap from the
    same seed (the standard normal draws are shared, scaled by each series' own sigma).
    With ``year`` (points per year: 365.25 / 7 for weeks, 12 for months) the model also
    has a yearly cycle (one sine and one cosine), fitted and simulated with the rest.
    With ``ramp`` the effect is one that builds up in a straight line over the post points
    (:func:`design_matrix`), its coefficient the mean over them.
    Returns one array of S per name in :data:`FIELDS`, and season_sin and season_cos (the
    cycle's coefficients; zero without ``year``).
    """
    design = design_matrix(weeks, year, ramp)
    return _fit_effects(design[:, :-1], [design[:, -1]], values, draws, seed, year is not None)[0]


def fit_step_and_ramp(
    points: np.ndarray,
    values: np.ndarray,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = SEED,
    year: float | None = None,
    level: float = 0.95,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The step model and the ramp model of every column of ``values``, tested together.

    Each model is fitted as :func:`fit_many` fits it; the two share one bootstrap: series
    simulated with no effect (AR(1) at the rho and sigma of the model with both a step and
    a ramp, so neither shape inflates them) go through both fits, and the ``level``
    quantile of the larger of the two |t| is both intervals' critical value. A verdict on
    either interval is then one test of "no change" at 1 - ``level`` (max-t: the two
    tests' correlation counted), and each ``p_value`` is the share of simulated maxima at
    or beyond its |t|.
    Returns the step's and the ramp's dicts (keys as :func:`fit_many`).
    """
    step = design_matrix(points, year)
    ramp = design_matrix(points, year, ramp=True)[:, -1]
    return _fit_effects(step[:, :-1], [step[:, -1], ramp], values, draws, seed, year is not None, level)


def _fit_effects(
    base: np.ndarray,
    effects: list[np.ndarray],
    values: np.ndarray,
    draws: int,
    seed: int,
    seasonal: bool,
    level: float = 0.95,
) -> list[dict[str, np.ndarray]]:
    """Fit ``base`` plus each effect column in turn; one shared max-t bootstrap."""
    y = np.asarray(values).astype("float64")
    designs = [np.column_stack([base, effect]) for effect in effects]
    fits = [fit_batch(design, y) for design in designs]
    full = designs[0] if len(effects) == 1 else np.column_stack([base, *effects])
    null_fit = fits[0] if len(effects) == 1 else fit_batch(full, y)
    null_t = _null_t(base, designs, y, null_fit, draws, seed)  # S x draws
    out = []
    for params, errors, rho, _ in fits:
        effect, se = params[:, -1], errors[:, -1]
        usable = (se > 0) & ~np.isnan(null_t).all(axis=1) if draws else np.zeros(len(se), bool)
        critical = np.full(len(se), np.inf)
        p_value = np.where(effect != 0, 0.0, 1.0)  # an exact fit: no noise left to test against
        if usable.any():
            rows = null_t[usable]
            critical[usable] = np.quantile(rows, level, axis=1)
            exceed = (rows >= (np.abs(effect[usable]) / se[usable])[:, None]).sum(axis=1)
            p_value[usable] = (1 + exceed) / (rows.shape[1] + 1)
        half = np.where(usable, critical * np.where(usable, se, 0.0), 0.0)
        out.append(
            {
                "effect": effect,
                "low": effect - half,
                "high": effect + half,
                "p_value": p_value,
                "intercept": params[:, 0],
                "slope": params[:, 1],
                "rho": rho,
                "critical_value": critical,
                "season_sin": params[:, 2] if seasonal else np.zeros(len(se)),
                "season_cos": params[:, 3] if seasonal else np.zeros(len(se)),
            }
        )
    return out


def _null_t(
    base: np.ndarray,
    designs: list[np.ndarray],
    y: np.ndarray,
    null_fit: tuple,
    draws: int,
    seed: int,
) -> np.ndarray:
    """The largest |t| of the effects of ``designs`` on series simulated with no effect
    (S x draws; a row of NaN where the fit is exact).

    The simulated series follow ``base`` at ``null_fit``'s coefficients, with AR(1) noise
    at its rho and sigma: those of the model with the effects in it, so that a real effect
    does not pass for noise and widen the interval it is tested against."""
    params, _, rho, sigma = null_fit
    n, count = y.shape
    out = np.full((count, draws), np.nan)
    noisy = np.flatnonzero(sigma > 0)
    if not draws or not len(noisy):
        return out
    standard = np.random.default_rng(seed).normal(0.0, 1.0, (n, draws))
    means = np.einsum("tk,sk->ts", base, params[:, : base.shape[1]])  # n x S
    step = max(CHUNK_COLUMNS // draws, 1)
    for first in range(0, len(noisy), step):  # over chunks of series, not rows
        cols = noisy[first : first + step]
        shocks = sigma[cols][None, :, None] * standard[:, None, :]  # n x s x draws
        noise = np.empty_like(shocks)
        noise[0] = shocks[0] / np.sqrt(1 - rho[cols] ** 2)[:, None]
        for i in range(1, n):  # over weeks (about 40), not rows
            noise[i] = rho[cols][:, None] * noise[i - 1] + shocks[i]
        simulated = (means[:, cols][:, :, None] + noise).reshape(n, -1)
        largest = np.zeros(simulated.shape[1])
        for design in designs:
            sim_params, sim_se, _, _ = fit_batch(design, simulated)
            largest = np.maximum(largest, np.abs(sim_params[:, -1] / sim_se[:, -1]))
        out[cols] = largest.reshape(len(cols), draws)
    return out
