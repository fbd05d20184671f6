"""Least-squares straight lines, one per key, vectorised (used by forecasts and forecast odds)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def fit_lines(days: pd.Series, values: pd.Series, keys: pd.Series) -> pd.DataFrame:
    """Fit ``value = intercept + slope * day`` for each key.

    Returns one row per key (the index, sorted) with n, slope, intercept, mean_x, sxx (the
    spread of the days around their mean) and sse (the residual sum of squares).  Rows
    with a missing key, day or value are left out.  The sums run on integer key codes
    (``np.bincount``): no per-row lookups by key.
    """
    codes, uniques = pd.factorize(keys, sort=True)
    x, y = days.to_numpy(float), values.to_numpy(float)
    keep = (codes >= 0) & ~np.isnan(x) & ~np.isnan(y)
    codes, x, y = codes[keep], x[keep], y[keep]
    size = len(uniques)
    n = np.bincount(codes, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):  # a key with one day: no slope
        mean_x = np.bincount(codes, x, size) / n
        mean_y = np.bincount(codes, y, size) / n
        dx, dy = x - mean_x[codes], y - mean_y[codes]
        sxx = np.bincount(codes, dx * dx, size)
        slope = np.bincount(codes, dx * dy, size) / sxx
        intercept = mean_y - slope * mean_x
        residual = y - intercept[codes] - slope[codes] * x
    squares = residual * residual
    sse = np.bincount(codes, np.where(np.isnan(squares), 0.0, squares), size)  # one day: 0
    index = pd.Index(uniques, name="key")
    return pd.DataFrame(
        {"n": n, "slope": slope, "intercept": intercept, "mean_x": mean_x, "sxx": sxx, "sse": sse},
        index=index,
    )
