"""Least-squares straight lines, one per key, vectorised (used by forecasts and forecast odds)."""

from __future__ import annotations

import pandas as pd


def fit_lines(days: pd.Series, values: pd.Series, keys: pd.Series) -> pd.DataFrame:
    """Fit ``value = intercept + slope * day`` for each key.

    Returns one row per key (the index) with n, slope, intercept, mean_x, sxx (the spread
    of the days around their mean) and sse (the residual sum of squares).
    """
    frame = pd.DataFrame({"key": keys.to_numpy(), "x": days.to_numpy(float), "y": values.to_numpy(float)})
    grouped = frame.groupby("key")
    n = grouped["x"].size()
    mean_x, mean_y = grouped["x"].mean(), grouped["y"].mean()
    dx = frame["x"] - frame["key"].map(mean_x)
    dy = frame["y"] - frame["key"].map(mean_y)
    sxx = (dx * dx).groupby(frame["key"]).sum()
    slope = (dx * dy).groupby(frame["key"]).sum() / sxx
    intercept = mean_y - slope * mean_x
    residual = frame["y"] - frame["key"].map(intercept) - frame["key"].map(slope) * frame["x"]
    sse = (residual * residual).groupby(frame["key"]).sum()
    return pd.DataFrame(
        {"n": n, "slope": slope, "intercept": intercept, "mean_x": mean_x, "sxx": sxx, "sse": sse}
    )
