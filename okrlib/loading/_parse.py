"""Vectorised cell parsers, one per column kind of the data contract.

Every parser takes a column as a ``pyarrow.ChunkedArray`` (already trimmed, empty
cells null) and returns ``(values, bad)``: a pandas Series of parsed values and a
boolean mask of the non-empty cells that could not be parsed.  Clean columns take
a fast path (one pyarrow cast); only columns with unusual spellings or errors pay
for the regular expressions.

Number spellings (the documented rules)
---------------------------------------
- plain numbers: ``1200``, ``-3.5``, ``.5``, ``1e-05``;
- thousands separators in groups of three: ``1,200`` and ``1,200.50``;
- a leading sign and/or currency symbol ``$``, ``€`` or ``£``: ``$1,200``, ``-$40``;
- a trailing ``%``, read as percentage points: ``85%`` is 85;
- in a semicolon-delimited file the decimal separator may be a comma and the
  thousands separator a dot: ``1.234,5`` is 1234.5 and ``0,85`` is 0.85.  A value
  such as ``1.234`` (one dot followed by exactly three digits) is ambiguous there
  and is an error; ``12.5`` and ``0.85`` are read with a decimal point;
- ``nan``, ``inf`` and anything else are errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model.quarters import QUARTER_PATTERN
from .contract import DATE_DTYPE

_PLAIN = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_THOUSANDS_COMMA = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"
_DECIMAL_COMMA = r"(?:\d+|\d{1,3}(?:\.\d{3})+),\d+|\d{1,3}(?:\.\d{3}){2,}"
_AMBIGUOUS_DOT = r"\d{1,3}\.\d{3}"
_EXPONENT = r"(?:[eE][-+]?\d+)?"
_DECORATED = (
    r"^([-+]?)\s*([$€£]?)\s*([-+]?)\s*"  # sign, currency, sign
    rf"([0-9][0-9.,]*{_EXPONENT}|\.[0-9]+{_EXPONENT})"  # the digits
    r"\s*(%?)$"  # percent
)
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # ASCII digits only: not ２０２４-07-01
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31"))


def clean_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim surrounding whitespace and turn empty cells into nulls."""
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _to_series(column: pa.ChunkedArray) -> pd.Series:
    return column.to_pandas()


def parse_cells(
    column: pa.ChunkedArray, kind: str, decimal_comma: bool = False
) -> tuple[pd.Series, pd.Series]:
    """Parse a column of the contract's ``kind`` (number, date, quarter; anything else is text)."""
    if kind == "number":
        return parse_numbers(column, decimal_comma=decimal_comma)
    if kind == "date":
        return parse_dates(column)
    if kind == "quarter":
        return parse_quarters(column)
    return parse_text(column)


def parse_text(column: pa.ChunkedArray) -> tuple[pd.Series, pd.Series]:
    """Text cells: trimmed, empty is missing, nothing is bad."""
    values = _to_series(clean_text(column))
    return values, no_rows(values.index)


def parse_numbers(column: pa.ChunkedArray, decimal_comma: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse numbers by the rules in the module docstring.

    Examples
    --------
    >>> import pyarrow as pa
    >>> values, bad = parse_numbers(pa.chunked_array([["85%", "$1,200", "x", None]]))
    >>> values.tolist()[:2], bad.tolist()
    ([85.0, 1200.0], [False, False, True, False])
    """
    if is_numeric(column):
        values = _float_series(column.to_numpy(zero_copy_only=False).astype("float64", copy=False))
        if not column.null_count and all_finite(column):  # most files: Arrow's check, no row masks
            return values, no_rows(values.index)
        return values, pd.Series(~np.isfinite(values) & values.notna(), index=values.index)
    numbers = _plain_numbers(column)  # most files: no cell needs trimming
    text = None
    if numbers is None:
        text = clean_text(column)
        numbers = _plain_numbers(text)
    if numbers is not None and not (decimal_comma and _any_ambiguous(column if text is None else text)):
        return _float_series(numbers), no_rows(pd.RangeIndex(len(numbers)))
    return _parse_decorated_numbers(_to_series(clean_text(column) if text is None else text), decimal_comma)


def _any_ambiguous(column: pa.ChunkedArray) -> bool:
    """Whether any cell reads ``1.234`` (a dot before three digits): with a decimal comma it
    may be a thousands separator, so such a column takes the full rules (an error there)."""
    return bool(pc.any(pc.match_substring_regex(column, r"^[+-]?\d{1,3}\.\d{3}$")).as_py())


def is_numeric(column: pa.ChunkedArray) -> bool:
    """True for a column the reader already read as numbers."""
    return pa.types.is_integer(column.type) or pa.types.is_floating(column.type)


def no_rows(index: pd.Index) -> pd.Series:
    """An all-False row mask (its zeroed memory is not written)."""
    return pd.Series(np.zeros(len(index), dtype=bool), index=index, copy=False)


def _float_series(numbers: np.ndarray) -> pd.Series:
    """A Series on ``numbers`` without pandas' defensive copy (80 MB per 10M rows), unless the
    array is a read-only view of Arrow memory."""
    return pd.Series(numbers, copy=not numbers.flags.writeable)


def all_finite(numbers: pa.ChunkedArray) -> bool:
    """True when no cell of a float column is NaN or infinite (empty cells are fine): a cell
    ``nan`` or ``inf`` is an error by the number rules, not a number."""
    return pc.all(pc.is_finite(numbers)).as_py() is not False


def _plain_numbers(column: pa.ChunkedArray) -> np.ndarray | None:
    """All cells as float64 (empty: NaN) when every one is a plain finite number, else None."""
    try:
        numbers = pc.cast(column, pa.float64())
    except pa.ArrowInvalid:  # blanks around a number, thousands separators, text...
        return None
    return numbers.to_numpy(zero_copy_only=False) if all_finite(numbers) else None


def _parse_decorated_numbers(text: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    present = text.notna()
    uniques = pd.Series(text[present].unique(), dtype="str")
    parts = uniques.str.extract(_DECORATED)
    sign = parts[0].fillna("") + parts[2].fillna("")
    body = parts[3]
    plain = body.str.fullmatch(_PLAIN).fillna(False)
    normal = body.where(plain)
    if decimal_comma:
        comma = body.str.fullmatch(_DECIMAL_COMMA).fillna(False) & ~plain
        ambiguous = body.str.fullmatch(_AMBIGUOUS_DOT).fillna(False)
        normal = normal.where(~comma, body.str.replace(".", "", regex=False).str.replace(",", "."))
        normal = normal.where(~ambiguous)
    else:
        grouped = body.str.fullmatch(_THOUSANDS_COMMA).fillna(False)
        normal = normal.where(~grouped, body.str.replace(",", "", regex=False))
    doubled_sign = sign.str.len() > 1
    number = pd.to_numeric(normal, errors="coerce")
    number = number.where(~doubled_sign)
    number = number.where(sign != "-", -number)
    number = number.where(np.isfinite(number))
    lookup = pd.Series(number.to_numpy(dtype="float64"), index=uniques.to_numpy(dtype=object))
    values = pd.Series(text.map(lookup), index=text.index, dtype="float64")
    return values, present & values.isna()


def is_ambiguous_decimal(value: str) -> bool:
    """True for values such as ``1.234`` that read differently with a decimal comma."""
    body = value.strip().lstrip("+-$€£ ").rstrip("% ")
    return pd.Series([body]).str.fullmatch(_AMBIGUOUS_DOT).iloc[0]


def parse_dates(column: pa.ChunkedArray) -> tuple[pd.Series, pd.Series]:
    """Parse ISO ``YYYY-MM-DD`` dates in ASCII digits, from 1900-01-01 to 2100-12-31.

    Parquet date and timestamp columns pass through; a timezone-aware timestamp becomes
    its calendar date in its own zone (``2026-07-01T00:30+02:00`` is 2026-07-01).
    """
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        column = pc.floor_temporal(pc.local_timestamp(column), unit="day")
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        values = pd.Series(column.to_pandas(), dtype=DATE_DTYPE)
        return _in_range(values, no_rows(values.index))
    text = clean_text(column)
    try:
        days = pc.cast(text, pa.date32())  # strict ISO YYYY-MM-DD
        values = pd.Series(pc.cast(days, pa.timestamp("us")).to_pandas(), dtype=DATE_DTYPE)
        return _in_range(values, no_rows(values.index))
    except (pa.ArrowInvalid, pd.errors.OutOfBoundsDatetime):
        pass
    series = _to_series(text)
    iso = series.str.fullmatch(_ISO_DATE).fillna(False).astype(bool)
    values = pd.to_datetime(series.where(iso), format="%Y-%m-%d", errors="coerce")
    values = values.astype(DATE_DTYPE)
    return _in_range(values, series.notna() & values.isna())


def _in_range(values: pd.Series, bad: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates outside :data:`DATE_RANGE` become missing and bad."""
    outside = (values < DATE_RANGE[0]) | (values > DATE_RANGE[1])
    if outside.any():
        return values.where(~outside), bad | outside
    return values, bad


def parse_quarters(column: pa.ChunkedArray) -> tuple[pd.Series, pd.Series]:
    """Parse ``2026-Q3`` or ``2026Q3`` into ``pd.Period(freq="Q")``."""
    series = _to_series(clean_text(column))
    uniques = pd.Series(series.dropna().unique(), dtype="str")
    parts = uniques.str.extract(QUARTER_PATTERN)
    good = parts[0].notna()
    periods = pd.PeriodIndex.from_fields(
        year=parts.loc[good, 0].astype(int).to_numpy(),
        quarter=parts.loc[good, 1].astype(int).to_numpy(),
        freq="Q",
    )
    if not len(periods):
        values = pd.Series(pd.NaT, index=series.index, dtype="period[Q-DEC]")
        return values, series.notna()
    lookup = pd.Series(periods, index=uniques[good].to_numpy(dtype=object))
    values = series.map(lookup).astype("period[Q-DEC]")
    return values, series.notna() & values.isna()
