"""One number-format rule for everything a report or widget shows, by unit.

- Currency (unit ``$``, ``€`` or ``£``): the sign first; from 10,000 on abbreviated to three
  significant digits with K, M or B (``$2.19M``, ``$845K``); below, whole amounts with
  thousands separators (``$1,296``), and cents under 100 (``$12.50``).
- Percent (unit ``%``; values are percentage points): one decimal (``2.4%``); a change of a
  percent value is in percentage points (``+0.4 pp``).
- Any other unit (``days``, ``hours``, ``customers``, ``score``, none): thousands separators,
  whole numbers from 100 on, else up to three significant digits, then the unit
  (``1,187 customers``, ``3.2 days``).
- Shares (progress, confidence, milestones' fraction done): percent with no decimal for
  confidence, one for progress (``65.5%``); a change of a share in points (``+12.0 pts``).

A missing value is an en dash.  Signed forms (changes, effects) use a true minus sign.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

CURRENCIES = ("$", "€", "£")
DASH = "–"
MINUS = "−"

__all__ = [
    "CURRENCIES",
    "DASH",
    "change",
    "is_missing",
    "number",
    "percent",
    "share_change",
    "signed",
    "value",
]


def is_missing(x: object) -> bool:
    """None, NaN, NaT or pandas' NA."""
    return x is None or bool(pd.isna(x))


def _plain(x: float) -> str:
    """Thousands separators; whole from 100 on, else three significant digits."""
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return np.format_float_positional(x, precision=3, unique=True, fractional=False, trim="-")


def _abbreviated(x: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= size:
            scaled = x / size
            digits = max(0, 2 - int(math.floor(math.log10(abs(scaled)))))
            return f"{scaled:.{digits}f}{suffix}"
    return _plain(x)


def _money(size: float) -> str:
    """Below 10,000: whole amounts from 100 on (and for whole amounts), else cents."""
    return f"{size:,.0f}" if size >= 100 or size == int(size) else f"{size:.2f}"


def number(x: object) -> str:
    """A plain number: ``1,187``, ``42.3``, ``0.0829``."""
    return DASH if is_missing(x) else _plain(float(x))


def value(x: object, unit: object = None) -> str:
    """A value in its unit: ``$2.19M``, ``2.4%``, ``3.2 days``, ``1,187 customers``."""
    if is_missing(x):
        return DASH
    x = float(x)
    sign = MINUS if x < 0 else ""
    unit = None if is_missing(unit) else str(unit)
    if unit in CURRENCIES:
        size = abs(x)
        body = _abbreviated(size) if size >= 10_000 else _money(size)
        return f"{sign}{unit}{body}"
    if unit == "%":
        return f"{sign}{abs(x):.1f}%"
    body = f"{sign}{_plain(abs(x))}"
    return f"{body} {unit}" if unit else body


def signed(text: str, x: float) -> str:
    """``text`` of ``abs(x)`` with a ``+`` or a minus sign in front."""
    return f"{'+' if x > 0 else MINUS if x < 0 else ''}{text}"


def change(x: object, unit: object = None) -> str:
    """A signed change in a unit: ``+$12.3K``, ``−0.4 pp``, ``+1.5 days``."""
    if is_missing(x):
        return DASH
    x = float(x)
    unit = None if is_missing(unit) else str(unit)
    if unit == "%":
        return signed(f"{abs(x):.1f} pp", x if round(abs(x), 1) else 0.0)
    return signed(value(abs(x), unit), x)


def percent(x: object, digits: int = 1) -> str:
    """A share as percent: ``0.655`` -> ``65.5%``."""
    return DASH if is_missing(x) else f"{100 * float(x):.{digits}f}%".replace("-", MINUS)


def share_change(x: object, digits: int = 0) -> str:
    """A change of a share in percentage points: ``0.12`` -> ``+12 pts``."""
    if is_missing(x):
        return DASH
    x = float(x)
    rounded = round(100 * abs(x), digits)
    return signed(f"{rounded:.{digits}f} pts", x if rounded else 0.0)


def signed_percent(value: object) -> str:
    """A signed percent with one decimal: ``+4.2%``, ``-0.5%``; ``0.0%`` never signed."""
    return signed(f"{abs(float(value)):.1f}%", float(value) if round(abs(float(value)), 1) else 0.0)
