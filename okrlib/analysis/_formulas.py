"""The per-row formulas of progress: expected progress, progress, pace and final status,
grades (the rules are stated in :mod:`okrlib.analysis.progress`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import Workbook, default_as_of, parse_quarter, quarter_bounds
from ._current import HOLD_TYPES, holds

ON_TRACK_TOLERANCE = 0.10
AT_RISK_TOLERANCE = 0.25
EPSILON = 1e-9
GRADE_BANDS = (("green", 0.7), ("yellow", 0.4), ("red", -np.inf))


def resolve(
    workbook: Workbook, quarter: pd.Period | str, as_of: object = None
) -> tuple[pd.Period, pd.Timestamp]:
    """Parse ``quarter`` and default ``as_of`` (see :func:`okrlib.default_as_of`)."""
    period = parse_quarter(quarter)
    day = default_as_of(workbook, period) if as_of is None else pd.Timestamp(as_of).normalize()
    return period, day


def expected_progress(quarter: pd.Period | str, as_of: object) -> float:
    """Share of the quarter elapsed up to and including ``as_of``, clipped to 0..1.

    Examples
    --------
    >>> expected_progress("2026-Q3", "2026-08-15")
    0.5
    """
    start, end = quarter_bounds(quarter)
    days = (end - start).days + 1
    elapsed = (pd.Timestamp(as_of).normalize() - start).days + 1
    return float(np.clip(elapsed / days, 0.0, 1.0))


def progress_of(
    kr_type: pd.Series, start: pd.Series, target: pd.Series, value: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Raw and clipped progress of ``value`` by each key result's type (the progress rule)."""
    moving = (value - start) / (target - start)
    hold = holds(kr_type, value, target).astype(float)
    raw = pd.Series(
        np.select(
            [
                kr_type.isin(["increase", "decrease"]),
                kr_type.eq("milestone"),
                kr_type.isin(HOLD_TYPES),
            ],
            [moving, value, hold],
            default=np.nan,
        ),
        index=value.index,
    ).where(value.notna())
    return raw, raw.clip(0.0, 1.0)


def pace_status(
    kr_type: pd.Series,
    progress: pd.Series,
    expected: float,
    on_track_tolerance: float = ON_TRACK_TOLERANCE,
    at_risk_tolerance: float = AT_RISK_TOLERANCE,
) -> pd.Series:
    """Status by the pace rule (see the module docstring)."""
    hold = kr_type.isin(HOLD_TYPES)
    status = np.select(
        [
            progress.isna(),
            hold & (progress >= 1),
            hold,
            progress >= 1 - EPSILON,
            progress >= expected - on_track_tolerance - EPSILON,
            progress >= expected - at_risk_tolerance - EPSILON,
        ],
        ["no_data", "on_track", "off_track", "done", "on_track", "at_risk"],
        default="off_track",
    )
    return pd.Series(status, index=progress.index, dtype="str")


def final_status(progress: pd.Series, done: pd.Series | None = None) -> pd.Series:
    """The state of an ended quarter: ``done``, ``missed`` or ``no_data`` (no value).

    ``done`` defaults to progress >= 1; objectives pass "every key result done".
    """
    reached = progress >= 1 - EPSILON if done is None else done
    status = np.select([progress.isna(), reached], ["no_data", "done"], default="missed")
    return pd.Series(status, index=progress.index, dtype="str")


def grade(progress: pd.Series) -> pd.Series:
    """Progress rounded half-up to one decimal (0.65 grades 0.7, as in a spreadsheet)."""
    return np.floor(progress * 10 + 0.5 + EPSILON) / 10


def grade_band(grades: pd.Series) -> pd.Series:
    """``green`` >= 0.7, ``yellow`` >= 0.4, else ``red``; missing grades stay missing."""
    bands = np.select(
        [grades >= limit for _, limit in GRADE_BANDS[:-1]], [b for b, _ in GRADE_BANDS[:-1]], "red"
    )
    return pd.Series(bands, index=grades.index, dtype="str").where(grades.notna())
