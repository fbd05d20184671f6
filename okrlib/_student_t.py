"""Student's t distribution for whole degrees of freedom: the forecast odds' CDF and quantile.

The forecast odds (:mod:`okrlib.review`) need two numbers per key result: the t quantile
for the prediction interval and the t probability of reaching the target, with n - 2
degrees of freedom for n check-ins.  ``scipy.special`` (``stdtrit``, ``stdtr``) gives them,
but importing it cost every report kernel 0.1 to 0.2 s (its array-API layer star-imports
numpy, which loads ``numpy.f2py``: numpy#28016) for these two calls.

With whole degrees of freedom the distribution function has a closed form, a finite sum
(Abramowitz and Stegun 26.7.3 and 26.7.4).  With ``theta = arctan(t / sqrt(v))``::

    v odd:   P(|T| < t) = 2/pi * (theta + sin(theta) cos(theta) * (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
    v even:  P(|T| < t) = sin(theta) * (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)

each sum running to the power v - 3 (odd) or v - 2 (even).  The quantile is exact for one
and two degrees of freedom and otherwise Newton's method on that function from the
Cornish-Fisher expansion; above the median the function is concave, so the steps approach
the root from below and do not overshoot.  ``tests/test_student_t.py`` checks both against
scipy: the distribution function to 1e-12, the quantile to 5e-12 (relative) for
probabilities from 1e-4 to 1 - 1e-4.  Further out the sum's cancellation near 1 limits the
quantile (1e-10 at 1e-6, 2e-8 at 1e-9); the forecast uses the 0.9 quantile.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

_MAX_NEWTON_STEPS = 100


def _degrees(df: object) -> np.ndarray:
    """Degrees of freedom as floats, checked to be whole and positive (NaN passes through)."""
    v = np.asarray(df, dtype="float64")
    known = v[~np.isnan(v)]
    if ((known < 1) | (known != np.floor(known))).any():
        raise ValueError(f"degrees of freedom must be whole numbers of at least 1; got {df!r}")
    return v


def cdf(t: object, df: object) -> np.ndarray:
    """P(T <= t) for Student's t with ``df`` (whole) degrees of freedom, elementwise.

    Examples
    --------
    >>> float(cdf(0.0, 5))
    0.5
    >>> round(float(cdf(1.0, 1)), 12)  # Cauchy: 1/2 + arctan(1)/pi
    0.75
    """
    t, v = np.broadcast_arrays(np.asarray(t, dtype="float64"), _degrees(df))
    theta = np.arctan(t / np.sqrt(v))
    sin, cos = np.sin(theta), np.cos(theta)
    odd = np.fmod(v, 2) == 1
    terms = np.where(odd, (v - 1) // 2, v // 2)  # how many powers of cos^2 each sum has
    total = np.zeros_like(t)
    power = np.ones_like(t)
    odd_coefficient = even_coefficient = 1.0
    for k in range(int(np.nanmax(terms, initial=0))):  # over the series' terms, not rows
        if k:
            odd_coefficient *= 2 * k / (2 * k + 1)
            even_coefficient *= (2 * k - 1) / (2 * k)
            power = power * cos**2
        total += np.where(k < terms, np.where(odd, odd_coefficient, even_coefficient) * power, 0.0)
    inside = np.where(odd, 2 / np.pi * (theta + sin * cos * total), sin * total)
    return 0.5 + inside / 2


def _log_density_scale(v: np.ndarray) -> np.ndarray:
    """log(Gamma((v + 1) / 2) / (Gamma(v / 2) * sqrt(v * pi))), the density's constant."""
    gammas = np.vectorize(lambda x: math.lgamma((x + 1) / 2) - math.lgamma(x / 2), otypes=[float])(v)
    return gammas - 0.5 * np.log(v * np.pi)


def quantile(p: object, df: object) -> np.ndarray:
    """The t with P(T <= t) = p for Student's t with ``df`` (whole) degrees of freedom.

    Examples
    --------
    >>> float(quantile(0.5, 7))
    0.0
    >>> round(float(quantile(0.75, 1)), 12)  # Cauchy: tan(pi / 4)
    1.0
    """
    p, v = np.broadcast_arrays(np.asarray(p, dtype="float64"), _degrees(df))
    upper = np.maximum(p, 1 - p)  # solved above the median; the distribution is symmetric
    with np.errstate(divide="ignore", invalid="ignore"):  # the ends and NaN are set below
        t = np.where(v == 1, np.tan(np.pi * (upper - 0.5)), 0.0)
        t = np.where(v == 2, (2 * upper - 1) / np.sqrt(2 * upper * (1 - upper)), t)
    solve = (v > 2) & (upper > 0.5) & (upper < 1)  # NaN fails every comparison
    if solve.any():
        t[solve] = _newton(upper[solve], v[solve])
    t = np.where(upper == 1, np.inf, np.where(upper == 0.5, 0.0, t))
    t = np.where(p < 0.5, -t, t)
    return np.where(np.isnan(p) | np.isnan(v) | (p < 0) | (p > 1), np.nan, t)


def _newton(upper: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Solve cdf(t, v) = upper (0.5 < upper < 1, v > 2) from the Cornish-Fisher expansion."""
    z = np.array([NormalDist().inv_cdf(q) for q in upper.tolist()])
    t = (  # the normal quantile corrected in powers of 1/v
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
    )
    scale = _log_density_scale(v)
    for _ in range(_MAX_NEWTON_STEPS):
        density = np.exp(scale - (v + 1) / 2 * np.log1p(t**2 / v))
        new = np.maximum(t - (cdf(t, v) - upper) / density, 0.0)  # concave above 0: no overshoot
        small = np.abs(new - t) <= 1e-10 * np.maximum(new, 1.0)
        t = new
        if small.all():  # quadratic convergence: one more step reaches rounding
            density = np.exp(scale - (v + 1) / 2 * np.log1p(t**2 / v))
            return np.maximum(t - (cdf(t, v) - upper) / density, 0.0)
    return t
