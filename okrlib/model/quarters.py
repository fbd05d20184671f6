"""Quarters: how they are written, read and bounded.

A quarter is a ``pd.Period`` with frequency ``Q-DEC``, written ``2026-Q3`` (``2026Q3`` is
read too).  This is the one place that knows the spelling; the loaders' column parser
(:func:`okrlib.loading._parse.parse_quarters`) uses :data:`QUARTER_PATTERN` from here.
"""

from __future__ import annotations

import re

import pandas as pd

QUARTER_PATTERN = r"^(\d{4})-?Q([1-4])$"


def parse_quarter(value: object) -> pd.Period:
    """Parse one quarter given by a user (CLI, notebook parameter).

    Examples
    --------
    >>> parse_quarter("2026-Q3")
    Period('2026Q3', 'Q-DEC')
    """
    if isinstance(value, pd.Period):
        return value.asfreq("Q")
    match = re.match(QUARTER_PATTERN, str(value).strip())
    if match is None:
        raise ValueError(f"{value!r} is not a quarter; expected a quarter written 2026-Q3 or 2026Q3")
    return pd.Period(year=int(match[1]), quarter=int(match[2]), freq="Q")


def format_quarter(quarter: pd.Period) -> str:
    """Write a quarter the contract's way: ``2026-Q3``."""
    return f"{quarter.year}-Q{quarter.quarter}"


def quarter_bounds(quarter: pd.Period | str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a quarter.

    Examples
    --------
    >>> quarter_bounds("2026-Q3")
    (Timestamp('2026-07-01 00:00:00'), Timestamp('2026-09-30 00:00:00'))
    """
    period = parse_quarter(quarter)
    return period.start_time.normalize(), period.end_time.normalize()
