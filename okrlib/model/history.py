"""Rows and series of a large ``kpi_history`` found through integer codes, made once per frame.

A 10M-row history holds ``kpi_id`` and ``segment`` as text: every ``isin`` or
``drop_duplicates`` on them hashes 10M strings (0.3 to 1 s each, more with Python strings).
The codes of both columns are computed once per history frame (kept while the frame lives,
and only while its ``kpi_id`` and ``segment`` columns are the ones they were made from), and
each later lookup is a table lookup on integers.  Results are the rows and pairs the text
operations give, in the same order.  :func:`memo` keeps other results per frame the same
way (the loader's scale findings): like every frame of a Workbook, a history is never
changed in place.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")


@dataclass(frozen=True)
class _Codes:
    kpi: np.ndarray  # per row, the position of its kpi_id in ``kpi_ids``
    kpi_ids: pd.Index
    segment: np.ndarray
    segments: pd.Index


_MEMO: dict[int, tuple[tuple[object, object], dict[str, object]]] = {}


def memo(history: pd.DataFrame, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per history frame and ``name``, kept while the frame lives and
    its ``kpi_id`` and ``segment`` columns are the same arrays (a column assigned anew
    starts afresh; frames of a Workbook are never changed in place)."""
    key, columns = id(history), (history["kpi_id"].array, history["segment"].array)
    entry = _MEMO.get(key)
    if entry is None or any(now is not then for now, then in zip(columns, entry[0], strict=True)):
        if entry is None:
            weakref.finalize(history, _MEMO.pop, key, None)
        entry = _MEMO[key] = (columns, {})
    results = entry[1]
    if name not in results:
        results[name] = compute()
    return results[name]  # type: ignore[return-value]


def row_codes(history: pd.DataFrame) -> _Codes:
    """Per row, the position of its kpi_id in ``kpi_ids`` (``kpi``) and of its segment in
    ``segments`` (``segment``); the two indexes may hold values no row has (a frame of
    :func:`of_kpis` inherits its history's)."""
    return _codes(history)


def _codes(history: pd.DataFrame) -> _Codes:
    def compute() -> _Codes:
        kpi, kpi_ids = pd.factorize(history["kpi_id"])
        segment, segments = pd.factorize(history["segment"])
        return _Codes(kpi.astype(np.int32), pd.Index(kpi_ids), segment.astype(np.int32), pd.Index(segments))

    return memo(history, "codes", compute)


def pairs(history: pd.DataFrame) -> np.ndarray:
    """Per row, an integer naming its (kpi_id, segment) series (the same for the same pair)."""
    codes = _codes(history)
    return codes.kpi.astype(np.int64) * max(len(codes.segments), 1) + codes.segment


def pair_of(history: pd.DataFrame, kpi_id: pd.Series, segment: pd.Series) -> np.ndarray:
    """The :func:`pairs` integer of each (kpi_id, segment) given; -1 for a pair the history
    does not hold."""
    codes = _codes(history)
    kpi = codes.kpi_ids.get_indexer(pd.Index(kpi_id.astype("object")))
    seg = codes.segments.get_indexer(pd.Index(segment.astype("object")))
    return np.where((kpi >= 0) & (seg >= 0), kpi.astype(np.int64) * max(len(codes.segments), 1) + seg, -1)


def kpi_ids(history: pd.DataFrame) -> pd.Series:
    """The distinct kpi_ids of ``history``, in the order they first appear."""
    codes = _codes(history)
    return pd.Series(codes.kpi_ids.take(pd.unique(codes.kpi)), dtype=history["kpi_id"].dtype)


def of_kpis(history: pd.DataFrame, kpi_ids: Iterable[object]) -> pd.DataFrame:
    """The rows of ``history`` whose kpi_id is one of ``kpi_ids``, in their order:
    ``history[history["kpi_id"].isin(kpi_ids)]``."""
    codes = _codes(history)
    wanted = codes.kpi_ids.get_indexer(pd.Index(pd.unique(pd.Series(list(kpi_ids), dtype="object"))))
    table = np.zeros(len(codes.kpi_ids) + 1, dtype=bool)  # the last entry: a missing kpi_id (-1)
    table[wanted[wanted >= 0]] = True
    return rows(history, table[codes.kpi])


def rows(history: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``history[mask]``, its rows keeping the codes ``history`` has (no second pass over
    the texts when it is looked up later)."""
    found = history[mask]
    codes = _codes(history)
    mine = _Codes(codes.kpi[mask], codes.kpi_ids, codes.segment[mask], codes.segments)
    memo(found, "codes", lambda: mine)
    return found


def series(history: pd.DataFrame) -> pd.DataFrame:
    """Every (kpi_id, segment) pair of ``history`` once, in the order they first appear:
    ``history[["kpi_id", "segment"]].drop_duplicates()`` with a fresh RangeIndex."""
    codes = _codes(history)
    width = max(len(codes.segments), 1)
    found = pd.unique(pairs(history))
    return pd.DataFrame(
        {
            "kpi_id": codes.kpi_ids.take(found // width),
            "segment": codes.segments.take(found % width),
        }
    ).astype({"kpi_id": history["kpi_id"].dtype, "segment": history["segment"].dtype})


DENSE_LIMIT = 1 << 27  # up to 128M (KPI, day) pairs, a table of flags is cheaper than a sort


def kpi_dates(history: pd.DataFrame) -> pd.DataFrame:
    """Every (kpi_id, date) pair of ``history`` once, each KPI's dates ascending:
    ``history[["kpi_id", "date"]].drop_duplicates()`` sorted by KPI (in order of first
    appearance) and date, with a fresh RangeIndex.  Dates are whole days (the contract's)."""
    codes = _codes(history)
    dtype = history["date"].dtype
    if history.empty:
        return pd.DataFrame({"kpi_id": codes.kpi_ids.take([]), "date": pd.Series(dtype=dtype)})
    days = history["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    low = days.min()
    span = days.max() - low + 1
    keys = codes.kpi.astype(np.int64) * span + (days - low)
    if len(codes.kpi_ids) * span <= DENSE_LIMIT:  # one flag per possible (KPI, day): no sort
        seen = np.zeros(len(codes.kpi_ids) * span, dtype=bool)
        seen[keys] = True
        keys = np.flatnonzero(seen)
    else:
        keys = np.unique(keys)  # sorted: by KPI, then date
    return pd.DataFrame(
        {
            "kpi_id": codes.kpi_ids.take(keys // span),
            "date": (keys % span + low).astype("datetime64[D]").astype(dtype),
        }
    )
