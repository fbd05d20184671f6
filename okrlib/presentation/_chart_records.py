"""An altair data transformer that turns the charts' frames into records faster.

Altair's default transformer sanitises a frame column by column with pandas (copy, cast to
object, ``where``) and then calls ``to_dict(orient="records")``: about 2 ms for each of
the small frames a report draws, 40 of them a report.  :func:`records` gives the same
records, value for value, from each column's numpy array in one pass (0.2 ms a frame).
It follows altair's rules:

- floats become Python floats, with NaN and infinities as ``None``;
- integers and booleans become Python ints and bools;
- text (pandas' string dtypes) and categories become Python objects, with missing values
  as ``None``;
- timezone-naive datetimes in whole seconds become ISO strings
  (``2026-07-01T00:00:00``), with ``NaT`` as ``""``.

Any other frame (a timezone, fractions of a second, object columns, another dtype, more
rows than allowed) goes to altair's own transformer unchanged.  The tests check both
transformers give the same records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from altair.vegalite.data import default_data_transformer

MAX_ROWS = 5000  # altair's default limit


def _column_values(column: pd.Series) -> list | None:
    """The column as JSON-ready Python values, or None where altair's rules must apply."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype | pd.CategoricalDtype):
        return _with_none(column.tolist(), column.isna().to_numpy())  # Python objects, NaN/NA -> None
    if not isinstance(dtype, np.dtype):  # time zones, nullable numbers, periods...
        return None
    values = column.to_numpy()
    if dtype.kind in "iub":
        return values.tolist()
    if dtype.kind == "f":
        return _with_none(values.tolist(), ~np.isfinite(values))
    if dtype.kind == "M":
        present = values[~np.isnat(values)]
        if (present != present.astype("datetime64[s]")).any():  # fractions of a second
            return None
        return ["" if text == "NaT" else text for text in np.datetime_as_string(values, unit="s").tolist()]
    return None


def _with_none(values: list, missing: np.ndarray) -> list:
    for position in np.flatnonzero(missing):
        values[position] = None
    return values


def records(data: object = None, max_rows: int | None = MAX_ROWS) -> object:
    """Altair data transformer: ``{"values": [...]}`` records of a flat pandas frame.

    Registered and enabled by :func:`okrlib.presentation.charts.enable`; called by altair as
    ``records(data)``.  Without ``data`` it returns itself with ``max_rows`` bound, as
    altair's transformers do.

    Examples
    --------
    >>> records(pd.DataFrame({"a": [1.5, float("nan")], "b": ["x", None]}))
    {'values': [{'a': 1.5, 'b': 'x'}, {'a': None, 'b': None}]}
    """
    if data is None:
        return lambda frame: records(frame, max_rows=max_rows)
    if (
        isinstance(data, pd.DataFrame)
        and (max_rows is None or len(data) <= max_rows)
        and not isinstance(data.index, pd.MultiIndex)
        and not isinstance(data.columns, pd.MultiIndex)
        and data.columns.is_unique
        and len(data.columns) > 0
        and all(isinstance(name, str) for name in data.columns)
    ):
        names = list(data.columns)
        columns = [_column_values(column) for _, column in data.items()]
        if all(values is not None for values in columns):
            return {"values": [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]}
    return default_data_transformer(data, max_rows=max_rows)
