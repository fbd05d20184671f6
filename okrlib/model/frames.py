"""Small DataFrame helpers shared by the compute modules."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values: object) -> pa.ChunkedArray | None:
    """The Arrow array behind an Arrow-backed string Series or Index, else None."""
    if (
        isinstance(values, pd.Series | pd.Index)
        and isinstance(values.dtype, pd.StringDtype)
        and values.dtype.storage == "pyarrow"
    ):
        return values.array.__arrow_array__()
    return None


def isin(values: pd.Series, candidates: Iterable[object]) -> pd.Series:
    """``values.isin(candidates)`` that stays in Arrow for string columns.

    pandas 3 builds one Python scalar per candidate in ``Series.isin`` for Arrow strings,
    which dominates when both sides hold 100,000 ids; ``pyarrow.compute.is_in`` does not.
    """
    left = _arrow(values)
    if left is not None:
        if not isinstance(candidates, pd.Series | pd.Index):
            candidates = pd.Series(list(candidates), dtype="str")
        right = _arrow(candidates)
        if right is not None:
            value_set = (
                right.combine_chunks().cast(left.type) if right.num_chunks else pa.array([], left.type)
            )
            mask = pc.is_in(left, value_set=value_set).to_numpy(zero_copy_only=False)
            return pd.Series(mask, index=values.index, dtype=bool)
    return values.isin(candidates)


def series_key(frame: pd.DataFrame) -> pd.Series:
    """One text per (kpi_id, segment) pair, for ``isin`` on pairs: cheaper than a merge on
    these small frames.  A kpi_id (``[a-z0-9_]+`` by the data contract) never holds the
    separator, so distinct pairs give distinct texts."""
    return frame["kpi_id"] + "\x1f" + frame["segment"]
