"""Integer codes of key columns and the duplicate-key rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import _parse
from ._problems import Problems
from .contract import FileSpec

Codes = tuple[np.ndarray, int]  # per row a code 0..size-1, one per distinct value, and size


DENSE_KEY_LIMIT = 1 << 27  # up to 128M possible keys, a table of flags is cheap


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes 0..n-1 of a column's values (missing is a value of its own)."""
    if values.dtype.kind == "M":  # dates: whole days from the first, no hashing needed
        days = values.to_numpy().astype("datetime64[D]").astype(np.int64)
        present = ~np.isnat(values.to_numpy())
        low = days[present].min() if present.any() else 0
        codes = np.where(present, days - low + 1, 0)
        return codes, int(codes.max(initial=0)) + 1
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def duplicated(frame: pd.DataFrame, key: list[str], known: dict[str, Codes] | None = None) -> pd.Series:
    """Rows whose ``key`` repeats an earlier row's, found on integer codes (fast on millions of rows).

    ``known`` holds codes the parser already made for some columns.  The first key column's
    codes are taken out of it and become the combined codes (no copy of a column of codes).
    """
    known = known if known is not None else {}
    parts = [known.pop(key[0], None) or _codes(frame[key[0]])]
    parts += [known.get(column) or _codes(frame[column]) for column in key[1:]]
    span = math.prod(size for _, size in parts)
    if span >= 2**62:
        return frame.duplicated(key, keep="first")
    combined = parts[0][0].astype(np.int32 if span < 2**31 else np.int64, copy=False)
    for codes, size in parts[1:]:
        combined *= size  # in place: no temporaries (each would be 40-80 MB per 10M rows)
        combined += codes
    if span <= DENSE_KEY_LIMIT:  # one flag per possible key: all distinct when every row sets its own
        seen = np.zeros(span, dtype=bool)
        seen[combined] = True
        if np.count_nonzero(seen) == len(frame):
            return _parse.no_rows(frame.index)
    return pd.Series(pd.Series(combined).duplicated(keep="first").to_numpy(), index=frame.index)


def check_unique(frame: pd.DataFrame, spec: FileSpec, problems: Problems, codes: dict[str, Codes]) -> None:
    for key in spec.unique:
        duplicated_rows = duplicated(frame, list(key), codes)
        if not duplicated_rows.any():
            continue
        first_line = (
            frame.reset_index()
            .groupby(list(key), sort=False, dropna=False)[frame.index.name]
            .transform("first")
        )
        first_line.index = frame.index
        shown = frame[list(key)].astype(str).agg(", ".join, axis=1)
        name = key[0] if len(key) == 1 else "(" + ", ".join(key) + ")"
        for line in frame.index[duplicated_rows.to_numpy()]:
            problems.add(
                int(line),
                name,
                shown[line],
                f"a unique {name}; the same value is on {problems.location} {first_line[line]}",
            )
    problems.raise_if_any()
